#!/usr/bin/env bash
# Does a paced probe send on schedule? `udpecho ping --interval MS --count N` against gaps.py, an echo server that
# notes the kernel's receive timestamp (SO_TIMESTAMPNS) of each datagram and prints the percentiles of the gaps
# between them: the pacing as the wire sees it, not as the client's clock says. Also prints the CPU the ping took
# (user + system) beyond that of a one-message ping, as a percentage of one core over the run.
#   tests/UdpEcho.Benchmarks/whole-system/pacing.sh [ROUNDS=3] [COUNT=1000] [INTERVAL_MS=1]
# Target (issue 11): at 1 ms, p10 >= 0.8 ms and p90 <= 1.2 ms.
# Needs bash, python3, the .NET SDK and Linux. Sends only to 127.0.0.1; every process it starts is stopped on exit.
set -euo pipefail
rounds=${1:-3}
count=${2:-1000}
interval=${3:-1}
source "$(dirname "$0")/common.sh"
build_references
udpecho=(dotnet "$work/UdpEcho.Tool/UdpEcho.Tool.dll")
hz=$(getconf CLK_TCK)

# cpu_seconds COMMAND...: runs it and prints the CPU seconds (user + system) it took: the growth of this (sub)shell's
# cutime + cstime, fields 16 and 17 of /proc/PID/stat, which count its waited-for children.
cpu_seconds() {
  local me=$BASHPID before after
  before=$(awk '{ print $16 + $17 }' "/proc/$me/stat")
  "$@" >/dev/null
  after=$(awk '{ print $16 + $17 }' "/proc/$me/stat")
  awk -v a="$after" -v b="$before" -v hz="$hz" 'BEGIN { print (a - b) / hz }'
}

echo "pacing.sh: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), rounds=$rounds count=$count interval=${interval} ms"
port=$(free_port)
python3 "$here/gaps.py" "$port" 1 >/dev/null 2>&1 &
pids+=($!)
sleep 0.5
base=$(cpu_seconds "${udpecho[@]}" ping "127.0.0.1:$port" --count 1 --quiet)
wait "${pids[-1]}" || true
for _ in $(seq "$rounds"); do
  port=$(free_port)
  python3 "$here/gaps.py" "$port" "$count" >"$work/gaps.txt" 2>/dev/null &
  pids+=($!)
  sleep 0.5
  start=$(date +%s.%N)
  cpu=$(cpu_seconds "${udpecho[@]}" ping "127.0.0.1:$port" --interval "$interval" --count "$count" --quiet)
  end=$(date +%s.%N)
  wait "${pids[-1]}" || true
  printf '%s  cpu %.1f%% of a core\n' "$(cat "$work/gaps.txt")" \
    "$(awk -v c="$cpu" -v b="$base" -v s="$start" -v e="$end" 'BEGIN { print 100 * (c - b) / (e - s) }')"
done
