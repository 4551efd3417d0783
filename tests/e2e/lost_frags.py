#!/usr/bin/env python3
"""lost_frags.py: send first fragments of UDP datagrams whose other fragments never come.

    lost_frags.py SRC DST COUNT   (raw socket: needs root; COUNT datagrams, then exit)

The balancer must not keep their mbufs: reassembly times out and frees them.
"""
import socket
import struct
import sys


def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def main():
    src, dst, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    payload = struct.pack('!HHHH', 5999, 5060, 8 + 2400, 0) + b'I' * 1472
    for i in range(count):
        ident = 0x5100 + i
        # more fragments, offset 0: the rest (offset 1480) never follows
        hdr = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), ident, 0x2000, 64,
                          17, 0, socket.inet_aton(src), socket.inet_aton(dst))
        hdr = hdr[:10] + struct.pack('!H', csum(hdr)) + hdr[12:]
        s.sendto(hdr + payload, (dst, 0))
    print(count)


if __name__ == '__main__':
    main()
