#!/usr/bin/env python3
"""garbage.py: send bounded junk at a SIP port: non-SIP UDP, truncated SIP, random bytes.

    garbage.py HOST PORT COUNT   (COUNT datagrams of each of the three kinds, then exit)
"""
import os
import random
import socket
import sys
import time


def main():
    host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rnd = random.Random(4475)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    invite = (b'INVITE sip:bob@' + host.encode() + b' SIP/2.0\r\n'
              b'Via: SIP/2.0/UDP 198.18.1.2:5999;branch=z9hG4bKjunk\r\n'
              b'Max-Forwards: 70\r\nFrom: <sip:a@198.18.1.2>;tag=1\r\n'
              b'To: <sip:bob@198.18.1.1>\r\nCall-ID: junk@198.18.1.2\r\n'
              b'CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n')
    sent = 0
    deadline = time.time() + 30
    for i in range(count):
        if time.time() > deadline:
            break
        s.sendto(b'GET / HTTP/1.1\r\nHost: x\r\n\r\n', (host, port))            # not SIP
        s.sendto(invite[:rnd.randrange(20, len(invite) - 4)], (host, port))   # truncated SIP
        s.sendto(os.urandom(rnd.randrange(1, 600)), (host, port))             # random bytes
        sent += 3
        time.sleep(0.01)  # spread over about two seconds: alongside the calls, not before
    print(sent)


if __name__ == '__main__':
    main()
