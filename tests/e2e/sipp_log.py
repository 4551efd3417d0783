#!/usr/bin/env python3
"""sipp_log.py: what each SIPp backend received, from its -trace_msg file, as JSON.

    sipp_log.py NAME=FILE ...   ->  {"NAME": {"<call-id>": ["INVITE", "ACK", "BYE"], ...}, ...}
"""
import json
import re
import sys

HDR = re.compile(r'^(?:Call-ID|i)\s*:\s*(.*?)\s*$', re.I)


def received(path):
    calls = {}
    with open(path, 'r', errors='replace') as f:
        text = f.read()
    # entries start with a dashed line and a timestamp
    for entry in re.split(r'^-{20,} .*$', text, flags=re.M):
        lines = entry.strip('\r\n').splitlines()
        if not lines or 'message received' not in lines[0]:
            continue
        body = [l.rstrip('\r') for l in lines[1:] if l.strip()]
        if not body:
            continue
        first = body[0].split(' ')
        kind = first[1] if first[0] == 'SIP/2.0' else first[0]
        cid = None
        for l in body[1:]:
            m = HDR.match(l)
            if m:
                cid = m.group(1)
                break
        if cid is not None:
            calls.setdefault(cid, []).append(kind)
    return calls


def main():
    out = {}
    for arg in sys.argv[1:]:
        name, path = arg.split('=', 1)
        out[name] = received(path)
    json.dump(out, sys.stdout)


if __name__ == '__main__':
    main()
