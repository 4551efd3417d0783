#!/usr/bin/env python3
"""ctl_wait.py: ask siplb-control (its Unix socket, include/slb_mgmt.h) until a condition holds.

    ctl_wait.py SOCKET running TIMEOUT            the dataplane is attached and running
    ctl_wait.py SOCKET state NAME STATE TIMEOUT   backend NAME is in STATE (up, down, ...)
    ctl_wait.py SOCKET get CMD                    one answer, printed as JSON

Prints the seconds it waited (or the answer) and exits 0, or exits 1 at the timeout. Polls every
50 ms: bounded in time, it stops by itself.
"""
import json
import socket
import sys
import time


def ask(path, req):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(2)
    try:
        s.connect(path)
        s.sendall((json.dumps(req) + '\n').encode())
        buf = b''
        while not buf.endswith(b'\n'):
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
        return json.loads(buf)
    finally:
        s.close()


def holds(path, what):
    try:
        if what[0] == 'running':
            a = ask(path, {'cmd': 'status'})
            return a.get('ok') and a.get('dataplane', {}).get('state') == 'running'
        a = ask(path, {'cmd': 'backends'})
        return any(b.get('name') == what[1] and b.get('state') == what[2]
                   for b in a.get('backends', []))
    except (OSError, ValueError):
        return False


def main():
    path, mode = sys.argv[1], sys.argv[2]
    if mode == 'get':
        print(json.dumps(ask(path, {'cmd': sys.argv[3]})))
        return 0
    what = [mode] + sys.argv[3:-1]
    timeout = float(sys.argv[-1])
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if holds(path, what):
            print('%.2f' % (time.monotonic() - t0))
            return 0
        time.sleep(0.05)
    print('%.2f' % (time.monotonic() - t0))
    return 1


if __name__ == '__main__':
    sys.exit(main())
