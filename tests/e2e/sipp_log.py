#!/usr/bin/env python3
"""sipp_log.py: what each SIPp backend received, from its -trace_msg file, as JSON.

    sipp_log.py [--times] NAME=FILE ...
        ->  {"NAME": {"<call-id>": ["INVITE", "ACK", "BYE"], ...}, ...}
    with --times each message is ["INVITE", <seconds since the epoch, as SIPp logged it>].

A message without a Call-ID is listed under "(no call-id)": nothing of the kind should reach a
backend, and the checks built on this output see it as a call of its own.
"""
import json
import re
import sys
from datetime import datetime

HDR = re.compile(r'^(?:Call-ID|i)\s*:\s*(.*?)\s*$', re.I)
# entries start with a dashed line and a timestamp
ENTRY = re.compile(r'^-{20,} (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?)\s*$', re.M)
NO_CALL_ID = '(no call-id)'


def received(path, times=False):
    calls = {}
    with open(path, 'r', errors='replace') as f:
        text = f.read()
    parts = ENTRY.split(text)
    # parts: [before the first entry, stamp, entry, stamp, entry, ...]
    for stamp, entry in zip(parts[1::2], parts[2::2]):
        lines = entry.strip('\r\n').splitlines()
        if not lines or 'message received' not in lines[0]:
            continue
        body = [l.rstrip('\r') for l in lines[1:] if l.strip()]
        if not body:
            continue
        first = body[0].split(' ')
        kind = first[1] if first[0] == 'SIP/2.0' and len(first) > 1 else first[0]
        cid = NO_CALL_ID
        for l in body[1:]:
            m = HDR.match(l)
            if m:
                cid = m.group(1)
                break
        if times:
            t = datetime.strptime(stamp, '%Y-%m-%d %H:%M:%S.%f' if '.' in stamp else
                                  '%Y-%m-%d %H:%M:%S').timestamp()
            calls.setdefault(cid, []).append([kind, t])
        else:
            calls.setdefault(cid, []).append(kind)
    return calls


def main():
    args = sys.argv[1:]
    times = bool(args) and args[0] == '--times'
    out = {}
    for arg in args[1:] if times else args:
        name, path = arg.split('=', 1)
        out[name] = received(path, times)
    json.dump(out, sys.stdout)


if __name__ == '__main__':
    main()
