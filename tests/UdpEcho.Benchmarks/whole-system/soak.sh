#!/usr/bin/env bash
# Soak: `udpecho serve` under a loopback flood for SECONDS (default 60), its resident memory (VmRSS) sampled every
# INTERVAL seconds (default 5). Fails (exit 1) when RSS after warm-up (the first sample) grows by more than
# MARGIN_KB (default 20480, 20 MiB). Bounded: it always ends after SECONDS plus build time.
#   tests/UdpEcho.Benchmarks/whole-system/soak.sh [SECONDS] [INTERVAL] [MARGIN_KB] [-- extra `udpecho serve` options]
# Needs gcc, the .NET SDK and Linux (/proc). Sends only to 127.0.0.1; every process it starts is stopped on exit.
set -euo pipefail
seconds=${1:-60}
interval=${2:-5}
margin=${3:-20480}
shift $(( $# < 3 ? $# : 3 )) || true
[ "${1:-}" = "--" ] && shift
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
work=$(mktemp -d)
artifacts=${ARTIFACTS_PATH:-$work/artifacts}
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

gcc -O2 -o "$work/cflood" "$here/cflood.c"
dotnet build "$root/src/UdpEcho.Tool" -c Release --nologo -v quiet --artifacts-path "$artifacts" >/dev/null
tool=$(find "$artifacts/bin/UdpEcho.Tool" -name UdpEcho.Tool.dll -path '*release*' | head -1)

port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
dotnet "$tool" serve --port "$port" "$@" >"$work/serve.log" 2>&1 &
server=$!
pids+=("$server")
sleep 1 # let it bind

"$work/cflood" flood "$port" 64 64 "$seconds" >"$work/flood.out" 2>&1 &
pids+=($!)

rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$server/status"; }
samples=()
for (( t = interval; t <= seconds; t += interval )); do
  sleep "$interval"
  kb=$(rss)
  samples+=("$kb")
  printf 't=%3ss  VmRSS=%s kB\n' "$t" "$kb"
done
wait "${pids[-1]}" || true
echo "flood: $(cat "$work/flood.out") echoes/s"

first=${samples[0]}
max=$first
for kb in "${samples[@]}"; do (( kb > max )) && max=$kb; done
growth=$(( max - first ))
echo "RSS after warm-up: ${first} kB, peak ${max} kB, growth ${growth} kB (margin ${margin} kB)"
if (( growth > margin )); then
  echo "FAIL: memory grew by more than the margin" >&2
  exit 1
fi
echo "PASS"
