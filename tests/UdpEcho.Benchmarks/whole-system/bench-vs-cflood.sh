#!/usr/bin/env bash
# Load-generator comparison: `udpecho bench` against the C load generator `cflood`, both flooding the same
# `cecho mmsg` server on loopback, interleaved (cflood, bench, cflood, bench, ...) so that machine noise hits both
# alike. Prints every round and the median ratio of echoes/s, bench / cflood.
#   tests/UdpEcho.Benchmarks/whole-system/bench-vs-cflood.sh [ROUNDS=5] [SECONDS=2] [SIZE=64] [WINDOW=64]
# Needs gcc and the .NET SDK. Sends only to 127.0.0.1; every process it starts is stopped on exit.
set -euo pipefail
rounds=${1:-5}
seconds=${2:-2}
size=${3:-64}
window=${4:-64}
source "$(dirname "$0")/common.sh"
build_references

port=$(free_port)
start "$port" "$work/cecho" mmsg "$port"

cflood() { "$work/cflood" flood "$port" "$size" "$window" "$1" 2>/dev/null; }
# Prints echoes/s; fails (and so stops the script) on a corrupt echo, as cflood does.
bench() {
  local json
  json=$(dotnet "$work/UdpEcho.Tool/UdpEcho.Tool.dll" bench --target "127.0.0.1:$port" --mode flood --size "$size" --window "$window" --duration "$1" --json)
  field() { grep -o "\"$1\": *[0-9.eE+-]*" <<<"$json" | head -n1 | sed 's/.*: *//'; }
  if [ "$(field corrupt)" != 0 ]; then
    echo "bench-vs-cflood.sh: corrupt echoes: $json" >&2
    exit 1
  fi
  field echoesPerSecond
}

# A warm-up of each, not counted: page cache, CPU frequency, the server's first batches.
cflood 1 >/dev/null
bench 1 >/dev/null

echo "flood ${size} B, window ${window}, ${rounds} rounds of ${seconds} s against cecho mmsg on 127.0.0.1:${port}"
printf '%-6s %14s %14s %8s\n' round "cflood echo/s" "bench echo/s" ratio
ratios=()
for round in $(seq "$rounds"); do
  c=$(cflood "$seconds")
  b=$(bench "$seconds")
  ratio=$(awk -v b="$b" -v c="$c" 'BEGIN { printf "%.3f", b / c }')
  ratios+=("$ratio")
  printf '%-6s %14.0f %14.0f %8s\n' "$round" "$c" "$b" "$ratio"
done
echo "median ratio bench / cflood: $(printf '%s\n' "${ratios[@]}" | median)x"
