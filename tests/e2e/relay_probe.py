#!/usr/bin/env python3
"""relay_probe.py: try to use the balancer as an open relay or a reflector, and watch for it.

    relay_probe.py listen SECONDS READY-FILE [--answer] ADDR:PORT...
        bind a UDP socket on each ADDR:PORT, create READY-FILE, collect until SIGTERM or for
        SECONDS at most, then print JSON {"ADDR:PORT": ["<Call-ID> <first line>", ...], ...}.
        --answer: answer each request 200 to where it came from, as a backend would (its Vias,
        From, To, Call-ID and CSeq copied).
    relay_probe.py send [--bind SRC:PORT | --spoof SRC:PORT] [--replies SECONDS] DST:PORT PROBE...
        send each PROBE to the balancer at DST:PORT, one datagram each, and print one line per
        probe: "<Call-ID> <first line>". --bind sends from that local address and port,
        --spoof from a raw socket with that (non-local) source address and port. --replies:
        then wait up to SECONDS for one datagram per probe and print "reply <Call-ID> <first
        line>" for each that came.

A PROBE (hosts are IPv4 literals, TARGET is where a relay would be seen):
    request:TARGET          MESSAGE whose Request-URI names TARGET
    route:TARGET            INVITE to a harmless Request-URI, with Route: <sip:TARGET;lr>
    response:VIA:TARGET     a 200 whose top Via is VIA with a branch in the balancer's form
                            (z9hG4bK-slb- + 16 hex digits) and whose second Via names TARGET
                            with a branch without the RFC 3261 cookie
    bare:VIA:TARGET         the same, second Via without any branch
    lie:TARGET              MESSAGE to a harmless Request-URI whose Via says, falsely, that the
                            sender was seen at TARGET (received=, rport=): its response must go
                            back to the real source
Each probe has its own Call-ID (relay-<pid>-<n>-<kind>@probe), so a listener's report says
which probe reached it.
"""
import json
import os
import select
import signal
import socket
import struct
import sys
import time

FAKE_BRANCH = 'z9hG4bK-slb-0123456789abcdef'


def hostport(s):
    host, port = s.rsplit(':', 1)
    return host, int(port)


def summary(data):
    text = data.decode('utf-8', 'replace')
    lines = text.split('\r\n')
    cid = '-'
    for line in lines[1:]:
        name, _, value = line.partition(':')
        if name.strip().lower() in ('call-id', 'i'):
            cid = value.strip()
            break
    return '%s %s' % (cid, lines[0])


def answer(data):
    """A 200 to a request, with the headers a UAS copies (RFC 3261 §8.2.6.2); None for a
    response."""
    lines = data.decode('utf-8', 'replace').split('\r\n')
    if lines[0].startswith('SIP/2.0 '):
        return None
    keep = ('via', 'v', 'from', 'f', 'to', 't', 'call-id', 'i', 'cseq')
    hdrs = [l for l in lines[1:] if l.split(':', 1)[0].strip().lower() in keep]
    return ('SIP/2.0 200 OK\r\n' + '\r\n'.join(hdrs) + '\r\nContent-Length: 0\r\n\r\n').encode()


def listen(seconds, ready_file, addrs):
    respond = addrs[0] == '--answer'
    if respond:
        addrs = addrs[1:]
    socks = {}
    for a in addrs:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(hostport(a))
        socks[s] = a
    got = {a: [] for a in addrs}
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    open(ready_file, 'w').close()
    deadline = time.monotonic() + seconds
    while not stop:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            ready, _, _ = select.select(list(socks), [], [], min(left, 0.1))
        except InterruptedError:
            continue
        for s in ready:
            data, peer = s.recvfrom(65535)
            got[socks[s]].append(summary(data))
            reply = answer(data) if respond else None
            if reply:
                s.sendto(reply, peer)
    json.dump(got, sys.stdout)
    print()


def message(kind, n, src, dst, arg):
    """The SIP text of probe n; src is the (host, port) it claims to come from."""
    cid = 'relay-%d-%d-%s@probe' % (os.getpid(), n, kind)
    via = 'Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK-probe-%d-%d\r\n' % (src[0], src[1],
                                                                    os.getpid(), n)
    tail = ('From: <sip:probe@%s>;tag=p%d\r\nTo: <sip:victim@example.invalid>\r\n'
            'Call-ID: %s\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n') % (src[0], n, cid)
    if kind == 'request':
        return ('MESSAGE sip:victim@%s SIP/2.0\r\n' % arg[0] + via +
                'CSeq: 1 MESSAGE\r\n' + tail)
    if kind == 'route':
        return ('INVITE sip:victim@%s:%d SIP/2.0\r\n' % dst + via +
                'Route: <sip:%s;lr>\r\nContact: <sip:probe@%s:%d>\r\n' % (arg[0], src[0], src[1]) +
                'CSeq: 1 INVITE\r\n' + tail)
    if kind == 'lie':
        lie = 'Via: SIP/2.0/UDP %s:%d;rport=%s;received=%s;branch=z9hG4bK-probe-%d-%d\r\n' % (
            src[0], src[1], arg[0].split(':')[1], arg[0].split(':')[0], os.getpid(), n)
        return ('MESSAGE sip:victim@%s:%d SIP/2.0\r\n' % dst + lie +
                'CSeq: 1 MESSAGE\r\n' + tail)
    if kind in ('response', 'bare'):
        top, target = arg
        second = 'Via: SIP/2.0/UDP %s' % target
        if kind == 'response':
            second += ';branch=1234'
        return ('SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP %s;branch=%s\r\n' % (top, FAKE_BRANCH) +
                second + '\r\nCSeq: 1 MESSAGE\r\n' + tail)
    raise SystemExit('unknown probe kind %r' % kind)


def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def spoofed(src, dst, payload):
    """An IPv4/UDP datagram from src to dst, both (host, port), checksums filled."""
    saddr, daddr = socket.inet_aton(src[0]), socket.inet_aton(dst[0])
    ulen = 8 + len(payload)
    pseudo = saddr + daddr + struct.pack('!BBH', 0, 17, ulen)
    udp = struct.pack('!HHHH', src[1], dst[1], ulen, 0) + payload
    c = csum(pseudo + udp) or 0xffff
    udp = udp[:6] + struct.pack('!H', c) + udp[8:]
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + ulen, 0x5a5a, 0, 64, 17, 0, saddr, daddr)
    ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
    return ip + udp


def send(args):
    bind = spoof = None
    replies = 0.0
    while args and args[0] in ('--bind', '--spoof', '--replies'):
        if args[0] == '--bind':
            bind = hostport(args[1])
        elif args[0] == '--spoof':
            spoof = hostport(args[1])
        else:
            replies = min(float(args[1]), 10.0)
        args = args[2:]
    dst = hostport(args[0])
    if spoof:
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        src = spoof
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(bind or ('0.0.0.0', 0))
        s.connect(dst)
        src = s.getsockname()
    for n, probe in enumerate(args[1:]):
        kind, *rest = probe.split(':')
        # rest holds host, port pairs: the target (and for responses the top Via first)
        arg = [':'.join(rest[i:i + 2]) for i in range(0, len(rest), 2)]
        data = message(kind, n, src, dst, arg).encode()
        if spoof:
            s.sendto(spoofed(src, dst, data), (dst[0], 0))
        else:
            s.send(data)
        print(summary(data))
        time.sleep(0.02)
    deadline = time.monotonic() + replies
    waiting = len(args) - 1 if replies and not spoof else 0
    while waiting > 0 and time.monotonic() < deadline:
        if select.select([s], [], [], max(deadline - time.monotonic(), 0))[0]:
            try:
                print('reply', summary(s.recv(65535)))
                waiting -= 1
            except ConnectionRefusedError:
                pass


def main():
    if len(sys.argv) >= 5 and sys.argv[1] == 'listen':
        listen(min(float(sys.argv[2]), 30.0), sys.argv[3], sys.argv[4:])
    elif len(sys.argv) >= 4 and sys.argv[1] == 'send':
        send(sys.argv[2:])
    else:
        raise SystemExit(__doc__)


if __name__ == '__main__':
    main()
