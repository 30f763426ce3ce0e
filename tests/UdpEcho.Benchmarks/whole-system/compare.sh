#!/usr/bin/env bash
# Whole-system comparison: `udpecho serve` against the C reference servers and a naive .NET loop, on loopback,
# interleaved (reference, udpecho, reference, udpecho, ...) so that machine noise hits both alike. Prints the median
# ratio of each scenario, with the lowest and highest round beside it.
#   tests/UdpEcho.Benchmarks/whole-system/compare.sh [ROUNDS=5] [SECONDS=2]
#   UDPECHO_SERVE_ARGS='--engine batched' tests/UdpEcho.Benchmarks/whole-system/compare.sh 5 2
# UDPECHO_SERVE_ARGS: extra `udpecho serve` options, split on spaces. IDLE_SECONDS (default 3): how long the
# idle CPU of `udpecho serve` is sampled after each flood stops. ONLY: a regular expression (grep -E); only the rows
# whose scenario matches it run, for example ONLY='65507' tests/UdpEcho.Benchmarks/whole-system/compare.sh 11 2.
# Needs bash, gcc, the .NET SDK and Linux (/proc). Sends only to 127.0.0.1; every process it starts is stopped on exit.
set -euo pipefail
rounds=${1:-5}
seconds=${2:-2}
idle_seconds=${IDLE_SECONDS:-3}
read -ra serve_args <<<"${UDPECHO_SERVE_ARGS:-}"
only=${ONLY:-}
source "$(dirname "$0")/common.sh"
build_references
gcc -O2 -o "$work/blockping" "$here/blockping.c"

mmsg=$(free_port); start "$mmsg" "$work/cecho" mmsg "$mmsg"
naive=$(free_port); start "$naive" dotnet "$work/UdpEcho.Benchmarks/UdpEcho.Benchmarks.dll" naive-echo "$naive"
udpecho=$(free_port); start "$udpecho" dotnet "$work/UdpEcho.Tool/UdpEcho.Tool.dll" serve --port "$udpecho" "${serve_args[@]}"
udpecho_pid=${pids[-1]}
loops2=$(free_port); start "$loops2" dotnet "$work/UdpEcho.Tool/UdpEcho.Tool.dll" serve --port "$loops2" --receive-loops 2 "${serve_args[@]}"

# `cecho spin` busy-polls a whole core even when idle: it runs only while it is measured, and is paused
# (SIGSTOP) the rest of the time, so that it takes no core from the server under test.
spin=$(free_port); start "$spin" "$work/cecho" spin "$spin"
spin_pid=${pids[-1]}
kill -STOP "$spin_pid"

# measure MODE PORT SIZE WINDOW SECONDS -> prints echoes/s (flood) or the p50 round trip in µs (pingpong), or 0 when
# the run measured nothing. Adds the run's corrupt echoes (wrong length or bytes) to $work/corrupt.
measure() {
  local mode=$1 port=$2 size=$3 window=$4 duration=$5 value
  [[ $port == "$spin" ]] && kill -CONT "$spin_pid"
  value=$("$work/cflood" "$mode" "$port" "$size" "$window" "$duration" 2>"$work/cflood.err") || true
  [[ $port == "$spin" ]] && kill -STOP "$spin_pid"
  sed -n 's/.*corrupt=\([0-9]*\).*/\1/p' "$work/cflood.err" >>"$work/corrupt"
  awk -v v="${value:-0}" 'BEGIN { print (v > 0) ? v : 0 }'
}

# summary UNIT: the median, lowest and highest of the numbers on stdin, as "MEDIANunit  [LOWEST .. HIGHEST]".
summary() {
  sort -g | awk -v unit="$1" 'NF { v[++n] = $1 } END {
    if (!n) { print "n/a"; exit }
    printf "%.2f%s  [%.2f .. %.2f]", (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2, unit, v[1], v[n] }'
}

# row LABEL REFNAME MODE SIZE WINDOW REFPORT OURPORT UNIT
# One 1-second warm-up run each (not counted), then ROUNDS interleaved pairs; prints the median of ours / reference.
row() {
  local label=$1 refname=$2 mode=$3 size=$4 window=$5 ref=$6 ours=$7 unit=$8 ratios=() failed=0 a b corrupt
  wanted "$label" || return 0
  : >"$work/corrupt"
  measure "$mode" "$ref" "$size" "$window" 1 >/dev/null
  measure "$mode" "$ours" "$size" "$window" 1 >/dev/null
  for _ in $(seq "$rounds"); do
    a=$(measure "$mode" "$ref" "$size" "$window" "$seconds")
    b=$(measure "$mode" "$ours" "$size" "$window" "$seconds")
    if awk -v a="$a" -v b="$b" 'BEGIN { exit !(a > 0 && b > 0) }'; then
      ratios+=("$(awk -v a="$a" -v b="$b" 'BEGIN { print b / a }')")
    else
      failed=$((failed + 1))
    fi
  done
  corrupt=$(awk '{ n += $1 } END { print n + 0 }' "$work/corrupt")
  problems=$((problems + corrupt + failed))
  printf '%-42s %-16s %s  %s, corrupt=%s%s\n' "$label" "$refname" "$(printf '%s\n' "${ratios[@]}" | summary x)" "$unit" \
    "$corrupt" "$( ((failed)) && echo ", $failed rounds measured nothing")"
}

# blocking_row LABEL REFPORT OURPORT: the p50 round trip measured by blockping (a plain blocking C client: send, blocking
# recv, one thread), one datagram in flight, 2000 messages per round; ROUNDS interleaved pairs, reference first.
blocking_row() {
  local label=$1 ref=$2 ours=$3 ratios=() a b
  wanted "$label" || return 0
  "$work/blockping" 127.0.0.1 "$ref" 500 >/dev/null; "$work/blockping" 127.0.0.1 "$ours" 500 >/dev/null
  for _ in $(seq "$rounds"); do
    a=$("$work/blockping" 127.0.0.1 "$ref" 2000 | sed -n 's/^p50_us=\([0-9.]*\).*/\1/p')
    b=$("$work/blockping" 127.0.0.1 "$ours" 2000 | sed -n 's/^p50_us=\([0-9.]*\).*/\1/p')
    ratios+=("$(awk -v a="$a" -v b="$b" 'BEGIN { print b / a }')")
  done
  printf '%-42s %-16s %s  %s\n' "$label" "naive .NET loop" "$(printf '%s\n' "${ratios[@]}" | summary x)" "round trip (lower is better)"
}

# wanted LABEL: whether ONLY (if set) selects the row.
wanted() { [[ -z $only ]] || grep -Eq -- "$only" <<<"$1"; }

# CPU time (user + system) of a process so far, in clock ticks: fields 14 and 15 of /proc/PID/stat.
cpu_ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }

# Idle CPU of `udpecho serve`, as a percentage of one core, over IDLE_SECONDS right after a 1-second flood stops.
idle_row() {
  local hz samples=() before after
  wanted "udpecho idle CPU" || return 0
  hz=$(getconf CLK_TCK 2>/dev/null || echo 100)
  for _ in $(seq "$rounds"); do
    measure flood "$udpecho" 64 64 1 >/dev/null
    before=$(cpu_ticks "$udpecho_pid")
    sleep "$idle_seconds"
    after=$(cpu_ticks "$udpecho_pid")
    samples+=("$(awk -v t=$((after - before)) -v hz="$hz" -v s="$idle_seconds" 'BEGIN { print 100 * t / hz / s }')")
  done
  printf '%-42s %-16s %s  of one core (target: under 5%%)\n' "udpecho idle CPU, ${idle_seconds} s after a flood" "-" \
    "$(printf '%s\n' "${samples[@]}" | summary %)"
}

problems=0
echo "compare.sh: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, rounds=$rounds seconds=$seconds, udpecho serve ${serve_args[*]:-(default options)}"
printf '%-42s %-16s %s\n' "scenario (udpecho unless named)" "reference" "ours / reference: median  [lowest .. highest round]"
row "flood 64 B, 64 in flight" "cecho mmsg" flood 64 64 "$mmsg" "$udpecho" "throughput"
row "flood 64 B, 64 in flight" "cecho spin" flood 64 64 "$spin" "$udpecho" "throughput"
row "flood 64 B, 64 in flight, 2 receive loops" "cecho mmsg" flood 64 64 "$mmsg" "$loops2" "throughput"
row "flood 65507 B, 8 in flight" "cecho mmsg" flood 65507 8 "$mmsg" "$udpecho" "throughput"
row "ping-pong 64 B, 1 in flight (p50 RTT)" "naive .NET loop" pingpong 64 1 "$naive" "$udpecho" "round trip (lower is better)"
blocking_row "ping-pong by blockping (p50 RTT)" "$naive" "$udpecho"
row "naive .NET loop: flood 64 B, 64 in flight" "cecho mmsg" flood 64 64 "$mmsg" "$naive" "throughput (context)"
idle_row
if ((problems > 0)); then
  echo "FAIL: $problems corrupt echoes or rounds that measured nothing" >&2
  exit 1
fi
