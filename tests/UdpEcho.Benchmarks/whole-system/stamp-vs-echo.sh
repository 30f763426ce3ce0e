#!/usr/bin/env bash
# Is the STAMP reflector as fast as the echo? `udpecho serve --stamp stateless` and `--stamp stateful` against plain
# `udpecho serve`, flooded by cflood (64-byte test packets, 64 in flight), interleaved: echo, stateless, stateful, echo,
# ... Prints the median ratio of each reflector's echoes/s to the echo server's, with the lowest and highest round.
# (cflood counts the reflected packets as "corrupt" since a reflector rewrites them; only the rate is read here.)
#   tests/UdpEcho.Benchmarks/whole-system/stamp-vs-echo.sh [ROUNDS=5] [SECONDS=2]
# Target (issue 14): at least 0.9x. Needs bash, gcc, the .NET SDK and Linux. Sends only to 127.0.0.1.
set -euo pipefail
rounds=${1:-5}
seconds=${2:-2}
source "$(dirname "$0")/common.sh"
build_references
udpecho=(dotnet "$work/UdpEcho.Tool/UdpEcho.Tool.dll")

echo_port=$(free_port); start "$echo_port" "${udpecho[@]}" serve --port "$echo_port"
stateless=$(free_port); start "$stateless" "${udpecho[@]}" serve --port "$stateless" --stamp stateless
stateful=$(free_port); start "$stateful" "${udpecho[@]}" serve --port "$stateful" --stamp stateful

rate() { "$work/cflood" flood "$1" 64 64 "$2" 2>/dev/null || true; }
summary() {
  sort -g | awk 'NF { v[++n] = $1 } END { printf "%.2fx  [%.2f .. %.2f]", (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2, v[1], v[n] }'
}

for port in "$echo_port" "$stateless" "$stateful"; do rate "$port" 1 >/dev/null; done
less=() full=()
for _ in $(seq "$rounds"); do
  e=$(rate "$echo_port" "$seconds"); a=$(rate "$stateless" "$seconds"); b=$(rate "$stateful" "$seconds")
  less+=("$(awk -v e="$e" -v a="$a" 'BEGIN { print a / e }')")
  full+=("$(awk -v e="$e" -v b="$b" 'BEGIN { print b / e }')")
done
echo "stamp-vs-echo.sh: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, rounds=$rounds seconds=$seconds"
echo "stateless reflector / echo: $(printf '%s\n' "${less[@]}" | summary)"
echo "stateful reflector / echo:  $(printf '%s\n' "${full[@]}" | summary)"
