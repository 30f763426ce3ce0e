#!/usr/bin/env bash
# Whole-system comparison: `udpecho serve` against the C reference servers, on loopback, interleaved
# (reference, udpecho, reference, udpecho, ...) so that machine noise hits both alike. Prints median ratios.
#   tests/UdpEcho.Benchmarks/whole-system/compare.sh [ROUNDS] [SECONDS]
# Needs gcc and the .NET SDK. Sends only to 127.0.0.1; every process it starts is stopped on exit.
set -euo pipefail
rounds=${1:-5}
seconds=${2:-2}
source "$(dirname "$0")/common.sh"

mmsg=$(free_port); start "$work/cecho" mmsg "$mmsg"
plain=$(free_port); start "$work/cecho" plain "$plain"
udpecho=$(free_port); start dotnet "$work/tool/UdpEcho.Tool.dll" serve --port "$udpecho"
sleep 1 # let the servers bind; the first round is a warm-up and not counted

# run MODE SIZE WINDOW REFPORT OURPORT -> prints the median of our/ref over the rounds
run() {
  local mode=$1 size=$2 window=$3 ref=$4 ours=$5 ratios=()
  "$work/cflood" "$mode" "$ref" "$size" "$window" 1 >/dev/null 2>&1 || true
  "$work/cflood" "$mode" "$ours" "$size" "$window" 1 >/dev/null 2>&1 || true
  for _ in $(seq "$rounds"); do
    local a b
    a=$("$work/cflood" "$mode" "$ref" "$size" "$window" "$seconds" 2>/dev/null)
    b=$("$work/cflood" "$mode" "$ours" "$size" "$window" "$seconds" 2>/dev/null)
    ratios+=("$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", b / a }')")
  done
  printf '%s\n' "${ratios[@]}" | median
}

echo "rounds=$rounds seconds=$seconds (median ratio, udpecho / reference)"
printf '%-44s %s\n' "flood 64 B, 64 in flight vs cecho mmsg" "$(run flood 64 64 "$mmsg" "$udpecho")x throughput"
printf '%-44s %s\n' "flood 64 B, 64 in flight vs cecho plain" "$(run flood 64 64 "$plain" "$udpecho")x throughput"
printf '%-44s %s\n' "flood 65507 B, 8 in flight vs cecho mmsg" "$(run flood 65507 8 "$mmsg" "$udpecho")x throughput"
printf '%-44s %s\n' "ping-pong 64 B vs cecho plain (p50 RTT)" "$(run pingpong 64 1 "$plain" "$udpecho")x round trip (lower is better)"
