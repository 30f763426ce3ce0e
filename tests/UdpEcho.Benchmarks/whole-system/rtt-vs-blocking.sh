#!/usr/bin/env bash
# Are the client's round trips the network's? `udpecho ping --interval 0` and `udpecho send` against the plainest
# possible client, `blockping` (send, blocking recv, one thread, C), on the same servers: `udpecho serve`, `cecho plain`
# and `cecho mmsg`. Interleaved, alternating which goes first, so that machine noise hits both alike; prints for each
# server the median ratio of p50s (ping / blockping) with the lowest and highest round, and how far `send`'s one round
# trip is from blockping's p50 measured around it, with blockping's own first message for scale. VERBOSE=1 prints
# every round.
#   tests/UdpEcho.Benchmarks/whole-system/rtt-vs-blocking.sh [ROUNDS=7] [COUNT=2000]
#   UDPECHO_TOOL=~/.dotnet/tools/udpecho tests/UdpEcho.Benchmarks/whole-system/rtt-vs-blocking.sh   # an installed tool
# Targets (issue 12): ping p50 at most 1.3x blockping's; send within 0.15 ms of blockping's p50. Last, firstping shows
# what a plain C client's first message after 100 ms of idling costs on the same machine, for scale.
# Needs bash, gcc, python3, the .NET SDK and Linux (/proc). Sends only to 127.0.0.1; every process it starts is stopped
# on exit.
set -euo pipefail
rounds=${1:-7}
count=${2:-2000}
source "$(dirname "$0")/common.sh"
build_references
gcc -O2 -o "$work/blockping" "$here/blockping.c"
gcc -O2 -pthread -o "$work/firstping" "$here/firstping.c"
# UDPECHO_TOOL=PATH measures an installed udpecho instead (for example the native one that `dotnet tool install`
# gives on Linux x64), as server, ping and send alike.
if [[ -n ${UDPECHO_TOOL:-} ]]; then udpecho=("$UDPECHO_TOOL"); else udpecho=(dotnet "$work/UdpEcho.Tool/UdpEcho.Tool.dll"); fi

serve=$(free_port); start "$serve" "${udpecho[@]}" serve --port "$serve"
plain=$(free_port); start "$plain" "$work/cecho" plain "$plain"
mmsg=$(free_port); start "$mmsg" "$work/cecho" mmsg "$mmsg"

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
block_p50() { "$work/blockping" 127.0.0.1 "$1" "$count" | sed -n 's/^p50_us=\([0-9.]*\).*/\1/p'; }
ping_p50() { "${udpecho[@]}" ping "127.0.0.1:$1" --interval 0 --count "$count" --json | json 'd["rttMicroseconds"]["p50"]'; }
send_rtt() { "${udpecho[@]}" send "127.0.0.1:$1" "one round trip" --json | json 'd["replies"][0]["rttMicroseconds"]'; }

# summary UNIT: the median, lowest and highest of the numbers on stdin.
summary() {
  sort -g | awk -v unit="$1" 'NF { v[++n] = $1 } END {
    printf "%.2f%s  [%.2f .. %.2f]", (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2, unit, v[1], v[n] }'
}

# A fresh process's first round trip, as `send` measures it, meets a server that sat idle and cold caches: blockping's
# own first message (a new process too, COUNT 1, no warm-up) is printed beside it for scale.
block_first() { "$work/blockping" 127.0.0.1 "$1" 1 64 0 | sed -n 's/^p50_us=\([0-9.]*\).*/\1/p'; }

row() {
  local label=$1 port=$2 ratios=() diffs=() firsts=() a b c
  "$work/blockping" 127.0.0.1 "$port" 200 >/dev/null # warm-up, not counted
  for round in $(seq "$rounds"); do
    if ((round % 2)); then a=$(block_p50 "$port"); b=$(ping_p50 "$port"); else b=$(ping_p50 "$port"); a=$(block_p50 "$port"); fi
    ratios+=("$(awk -v a="$a" -v b="$b" 'BEGIN { print b / a }')")
    a=$(block_p50 "$port")
    b=$(send_rtt "$port")
    a=$(block_p50 "$port")
    c=$(block_first "$port")
    [[ -n ${VERBOSE:-} ]] && echo "  $label round $round: blockping p50 ${a} us, send ${b} us, blockping's first message ${c} us" >&2
    diffs+=("$(awk -v a="$a" -v b="$b" 'BEGIN { print (b - a) / 1000 }')")
    firsts+=("$(awk -v a="$a" -v c="$c" 'BEGIN { print (c - a) / 1000 }')")
  done
  printf '%-14s ping p50 / blockping p50: %s   send - blockping p50: %s   (blockping first - p50: %s)\n' "$label" \
    "$(printf '%s\n' "${ratios[@]}" | summary x)" "$(printf '%s\n' "${diffs[@]}" | summary ' ms')" "$(printf '%s\n' "${firsts[@]}" | summary ' ms')"
}

echo "rtt-vs-blocking.sh: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), rounds=$rounds count=$count, udpecho: ${udpecho[*]}"
row "udpecho serve" "$serve"
row "cecho plain" "$plain"
row "cecho mmsg" "$mmsg"

# What a first message after an idle spell costs a plain C client (firstping: 21 trials, 100 ms idle before each; the
# sending thread receiving, and a receive thread): the floor under `send`'s one round trip on this machine.
for server in "udpecho serve:$serve" "cecho plain:$plain"; do
  printf '%-14s plain C client, first message after 100 ms idle (median of 21): %s\n' "${server%%:*}" \
    "$("$work/firstping" 127.0.0.1 "${server##*:}" 21 100)"
done
