#!/usr/bin/env python3
# forge.py: sends UDP datagrams with a forged source address and port from a raw socket, for the security checks
# (security-check.sh, inetd-compare.sh). Needs root (CAP_NET_RAW). Refuses any destination outside 127.0.0.0/8 and
# ::1, so forged traffic stays on loopback (run it inside a network namespace for isolation).
#   forge.py SRC SPORT DST DPORT [--payload TEXT] [--hex HEX] [--count N] [--size BYTES] [--seconds S]
# --payload takes Python escapes (\n, \x1b). With --seconds it sends as fast as it can for S seconds (open loop) and
# prints how many sendto calls succeeded; otherwise it sends --count datagrams (default 1).
import argparse, ipaddress, socket, struct, sys, time


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF or 0xFFFF


def udp(src, sport, dst, dport, payload):
    length = 8 + len(payload)
    if src.version == 4:
        pseudo = src.packed + dst.packed + struct.pack("!BBH", 0, socket.IPPROTO_UDP, length)
    else:
        pseudo = src.packed + dst.packed + struct.pack("!I3xB", length, socket.IPPROTO_UDP)
    header = struct.pack("!HHHH", sport, dport, length, 0)
    c = checksum(pseudo + header + payload)
    return struct.pack("!HHHH", sport, dport, length, c) + payload


def main():
    p = argparse.ArgumentParser()
    p.add_argument("src"); p.add_argument("sport", type=int); p.add_argument("dst"); p.add_argument("dport", type=int)
    p.add_argument("--payload", default="forged")
    p.add_argument("--hex")
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--size", type=int)
    p.add_argument("--seconds", type=float)
    a = p.parse_args()
    src, dst = ipaddress.ip_address(a.src), ipaddress.ip_address(a.dst)
    if not dst.is_loopback:
        sys.exit("forge.py: destination %s is not loopback; refusing" % dst)
    if src.version != dst.version:
        sys.exit("forge.py: source and destination families differ")
    if a.hex is not None:
        payload = bytes.fromhex(a.hex)
    elif a.size is not None:
        payload = bytes((i * 31 + 7) & 0xFF for i in range(a.size))
    else:
        payload = a.payload.encode("utf-8").decode("unicode_escape").encode("latin-1")
    segment = udp(src, a.sport, dst, a.dport, payload)
    if src.version == 4:
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)  # IP_HDRINCL implied
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(segment), 0, 0x4000, 64, socket.IPPROTO_UDP, 0,
                         src.packed, dst.packed)
        ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
        packet, target = ip + segment, (str(dst), 0)
    else:
        # The kernel writes the IPv6 header; the source is chosen by binding the raw socket to it.
        s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_UDP)
        s.bind((str(src), 0))
        packet, target = segment, (str(dst), 0)
    sent = failed = 0
    if a.seconds is not None:
        end = time.monotonic() + a.seconds
        while True:
            for _ in range(256):
                try:
                    s.sendto(packet, target); sent += 1
                except OSError:
                    failed += 1
            if time.monotonic() >= end:
                break
    else:
        for _ in range(a.count):
            try:
                s.sendto(packet, target); sent += 1
            except OSError as e:
                failed += 1
                print("forge.py: sendto: %s" % e, file=sys.stderr)
    print("sent=%d failed=%d" % (sent, failed))


main()
