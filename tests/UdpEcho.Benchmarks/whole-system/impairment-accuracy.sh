#!/usr/bin/env bash
# How true the impairment simulation is, measured from the outside: round trips through `udpecho serve --delay 5`,
# `--delay 1` and `--delay 5 --jitter 2` by `blockping` (a plain blocking C client), and the loss pattern of
# `--loss 0.1 --loss-burst 4` and `--loss 0.1` by a numbered flood (python). Prints the round-trip percentiles, the
# server's own lateness figures (--json), the loss rate and the mean burst length of each, with the issue's targets.
#   tests/UdpEcho.Benchmarks/whole-system/impairment-accuracy.sh [COUNT=2000]
# Needs bash, gcc, python3, the .NET SDK and Linux. Sends only to 127.0.0.1; every process it starts is stopped on exit.
set -euo pipefail
count=${1:-2000}
source "$(dirname "$0")/common.sh"
build_references
gcc -O2 -o "$work/blockping" "$here/blockping.c"
udpecho=(dotnet "$work/UdpEcho.Tool/UdpEcho.Tool.dll")

# serve ARGS...: starts `udpecho serve --json` with ARGS on a free port; sets $port and $server_pid.
serve() {
  port=$(free_port)
  start "$port" "${udpecho[@]}" serve --port "$port" --json "$@"
  server_pid=${pids[-1]}
}

# stop_server: stops the server and waits for it, so that its log ends with its final statistics (the JSON line it
# writes on SIGTERM). Not in a subshell: only this shell can wait for its own child.
stop_server() {
  kill -TERM "$server_pid"
  wait "$server_pid" 2>/dev/null || true
}

ms() { awk -v us="$1" 'BEGIN { printf "%.3f", us / 1000 }'; }

# delay_row LABEL TARGET LOW_MS HIGH_MS ARGS...: also counts the round trips outside LOW_MS..HIGH_MS.
delay_row() {
  local label=$1 target=$2 low=$3 high=$4
  shift 4
  serve "$@"
  local result
  result=$("$work/blockping" 127.0.0.1 "$port" "$count" 64 20 200 "$(awk -v v="$low" 'BEGIN { print v * 1000 }')" \
    "$(awk -v v="$high" 'BEGIN { print v * 1000 }')")
  stop_server
  local stats
  stats=$(tail -n 1 "$work/server-$port.log")
  local p50 p99 min max outside
  p50=$(sed -n 's/.*p50_us=\([0-9.]*\).*/\1/p' <<<"$result")
  p99=$(sed -n 's/.*p99_us=\([0-9.]*\).*/\1/p' <<<"$result")
  min=$(sed -n 's/.*min_us=\([0-9.]*\).*/\1/p' <<<"$result")
  max=$(sed -n 's/.*max_us=\([0-9.]*\).*/\1/p' <<<"$result")
  outside=$(sed -n 's/.*outside=\([0-9]*\).*/\1/p' <<<"$result")
  local lateness
  lateness=$(python3 -c '
import json, sys
d = json.loads(sys.argv[1])
def ms(t):  # a TimeSpan as System.Text.Json writes it, [d.]hh:mm:ss[.fffffff]
    h, m, s = t.split(".", 1)[-1].split(":") if t.count(".") > 1 else t.split(":")
    return "%.3f" % ((int(h) * 60 + int(m)) * 60000 + float(s) * 1000)
print("server lateness ms p50 %s p99 %s max %s" % tuple(ms(d[k]) for k in ("delayLatenessP50", "delayLatenessP99", "delayLatenessMax")))' "$stats")
  printf '%-28s rtt ms p50 %s p99 %s min %s max %s, %s of %s outside %s-%s ms  (target: %s); %s\n' "$label" "$(ms "$p50")" \
    "$(ms "$p99")" "$(ms "$min")" "$(ms "$max")" "$outside" "$count" "$low" "$high" "$target" "$lateness"
}

loss_row() {
  local label=$1 target=$2
  shift 2
  serve "$@"
  python3 - "$port" 20000 "$label" "$target" <<'PY'
import socket, sys, threading, time
port, n, label, target = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
s.connect(("127.0.0.1", port))
seen = bytearray(n)
def receive():
    s.settimeout(1.0)
    try:
        while True:
            seen[int.from_bytes(s.recv(64)[:4], "big")] = 1
    except socket.timeout:
        pass
t = threading.Thread(target=receive); t.start()
for i in range(n):
    s.send(i.to_bytes(4, "big") + bytes(60))
    if i % 50 == 49:
        time.sleep(0.001)  # well inside every buffer: any loss is the simulator's
t.join()
lost = [i for i in range(n) if not seen[i]]
bursts = sum(1 for i in lost if i == 0 or seen[i - 1])
print("%-28s loss %.2f%%, mean burst %.2f over %d bursts  (target: %s)" % (label, 100 * len(lost) / n, len(lost) / max(1, bursts), bursts, target))
PY
  stop_server
}

echo "impairment-accuracy.sh: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), count=$count"
delay_row "--delay 5" "p50 5.0-5.3, p99 <= 6.0" 5 6 --delay 5
delay_row "--delay 1" "p50 1.0-1.25" 1 2 --delay 1
delay_row "--delay 5 --jitter 2" "within 3.0-7.5, p50 4.5-5.5" 3 7.5 --delay 5 --jitter 2
delay_row "--delay 5 --engine portable" "as the batched engine" 5 6 --delay 5 --engine portable
loss_row "--loss 0.1 --loss-burst 4" "10% +-2, mean burst 4 +-1" --loss 0.1 --loss-burst 4 --seed 1
loss_row "--loss 0.1" "10% +-2, mean burst < 1.5" --loss 0.1 --seed 1
