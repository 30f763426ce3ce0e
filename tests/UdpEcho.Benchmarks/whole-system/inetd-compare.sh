#!/usr/bin/env bash
# inetd-compare.sh: what Debian's xinetd and openbsd-inetd really do with forged echo (port 7, dgram) requests, for
# docs/security.md's "Compared with xinetd and OpenBSD inetd". Each probe is one datagram forged from a raw socket
# (forge.py) to the daemon's built-in UDP echo, from sources 127.0.0.1, 127.255.255.255 and 0.0.0.1 with source ports
# 0, 7, 19, 53, 123, 1023, 2049 and 40000 (a control), and from ::1 with 0, 7, 19, 53, 123, 1023, 2049 and 40000.
# For each it records, from strace on the daemon and tcpdump on lo: whether the daemon read it, whether it tried to
# echo it (sendto, and the kernel's answer) and whether an echo reached the wire.
#   tests/UdpEcho.Benchmarks/whole-system/inetd-compare.sh xinetd|openbsd-inetd
# Needs root, the daemon's Debian package (xinetd and openbsd-inetd conflict: install one, run, swap), strace,
# tcpdump, python3, iproute2. Everything runs in a network namespace of its own with only `lo` up, so no echo (to
# 0.0.0.1, say) can leave the machine; the daemon is started there with a configuration in a temporary directory
# (/etc is not touched) and stopped with SIGTERM on exit, and the namespace deleted.
set -euo pipefail
daemon=${1:?usage: inetd-compare.sh xinetd|openbsd-inetd}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
ns=inetd-cmp-$$
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  ip netns del "$ns" 2>/dev/null || true
  [ -n "${KEEP:-}" ] && echo "kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
[ "$(id -u)" = 0 ] || { echo "inetd-compare.sh: needs root" >&2; exit 2; }
ip netns add "$ns"
ip -n "$ns" link set lo up
in_ns() { ip netns exec "$ns" "$@"; }
listening7() { in_ns grep -qs ':0007 ' "$1"; }

v4_sources="127.0.0.1 127.255.255.255 0.0.0.1"
ports="0 7 19 53 123 1023 2049 40000"

# start_daemon FAMILY: starts the daemon in the namespace serving echo dgram on port 7 (FAMILY 4, 6 or both).
start_daemon() {
  local family=$1
  case $daemon in
    xinetd)
      # Debian's /etc/xinetd.d/echo "echo-dgram" stanza, with disable = no (plus flags = IPv6 for the IPv6 run).
      {
        echo "defaults"; echo "{"; echo "}"
        echo "service echo"; echo "{"
        echo "  disable = no"; echo "  type = INTERNAL"; echo "  id = echo-dgram"; echo "  socket_type = dgram"
        echo "  protocol = udp"; echo "  user = root"; echo "  wait = yes"
        [ "$family" = 6 ] && echo "  flags = IPv6"
        echo "}"
      } >"$work/xinetd.conf"
      ip netns exec "$ns" xinetd -dontfork -f "$work/xinetd.conf" -filelog "$work/xinetd.log" -pidfile "$work/xinetd.pid" \
        >"$work/daemon.out" 2>&1 &
      ;;
    openbsd-inetd)
      {
        echo "echo dgram udp wait root internal"
        echo "echo dgram udp6 wait root internal"
      } >"$work/inetd.conf"
      ip netns exec "$ns" /usr/sbin/inetd -i "$work/inetd.conf" >"$work/daemon.out" 2>&1 &
      ;;
    *) echo "inetd-compare.sh: unknown daemon $daemon" >&2; exit 2 ;;
  esac
  daemon_pid=$!
  pids+=("$daemon_pid")
  local table=/proc/net/udp
  [ "$family" = 6 ] && table=/proc/net/udp6
  for _ in $(seq 100); do listening7 "$table" && break; sleep 0.05; done
  echo "daemon listening:"; in_ns ss -uanp | grep ':7 ' || { cat "$work/daemon.out"; exit 1; }
  [ "${2:-}" = untraced ] && return
  strace -f -tt -s 80 -e trace=recvfrom,recvmsg,sendto,sendmsg -o "$work/strace.log" -p "$daemon_pid" 2>"$work/strace.err" &
  strace_pid=$!; pids+=("$strace_pid")
  ip netns exec "$ns" tcpdump -i lo -n -U -w "$work/wire.pcap" "udp" 2>"$work/tcpdump.err" &
  tcpdump_pid=$!; pids+=("$tcpdump_pid")
  for _ in $(seq 100); do grep -q "listening on" "$work/tcpdump.err" 2>/dev/null && break; sleep 0.05; done
  sleep 1 # strace attached
}
stop_all() {
  sleep 1
  for p in "$tcpdump_pid" "$strace_pid" "$daemon_pid"; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
}
# selfloop FAMILY SRC: one datagram forged from the daemon's own endpoint (SRC:7 -> SRC:7), without strace; counts the
# datagrams to port 7 on the wire over 1.5 s, as security-check.sh does for udpecho serve.
selfloop() {
  start_daemon "$1" untraced
  ip netns exec "$ns" tcpdump -i lo -n -s 64 -U -w "$work/self.pcap" "udp and dst port 7" 2>"$work/self.err" &
  tcpdump_pid=$!; pids+=("$tcpdump_pid")
  for _ in $(seq 100); do grep -q "listening on" "$work/self.err" 2>/dev/null && break; sleep 0.05; done
  in_ns "$here/forge.py" "$2" 7 "$2" 7 --payload "self" >/dev/null
  sleep 1.5
  for p in "$tcpdump_pid" "$daemon_pid"; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  echo "self-loop $2:7 -> $2:7: $(tcpdump -r "$work/self.pcap" -n 2>/dev/null | wc -l) datagrams to port 7 in 1.5 s (1 forged; tcpdump: $(grep -h 'dropped by kernel' "$work/self.err"))"
}
probe() { # probe SRC SPORT DST: one datagram whose payload names the probe
  in_ns "$here/forge.py" "$1" "$2" "$3" 7 --payload "probe $1 $2" >/dev/null
  sleep 0.2
}
# verdicts LABEL: one line per probe sent, from strace.log and wire.pcap.
verdicts() {
  tcpdump -r "$work/wire.pcap" -n -A 'udp and src port 7' 2>/dev/null >"$work/wire.txt" || true
  python3 - "$work/strace.log" "$work/wire.txt" "$work/probes" "$1" <<'PY'
import re, sys
strace = open(sys.argv[1]).read().splitlines()
wire = open(sys.argv[2], errors="replace").read()
for line in open(sys.argv[3]):
    src, port = line.split()
    tag = "probe %s %s" % (src, port)
    recv = any(tag in l and ("recvfrom" in l or "recvmsg" in l) for l in strace)
    sends = [l for l in strace if tag in l and ("sendto" in l or "sendmsg" in l)]
    result = re.search(r"= (-?\d+)(.*)$", sends[0]).group(0) if sends else ""
    # Datagrams from port 7 carrying the tag: the echoes, plus the probe itself when it was forged from port 7.
    on_wire = wire.count(tag) - (1 if port == "7" else 0)
    if not recv:
        verdict = "never read by the daemon"
    elif not sends:
        verdict = "DROPPED by the daemon (no send)"
    elif on_wire > 0:
        verdict = "ECHOED (%d on the wire, %d sends)" % (on_wire, len(sends))
    else:
        verdict = "ECHO ATTEMPTED, refused by the kernel (%s)" % result.strip()
    print("%-10s %-16s %-6s %s" % (sys.argv[4], src, port, verdict))
PY
}

echo "== $daemon: $(dpkg-query -W -f '${Package} ${Version}' "$daemon" 2>/dev/null || echo 'not installed')"
case $daemon in
  xinetd)
    start_daemon 4
    : >"$work/probes"
    for s in $v4_sources; do for p in $ports; do probe "$s" "$p" 127.0.0.1; echo "$s $p" >>"$work/probes"; done; done
    stop_all
    verdicts IPv4
    echo "xinetd log:"; sed 's/^/  /' "$work/xinetd.log" 2>/dev/null | grep -v "^  *$" | tail -40 || true
    start_daemon 6
    : >"$work/probes"
    for p in $ports; do probe ::1 "$p" ::1; echo "::1 $p" >>"$work/probes"; done
    stop_all
    verdicts IPv6
    selfloop 4 127.0.0.1
    selfloop 6 ::1
    ;;
  openbsd-inetd)
    start_daemon both
    : >"$work/probes"
    for s in $v4_sources; do for p in $ports; do probe "$s" "$p" 127.0.0.1; echo "$s $p" >>"$work/probes"; done; done
    for p in $ports; do probe ::1 "$p" ::1; echo "::1 $p" >>"$work/probes"; done
    stop_all
    verdicts "IPv4/IPv6"
    selfloop both 127.0.0.1
    selfloop both ::1
    ;;
esac
