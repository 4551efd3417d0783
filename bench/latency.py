#!/usr/bin/env python3
"""latency.py: the time a SIP balancer holds each message, from kernel timestamps on its two links.

    latency.py capture OUT NS:IFACE:OURIP NS:IFACE:OURIP
        One AF_PACKET socket per link, each opened in its network namespace (setns), with a
        TPACKET_V3 ring: the kernel stamps a frame as it is handed to the link (a sender's
        transmit) or taken from it (netif_rx), not when we read it. Every IPv4/UDP frame is
        kept until SIGTERM or SIGINT, then written to OUT (pickle). OURIP is the
        balancer's address on that link: a datagram to it enters the balancer, one from it
        leaves.
    latency.py report OUT LABEL NAME0 NAME1
        Pairs each message entering on one link with the same message leaving on the other
        (Call-ID, CSeq, first line and direction; the k-th copy in with the k-th copy out, for
        retransmissions) and prints a line for all of them (LABEL), then one per direction
        (NAME0 and NAME1 name the links in the capture's order): messages in, paired, p50, p99,
        p99.9 and max in microseconds.
"""
import ctypes
import mmap
import os
import pickle
import select
import signal
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
CLONE_NEWNET = 0x40000000
SO_TIMESTAMPNS = 35
SOL_PACKET = 263
PACKET_RX_RING = 5
PACKET_VERSION = 10
PACKET_STATISTICS = 6
TPACKET_V3 = 2
TP_STATUS_USER = 1
TP_STATUS_TS_SOFTWARE = 1 << 29
BLOCK = 1 << 20  # a TPACKET_V3 ring of 64 blocks of 1 MiB per link
BLOCKS = 64


class Link:
    """An AF_PACKET socket with a TPACKET_V3 receive ring, opened inside namespace ns: the
    kernel writes frames and their timestamps into the ring and we read it without a system
    call per frame, so the capture takes little of the CPU the balancer's peers share."""

    def __init__(self, spec):
        ns, iface, ip = spec.split(':')
        libc = ctypes.CDLL('libc.so.6', use_errno=True)
        fd = os.open('/var/run/netns/' + ns, os.O_RDONLY)
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), 'setns ' + ns)
        os.close(fd)
        self.ours = socket.inet_aton(ip)
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        # stamps set as the frame is handed over (netif_rx, a transmit's taps), not as read
        s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        s.setsockopt(SOL_PACKET, PACKET_VERSION, TPACKET_V3)
        s.setsockopt(SOL_PACKET, PACKET_RX_RING,
                     struct.pack('7I', BLOCK, BLOCKS, 2048, BLOCK * BLOCKS // 2048, 10, 0, 0))
        self.ring = mmap.mmap(s.fileno(), BLOCK * BLOCKS)
        s.bind((iface, ETH_P_ALL))
        self.sock = s
        self.next = 0
        self.not_sw = 0  # frames stamped at read time, not as handed over (should stay 0)

    def drain(self, i, frames):
        """Take every block the kernel has handed over; frames get (ns, i, frame)."""
        r = self.ring
        while True:
            b = self.next * BLOCK
            status, num, off = struct.unpack_from('III', r, b + 8)
            if not status & TP_STATUS_USER:
                return
            for _ in range(num):
                nxt, sec, nsec, snap, _, st, mac = struct.unpack_from('IIIIIIH', r, b + off)
                # Ethernet + IPv4 + UDP: the rest is ARP
                if r[b + off + mac + 12:b + off + mac + 14] == b'\x08\x00' and \
                        r[b + off + mac + 23] == 17:
                    frames.append((sec * 1000000000 + nsec, i,
                                   r[b + off + mac:b + off + mac + snap]))
                    if not st & TP_STATUS_TS_SOFTWARE:
                        self.not_sw += 1
                off += nxt
            struct.pack_into('I', r, b + 8, 0)  # back to the kernel
            self.next = (self.next + 1) % BLOCKS

    def drops(self):
        return struct.unpack('II', self.sock.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8))[1]


def capture(out, specs):
    links = [Link(sp) for sp in specs]
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    signal.signal(signal.SIGINT, lambda *a: stop.append(1))
    frames = []  # (ns timestamp, link index, frame)
    poll = select.poll()
    for ln in links:
        poll.register(ln.sock, select.POLLIN | select.POLLERR)
    print('capture: ready', flush=True)
    while not stop:
        try:
            poll.poll(100)
        except InterruptedError:
            pass
        for i, ln in enumerate(links):
            ln.drain(i, frames)
    time.sleep(0.05)  # a block the kernel retires on its 10 ms timeout
    for i, ln in enumerate(links):
        ln.drain(i, frames)
    drops = [ln.drops() for ln in links]
    with open(out, 'wb') as f:
        pickle.dump({'ours': [ln.ours for ln in links], 'frames': frames, 'drops': drops}, f)
    print('capture: %d frames, ring drops %s, stamped late %s' % (
        len(frames), drops, [ln.not_sw for ln in links]), flush=True)


def header(msg, name):
    """The value of the first header `name` (lower case, with its colon) in the header section."""
    low = msg.lower()
    at = low.find(b'\n' + name)
    if at < 0:
        return None
    end = msg.find(b'\n', at + 1)
    return msg[at + 1 + len(name):end].strip()


def key_of(frame):
    """(Call-ID, CSeq, first line) of a whole datagram, or None (fragments, not SIP)."""
    ihl = (frame[14] & 0x0f) * 4
    if struct.unpack('!H', frame[20:22])[0] & 0x3fff:
        return None  # a fragment: none in this test
    sip = frame[14 + ihl + 8:]
    head = sip.split(b'\r\n\r\n', 1)[0]
    first = head.split(b'\r\n', 1)[0]
    cid = header(head, b'call-id:')
    cseq = header(head, b'cseq:')
    if cid is None or cseq is None:
        return None
    return (cid, cseq, first)


def quantile(sorted_v, q):
    return sorted_v[min(len(sorted_v) - 1, int(q * len(sorted_v)))]


def row(label, lat, n_in, extra=''):
    if not lat:
        print('%-40s %8d %8d  (nothing paired)' % (label, n_in, 0))
        return
    lat.sort()
    print('%-40s %8d %8d %8.1f %8.1f %8.1f %9.1f%s' % (
        label, n_in, len(lat), quantile(lat, 0.5), quantile(lat, 0.99), quantile(lat, 0.999),
        lat[-1], extra))


def report(out, label, names):
    """One row for every message, then one per direction: names[i] is link i's side."""
    d = pickle.load(open(out, 'rb'))
    ours = d['ours']
    ins, outs = {}, {}
    for ts, i, frame in sorted(d['frames'], key=lambda f: f[0]):
        src, dst = frame[26:30], frame[30:34]
        k = key_of(frame)
        if k is None:
            continue
        if dst == ours[i]:
            ins.setdefault((k, i), []).append(ts)      # entered on link i ...
        elif src == ours[i]:
            outs.setdefault((k, 1 - i), []).append(ts)  # ... left on the other link
    lat, n_in = [[], []], [0, 0]
    for (k, i), t_in in ins.items():
        n_in[i] += len(t_in)
        for a, b in zip(t_in, outs.get((k, i), [])):
            lat[i].append((b - a) / 1000.0)
    row(label, lat[0] + lat[1], n_in[0] + n_in[1],
        '   (ring drops %s)' % '/'.join(str(x) for x in d['drops']))
    for i in (0, 1):
        row('  %s to %s' % (names[i], names[1 - i]), lat[i], n_in[i])


def main():
    if len(sys.argv) == 5 and sys.argv[1] == 'capture':
        capture(sys.argv[2], sys.argv[3:])
    elif len(sys.argv) == 6 and sys.argv[1] == 'report':
        report(sys.argv[2], sys.argv[3], sys.argv[4:])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)


if __name__ == '__main__':
    main()
