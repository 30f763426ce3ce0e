#!/usr/bin/env bash
# How many receive loops pay? `udpecho serve --receive-loops 1` against `--receive-loops 2` (and more, as given),
# flooded (64 B, 64 in flight) by one cflood and by several at once (separate sockets, so the kernel spreads them over
# the SO_REUSEPORT group), interleaved; prints each setting's median echoes/s as a ratio to one loop.
#   tests/UdpEcho.Benchmarks/whole-system/loops.sh [ROUNDS=5] [SECONDS=2] [SENDERS=4] [LOOPS="2"]
# The default ReceiveLoops (one per four processors) rests on this: see docs/performance.md. Needs bash, gcc, the .NET
# SDK and Linux. Sends only to 127.0.0.1; every process it starts is stopped on exit.
set -euo pipefail
rounds=${1:-5}
seconds=${2:-2}
senders=${3:-4}
read -ra loop_counts <<<"${4:-2}"
source "$(dirname "$0")/common.sh"
build_references
udpecho=(dotnet "$work/UdpEcho.Tool/UdpEcho.Tool.dll")

one=$(free_port); start "$one" "${udpecho[@]}" serve --port "$one" --receive-loops 1
declare -A ports
for n in "${loop_counts[@]}"; do
  ports[$n]=$(free_port); start "${ports[$n]}" "${udpecho[@]}" serve --port "${ports[$n]}" --receive-loops "$n"
done

# rate PORT CLIENTS: the echoes/s of CLIENTS cflood processes flooding PORT together, summed.
rate() {
  local port=$1 clients=$2 i floods=()
  for i in $(seq "$clients"); do "$work/cflood" flood "$port" 64 64 "$seconds" >"$work/rate.$i" 2>/dev/null & floods+=($!); done
  wait "${floods[@]}" || true # only the floods: a plain wait would wait for the servers too
  cat "$work"/rate.* | awk '{ s += $1 } END { print s + 0 }'
  rm -f "$work"/rate.*
}
summary() {
  sort -g | awk 'NF { v[++n] = $1 } END { printf "%.2fx  [%.2f .. %.2f]", (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2, v[1], v[n] }'
}

echo "loops.sh: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, rounds=$rounds seconds=$seconds senders=$senders"
for clients in 1 "$senders"; do
  for n in "${loop_counts[@]}"; do
    rate "$one" "$clients" >/dev/null; rate "${ports[$n]}" "$clients" >/dev/null
    ratios=()
    for _ in $(seq "$rounds"); do
      a=$(rate "$one" "$clients"); b=$(rate "${ports[$n]}" "$clients")
      ratios+=("$(awk -v a="$a" -v b="$b" 'BEGIN { print (a > 0) ? b / a : 0 }')")
    done
    printf '%d loops / 1 loop, %d sender(s): %s\n' "$n" "$clients" "$(printf '%s\n' "${ratios[@]}" | summary)"
  done
done
