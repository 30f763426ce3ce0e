#!/usr/bin/env python3
"""gaps.py: a UDP echo server on loopback that notes the kernel's receive timestamp (SO_TIMESTAMPNS) of every datagram
and, once COUNT datagrams have arrived (or none for 3 s), prints the percentiles of the gaps between consecutive ones:
how evenly a client really paced its sends, seen from the wire rather than from the client's own clock.

    gaps.py PORT COUNT [ADDRESS=127.0.0.1]

Prints "gaps_ms p10=.. p50=.. p90=.. p99=.. min=.. max=.. count=.." and exits 0. It echoes every datagram, so a ping
against it sees its echoes; the echo is sent after the timestamp is noted and does not affect it.
"""
import socket
import struct
import sys

SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)


def main():
    port, count = int(sys.argv[1]), int(sys.argv[2])
    address = sys.argv[3] if len(sys.argv) > 3 else "127.0.0.1"
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    s.bind((address, port))
    print(f"listening on {address}:{port}", file=sys.stderr, flush=True)
    stamps = []
    while len(stamps) < count:
        s.settimeout(None if not stamps else 3)
        try:
            data, ancillary, _, peer = s.recvmsg(65536, socket.CMSG_SPACE(16))
        except socket.timeout:
            break
        for level, kind, value in ancillary:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                seconds, nanoseconds = struct.unpack("qq", value[:16])
                stamps.append(seconds * 1_000_000_000 + nanoseconds)
        s.sendto(data, peer)
    gaps = sorted((b - a) / 1e6 for a, b in zip(stamps, stamps[1:]))
    if not gaps:
        print("gaps_ms count=0")
        return 1

    def rank(p):  # nearest rank, as udpecho defines percentiles
        return gaps[max(1, -(-len(gaps) * p // 100)) - 1]

    print(f"gaps_ms p10={rank(10):.3f} p50={rank(50):.3f} p90={rank(90):.3f} p99={rank(99):.3f} "
          f"min={gaps[0]:.3f} max={gaps[-1]:.3f} count={len(gaps)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
