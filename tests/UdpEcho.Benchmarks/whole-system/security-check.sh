#!/usr/bin/env bash
# security-check.sh: the "Safe to expose" checks (issue 9) against the real `udpecho serve` and the EchoServer sample,
# with independent tools: forged datagrams from a raw socket (forge.py, or hping3 for check 1), tcpdump counting what
# is on the wire, /proc for memory and the kernel's UDP counters. Runs everything inside a network namespace of its own
# (only `lo`, so no echo can leave the machine, and /proc/net/snmp counts only this run). Needs root, iproute2, tcpdump,
# python3; hping3 optional.
#   tests/UdpEcho.Benchmarks/whole-system/security-check.sh [CHECK...]     CHECK: selfloop peerloop print memory
#                                                                           kerneldrops summary lossrace (default: all)
# UDPECHO_BIN / ECHOSERVER_BIN: directories holding a Release build of src/UdpEcho.Tool / samples/EchoServer
# (default: built into a temporary directory). Every process it starts is stopped with SIGTERM, and the namespace is
# deleted, on exit. Prints one "RESULT <check> <PASS|FAIL> ..." line per measured claim.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
work=$(mktemp -d)
ns=udpecho-sec-$$
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" = 0 ] || { echo "security-check.sh: needs root (raw sockets, network namespace)" >&2; exit 2; }
build() { # build PROJECT OUTDIR
  dotnet build "$root/$1" -c Release --nologo -v quiet -o "$2" >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
}
bin=${UDPECHO_BIN:-}
[ -n "$bin" ] || { bin=$work/tool; build src/UdpEcho.Tool "$bin"; }
sample=${ECHOSERVER_BIN:-}
[ -n "$sample" ] || { sample=$work/sample; build samples/EchoServer "$sample"; }
forge="$here/forge.py"

ip netns add "$ns"
ip -n "$ns" link set lo up
in_ns() { ip netns exec "$ns" "$@"; }
listening() { in_ns grep -qs "$(printf ':%04X ' "$1")" /proc/net/udp /proc/net/udp6; }

# serve NAME PORT ARGS...: starts `udpecho serve --port PORT ARGS` in the namespace (stdout NAME.out, stderr NAME.err),
# waits until it listens, and leaves its pid in $server_pid.
serve() {
  local name=$1 port=$2
  shift 2
  ip netns exec "$ns" dotnet "$bin/UdpEcho.Tool.dll" serve --port "$port" "$@" >"$work/$name.out" 2>"$work/$name.err" &
  server_pid=$!
  pids+=("$server_pid")
  wait_listening "$port" "$server_pid" "$name"
}
wait_listening() {
  for _ in $(seq 200); do
    listening "$1" && return
    kill -0 "$2" 2>/dev/null || break
    sleep 0.05
  done
  echo "security-check.sh: $3 did not listen on port $1" >&2
  cat "$work/$3".* >&2
  exit 1
}
# stop PID: SIGTERM, then wait for it (its summary is in its log).
stop() { kill -TERM "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# capture NAME FILTER: starts tcpdump in the namespace writing NAME.pcap (64-byte snaplen) and waits until it listens.
capture() {
  ip netns exec "$ns" tcpdump -i lo -n -s 64 -U -w "$work/$1.pcap" "$2" 2>"$work/$1.tcpdump" &
  tcpdump_pid=$!
  pids+=("$tcpdump_pid")
  for _ in $(seq 100); do grep -q "listening on" "$work/$1.tcpdump" 2>/dev/null && return; sleep 0.05; done
  echo "security-check.sh: tcpdump did not start" >&2; exit 1
}
# count NAME FILTER: datagrams in NAME.pcap matching FILTER.
count() { tcpdump -r "$work/$1.pcap" -n "$2" 2>/dev/null | wc -l; }
result() { echo "RESULT $*"; }
le() { if [ "$1" -le "$2" ]; then echo PASS; else echo FAIL; fi; }
summary_of() { grep -h "udpecho: received" "$work/$1.err" "$work/$1.out" 2>/dev/null | tail -1; }

# ---- 1. One datagram forged from the server's own endpoint.
check_selfloop() {
  local p=17008 c
  echo "== 1. self-loop: one datagram forged 127.0.0.1:$p -> 127.0.0.1:$p, default settings"
  serve self $p
  capture self "udp and dst port $p"
  if command -v hping3 >/dev/null; then
    in_ns hping3 --udp -a 127.0.0.1 -s $p -k -p $p -c 1 -d 5 127.0.0.1 >"$work/hping3.log" 2>&1 || true
    echo "forged with: hping3 --udp -a 127.0.0.1 -s $p -k -p $p -c 1 -d 5 127.0.0.1"
  else
    in_ns "$forge" 127.0.0.1 $p 127.0.0.1 $p
  fi
  sleep 1.5
  stop "$tcpdump_pid"; stop "$server_pid"
  c=$(count self "udp and dst port $p")
  echo "datagrams to port $p on the wire in 1.5 s: $c (1 of them the forged one); tcpdump: $(grep -h dropped "$work/self.tcpdump" | head -1)"
  echo "server: $(summary_of self)"
  result selfloop "$(le "$c" 100)" "wire=$c limit=100"

  # Variants: the guard's own claims (wildcard bind: any local address with the server's port; self-loops dropped
  # even with --loop-guard off).
  local variant
  for variant in "127.0.0.1 127.0.0.1 --loop-guard off" "0.0.0.0 127.0.0.5" "0.0.0.0 127.0.0.1" ":: ::1" ":: 127.0.0.1" "::1 ::1 --loop-guard off"; do
    set -- $variant
    local bind=$1 src=$2 dst
    shift 2
    case $src in *:*) dst=::1 ;; *) dst=127.0.0.1 ;; esac
    serve selfv $p --address "$bind" "$@"
    capture selfv "udp and dst port $p"
    in_ns "$forge" "$src" $p "$dst" $p >/dev/null
    sleep 1.5
    stop "$tcpdump_pid"; stop "$server_pid"
    c=$(count selfv "udp and dst port $p")
    echo "variant bind=$bind source=$src:$p -> $dst:$p $*: wire=$c; server: $(summary_of selfv)"
    result "selfloop[bind=$bind,src=$src${*:+,$*}]" "$(le "$c" 100)" "wire=$c limit=100"
  done
}

# ---- 2. Two servers set bouncing by one datagram forged from B's port to A.
peer_case() { # peer_case LABEL LIMIT|report A_ADDR:PORT B_ADDR:PORT [ARGS for both...] [-- ARGS for B only...]
  local label=$1 limit=$2 a=${3##*:} b=${4##*:} bind_a=${3%:*} bind_b=${4%:*} ca cb pa pb args_b=() args=()
  shift 4
  while [ $# -gt 0 ] && [ "$1" != -- ]; do args+=("$1"); shift; done
  [ $# -gt 0 ] && { shift; args_b=("$@"); }
  serve peerA "$a" --address "$bind_a" "${args[@]}"; pa=$server_pid
  serve peerB "$b" --address "$bind_b" "${args[@]}" "${args_b[@]}"; pb=$server_pid
  capture peer "udp and (dst port $a or dst port $b)"
  # Forged from B's address and port (a wildcard bind answers from loopback) to A.
  local src=$bind_b dst=$bind_a
  case $src in 0.0.0.0) src=127.0.0.1 ;; ::) src=::1 ;; esac
  case $dst in 0.0.0.0) dst=127.0.0.1 ;; ::) dst=::1 ;; esac
  in_ns "$forge" "$src" "$b" "$dst" "$a" --size 64 >/dev/null
  sleep 1.5
  stop "$tcpdump_pid"; stop "$pa"; stop "$pb"
  ca=$(count peer "udp and dst port $a"); cb=$(count peer "udp and dst port $b")
  [ "$a" = "$b" ] && { ca=$(count peer "udp and dst host $dst"); cb=$(count peer "udp and dst host $src"); }
  echo "[$label] A=$bind_a:$a B=$bind_b:$b ${args[*]:-(defaults)}${args_b:+ (B also: ${args_b[*]})}; forged 64 bytes $src:$b -> $dst:$a"
  echo "  to A: $ca, to B: $cb in 1.5 s (tcpdump: $(grep -h 'dropped by kernel' "$work/peer.tcpdump"))"
  echo "  A: $(summary_of peerA)"
  echo "  B: $(summary_of peerB)"
  if [ "$limit" = report ]; then
    result "peerloop[$label]" REPORT "toA=$ca toB=$cb"
  elif [ "$(le "$ca" "$limit")" = PASS ] && [ "$(le "$cb" "$limit")" = PASS ]; then
    result "peerloop[$label]" PASS "toA=$ca toB=$cb limit=$limit"
  else
    result "peerloop[$label]" FAIL "toA=$ca toB=$cb limit=$limit"
  fi
}
check_peerloop() {
  echo "== 2. peer loop: one datagram forged from B's port to A"
  peer_case "both --loop-guard on" 100 127.0.0.1:17007 127.0.0.1:17009 --loop-guard on
  peer_case "defaults, loopback bind (guard off by design)" report 127.0.0.1:17007 127.0.0.1:17009
  peer_case "defaults, --address 0.0.0.0 (auto: on)" 100 0.0.0.0:17007 0.0.0.0:17009
  peer_case "defaults, --address :: (auto: on), IPv6" 100 :::17007 :::17009
  peer_case "A 0.0.0.0 (auto: on), B loopback (auto: off)" 100 0.0.0.0:17007 127.0.0.2:17009
  # Beyond the checklist: an amplifying peer (every echo sent twice) doubles the datagrams in flight each round.
  peer_case "both --loop-guard on --duplicate 1" 100 127.0.0.1:17007 127.0.0.1:17009 --loop-guard on --duplicate 1
  # STAMP reflectors rewrite each packet (timestamps), so no side ever sees its own bytes back.
  peer_case "both --stamp stateless --loop-guard on" 100 127.0.0.1:17007 127.0.0.1:17009 --loop-guard on --stamp stateless
  peer_case "both --stamp stateless, --address 0.0.0.0 defaults" 100 0.0.0.0:17007 0.0.0.0:17009 --stamp stateless
  peer_case "echo vs --stamp stateless, both --loop-guard on" 100 127.0.0.1:17007 127.0.0.1:17009 --loop-guard on -- --stamp stateless
  peer_case "both --stamp stateless on STAMP's port 862" 100 127.0.0.1:862 127.0.0.2:862 --loop-guard on --stamp stateless
}

# ---- 3. Control characters and newlines in a datagram, printed by --verbose and by the sample.
print_case() { # print_case NAME PORT: sends the datagrams from 127.0.0.1:40001, then checks NAME.out
  local name=$1 port=$2 raw lines says
  in_ns python3 - "$port" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 40001))
for d in [b"hi\n10.9.9.9 4444 says: forged line\x1b[2J\x07", b"hello", b"\x1b]0;pwned\x07title", b"tab\there\rcr",
          b"c1 \xc2\x9b31m csi", b"bidi \xe2\x80\xaeevil", b"bad utf8 \xff\xfe", "h\u00e9llo \u2713".encode(), b"x" * 2000]:
    s.sendto(d, ("127.0.0.1", int(sys.argv[1])))
    time.sleep(0.05)
PY
  sleep 0.5
}
print_verdict() { # print_verdict NAME FILE (the lines printed for the 9 datagrams)
  local name=$1 f=$2 raw lines forged hello
  raw=$(LC_ALL=C grep -c $'[\x01-\x08\x0b-\x1f\x7f]' "$f" || true)
  lines=$(grep -c " says: " "$f" || true)
  forged=$(grep -c '^10\.9\.9\.9 4444 says' "$f" || true)
  hello=$(grep -cx "127.0.0.1 40001 says: hello" "$f" || true)
  echo "--- $name output (cat -v):"; cat -v "$f"
  echo "lines with a raw control byte: $raw; 'says:' lines: $lines (9 datagrams sent); forged lines: $forged; exact hello line: $hello"
  if [ "$raw" = 0 ] && [ "$lines" = 9 ] && [ "$forged" = 0 ] && [ "$hello" = 1 ]; then result "print[$name]" PASS; else result "print[$name]" FAIL "raw=$raw lines=$lines forged=$forged hello=$hello"; fi
}
check_print() {
  echo "== 3. printing a stranger's bytes"
  local p=17010
  serve verbose $p --verbose
  print_case verbose $p
  stop "$server_pid"
  print_verdict "udpecho serve --verbose" "$work/verbose.out"
  ip netns exec "$ns" dotnet "$sample/EchoServer.dll" $p >"$work/sample.out" 2>"$work/sample.err" &
  server_pid=$!; pids+=("$server_pid")
  wait_listening $p "$server_pid" sample
  print_case sample $p
  stop "$server_pid"
  grep " says: " "$work/sample.out" >"$work/sample.lines" || true
  print_verdict "EchoServer sample" "$work/sample.out"
}

# ---- 4. A long delay under a flood of 8 KB datagrams: peak resident memory.
check_memory() {
  echo "== 4. --delay 30000 under 3 s of 8 KB datagrams"
  local p=17011 hwm rss extra
  for extra in "" "--receive-loops 8"; do
    serve mem $p --delay 30000 $extra
    # Four senders from different ports (so that with several receive loops they spread over them).
    local s senders=()
    for s in 1 2 3 4; do
      ip netns exec "$ns" python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.connect(("127.0.0.1", int(sys.argv[1])))
d = bytes(8192); n = 0; end = time.monotonic() + 3
while time.monotonic() < end:
    for _ in range(64):
        try: s.send(d); n += 1
        except OSError: pass
print(n)' $p >"$work/mem-sender-$s.out" &
      senders+=($!); pids+=($!)
    done
    local peak=0 now
    for _ in $(seq 40); do # sample VmRSS every 0.1 s for 4 s
      now=$(awk '/VmRSS/ {print $2}' "/proc/$server_pid/status")
      [ "$now" -gt "$peak" ] && peak=$now
      sleep 0.1
    done
    for s in "${senders[@]}"; do wait "$s" || true; done
    hwm=$(awk '/VmHWM/ {print $2}' "/proc/$server_pid/status")
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$server_pid/status")
    stop "$server_pid"
    echo "serve --delay 30000 $extra: senders sent $(awk '{n += $1} END {print n}' "$work"/mem-sender-*.out) datagrams of 8192 bytes"
    echo "  VmHWM=${hwm} kB, VmRSS at end=${rss} kB, peak sampled VmRSS=${peak} kB"
    echo "  server: $(summary_of mem)"
    result "memory[--delay 30000 $extra]" "$(le "$hwm" 409600)" "VmHWM=${hwm}kB limit=409600kB"
  done
}

# ---- 5. Kernel drops: a blast into a 64 KB receive buffer, compared with what the sender put on the wire.
snmp_udp() { in_ns awk '/^Udp: [0-9]/ {print $2, $3, $4, $6}' /proc/net/snmp; } # InDatagrams NoPorts InErrors RcvbufErrors
check_kerneldrops() {
  echo "== 5. kernel drops: blast into --receive-buffer 65536 --json"
  local p=17012 variant
  # SIZE SENDERS [extra serve options]: SENDERS forged sources (ports 45000, 45001, ...) blast at once for 3 s.
  for variant in "64 1" "1024 1" "64 4 --receive-loops 4" "64 1 --engine portable"; do
    set -- $variant
    local size=$1 nsenders=$2 before after sent wire json recv kdrop sockdrops i spids=()
    shift 2
    serve kd $p --receive-buffer 65536 --json "$@"
    before=$(snmp_udp)
    capture kd "udp and dst port $p"
    # The sender forges an unbound source port, so the echoes end in NoPorts and no other socket can overflow: every
    # RcvbufErrors of this namespace is then the server's.
    for i in $(seq 0 $((nsenders - 1))); do
      ip netns exec "$ns" "$forge" 127.0.0.1 $((45000 + i)) 127.0.0.1 $p --size "$size" --seconds 3 >"$work/kd-sender-$i.out" &
      spids+=($!); pids+=($!)
    done
    for i in "${spids[@]}"; do wait "$i"; done
    sleep 0.5
    sockdrops=$(in_ns awk -v port="$(printf ':%04X' $p)" '$2 ~ port"$" {n += $NF} END {print n}' /proc/net/udp)
    stop "$tcpdump_pid"
    after=$(snmp_udp)
    stop "$server_pid"
    sent=$(cat "$work"/kd-sender-*.out | sed 's/sent=\([0-9]*\).*/\1/' | awk '{n += $1} END {print n}')
    rm -f "$work"/kd-sender-*.out
    wire=$(count kd "udp and dst port $p")
    json=$(grep '^{' "$work/kd.out" | tail -1)
    recv=$(echo "$json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["datagramsReceived"])')
    kdrop=$(echo "$json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["droppedByKernel"])')
    echo "size $size, $nsenders sender(s), ${*:-default engine and loops}: sent (successful sendto) $sent; tcpdump saw $wire ($(grep -h 'dropped by kernel' "$work/kd.tcpdump"))"
    echo "  json: $json"
    echo "  /proc/net/snmp Udp InDatagrams NoPorts InErrors RcvbufErrors: before $before, after $after"
    echo "  /proc/net/udp drops column of the server socket(s) before the stop: $sockdrops"
    python3 - "$sent" "$recv" "$kdrop" "$before" "$after" "size=$size,senders=$nsenders${*:+,$*}" <<'PY'
import sys
sent, recv, kdrop = map(int, sys.argv[1:4])
b = list(map(int, sys.argv[4].split())); a = list(map(int, sys.argv[5].split()))
rcvbuf = a[3] - b[3]; indgrams = a[0] - b[0]; noports = a[1] - b[1]
total = recv + kdrop
off = (total - sent) / sent * 100
print("  received %d + droppedByKernel %d = %d vs sent %d: %+.3f%%; RcvbufErrors delta %d (droppedByKernel - it = %d);"
      " InDatagrams delta %d, NoPorts delta %d" % (recv, kdrop, total, sent, off, rcvbuf, kdrop - rcvbuf, indgrams, noports))
ok = abs(off) <= 0.5 and kdrop > 0
print("RESULT kerneldrops[%s] %s offby=%+.3f%% droppedByKernel=%d RcvbufErrorsDelta=%d" % (sys.argv[6], "PASS" if ok else "FAIL", off, kdrop, rcvbuf))
PY
  done
}

# ---- 6. The stop summary's drop reasons add up to the total.
check_summary() {
  echo "== 6. the stop summary adds up"
  local p=17013 line json
  # An echo to 127.9.9.9 is refused by the routing table (prohibit), so that datagram costs a send failure.
  in_ns ip rule add pref 100 lookup local
  in_ns ip rule del pref 0 lookup local
  in_ns ip rule add pref 10 to 127.9.9.9/32 prohibit
  for json in "" --json; do
    serve sum $p --max-size 1000 --rate-limit 5 --delay 2000 --max-queued 4 $json
    in_ns "$forge" 127.9.9.9 40003 127.0.0.1 $p >/dev/null            # send_failed when its delay is up
    in_ns "$forge" 127.0.0.1 19 127.0.0.1 $p >/dev/null               # source_port
    in_ns "$forge" 127.0.0.1 0 127.0.0.1 $p >/dev/null                # source_port
    in_ns "$forge" 127.255.255.255 40000 127.0.0.1 $p >/dev/null      # source_address
    in_ns "$forge" 0.0.0.1 40000 127.0.0.1 $p >/dev/null              # source_address
    in_ns "$forge" 127.0.0.1 $p 127.0.0.1 $p >/dev/null               # loop_guard (self)
    in_ns "$forge" 127.0.0.1 40001 127.0.0.1 $p --size 1500 >/dev/null # too_large
    in_ns "$forge" 127.0.0.1 40002 127.0.0.1 $p --count 20 >/dev/null # rate_limited past 5, queue_full past 4 queued
    sleep 3
    stop "$server_pid"
    if [ -z "$json" ]; then
      line=$(summary_of sum)
      echo "summary: $line"
      python3 - "$line" <<'PY'
import re, sys
line = sys.argv[1]
m = re.search(r"dropped (\d+) \(([^)]*)\)", line)
if not m:
    print("RESULT summary FAIL no 'dropped N (...)' in the line"); sys.exit()
total = int(m.group(1)); parts = re.findall(r"(\d+) ([a-z _-]+)", m.group(2))
s = sum(int(n) for n, _ in parts)
print("  dropped %d; reasons %s sum to %d" % (total, ", ".join("%s=%s" % (r.strip(), n) for n, r in parts), s))
print("RESULT summary %s total=%d sum=%d" % ("PASS" if s == total else "FAIL", total, s))
PY
    else
      line=$(grep '^{' "$work/sum.out" | tail -1)
      echo "json: $line"
      python3 - "$line" <<'PY'
import json, sys
j = json.loads(sys.argv[1])
# As documented on UdpEchoServerStatistics: every dropped* key but droppedByKernel (droppedTooLarge among them), plus
# sendErrors (send failed).
reasons = {k: v for k, v in j.items() if k.startswith("dropped") and k != "droppedByKernel"}
reasons["sendErrors"] = j["sendErrors"]
s = sum(reasons.values())
print("  datagramsDropped %d; %s sum to %d" % (j["datagramsDropped"], ", ".join("%s=%d" % kv for kv in reasons.items() if kv[1]), s))
print("RESULT summary[--json] %s datagramsDropped=%d sum=%d" % ("PASS" if s == j["datagramsDropped"] else "FAIL", j["datagramsDropped"], s))
PY
    fi
  done
  in_ns ip rule del pref 10 to 127.9.9.9/32 prohibit
  in_ns ip rule add pref 0 lookup local
  in_ns ip rule del pref 100 lookup local
}

# ---- Beyond the checklist: --loss with a seed and several receive loops (the shared-Random race of issue 9).
check_lossrace() {
  echo "== lossrace: --loss 0.5 --seed 42 --receive-loops 4, 4 senders blasting for 5 s, then 8 probe sockets"
  local p=17014 s spids=()
  serve loss $p --loss 0.5 --seed 42 --receive-loops 4
  for s in 0 1 2 3; do
    ip netns exec "$ns" "$forge" 127.0.0.1 $((46000 + s)) 127.0.0.1 $p --size 32 --seconds 5 >/dev/null &
    spids+=($!); pids+=($!)
  done
  for s in "${spids[@]}"; do wait "$s"; done
  in_ns python3 - $p <<'PY'
import socket, sys, time
port = int(sys.argv[1]); total = got = 0
for k in range(8):  # eight source ports, so the probes land on every loop
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); c.connect(("127.0.0.1", port)); c.settimeout(0.5)
    n = 0
    for i in range(500):
        c.send(b"probe %d %d" % (k, i)); total += 1
        if i % 50 == 49:
            time.sleep(0.005)
    try:
        while True:
            c.recv(100); n += 1
    except socket.timeout:
        pass
    got += n
    print("  probe socket %d (port %d): %d of 500 echoed" % (k, c.getsockname()[1], n))
ratio = got / total
print("RESULT lossrace %s echoed %d of %d after the blast (%.1f%%, expected about 50%%)" % ("PASS" if 0.4 <= ratio <= 0.6 else "FAIL", got, total, 100 * ratio))
PY
  stop "$server_pid"
  echo "server: $(summary_of loss)"
}

checks=("$@")
[ ${#checks[@]} -gt 0 ] || checks=(selfloop peerloop print memory kerneldrops summary lossrace)
for c in "${checks[@]}"; do "check_$c"; done
