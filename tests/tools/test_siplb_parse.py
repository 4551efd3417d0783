#!/usr/bin/env python3
"""test_siplb_parse.py: siplb-parse answers with valid JSON for any file, whatever its bytes.

    test_siplb_parse.py BUILD_DIR   ->  "RESULT siplb_parse: N passed, N failed"
"""
import json
import os
import re
import random
import subprocess
import sys
import tempfile

FIELDS = ['file', 'ok', 'error', 'kind', 'method', 'status', 'call_id', 'cseq', 'via_branch',
          'content_length']


def main():
    exe = os.path.join(sys.argv[1], 'dataplane', 'siplb-parse')
    seeds = os.path.join(os.path.dirname(__file__), '..', 'fuzz', 'seeds')
    passed = failed = 0

    def check(name, cond, detail=''):
        nonlocal passed, failed
        if cond:
            passed += 1
        else:
            failed += 1
            print('FAIL %s %s' % (name, detail))

    with tempfile.TemporaryDirectory() as d:
        rnd = random.Random(3261)
        files = sorted(os.path.join(seeds, f) for f in os.listdir(seeds))
        # every byte value, invalid UTF-8, quotes and backslashes, in names and contents
        for i in range(40):
            p = os.path.join(d, 'junk-%02d-"\\\x01.bin' % i)
            with open(p, 'wb') as f:
                f.write(bytes(rnd.randrange(256) for _ in range(rnd.randrange(0, 3000))))
            files.append(p)
        p = os.path.join(d, 'call-id-bytes.sip')
        with open(p, 'wb') as f:
            f.write(b'OPTIONS sip:a@198.18.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 198.18.0.2;branch=z9hG4bK\xff\r\n'
                    b'Call-ID: "\\\x7f\xc3\xa9\xed\xa0\x80\xf0\x9f\x98\x80\xc0\xaf\r\nCSeq: 1 OPTIONS\r\n'
                    b'From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nContent-Length: 0\r\n\r\n')
        files.append(p)
        big = os.path.join(d, 'too-long.sip')
        with open(big, 'wb') as f:
            f.write(b'A' * 70000)
        files.append(big)

        r = subprocess.run([exe] + files, capture_output=True)
        check('exit status 0 when every file was read', r.returncode == 0, r.returncode)
        lines = r.stdout.split(b'\n')[:-1]
        check('one object per file', len(lines) == len(files), (len(lines), len(files)))
        objs = []
        for line in lines:
            try:
                line.decode('utf-8', errors='strict')
                objs.append(json.loads(line))
            except (ValueError, UnicodeDecodeError) as e:
                check('valid JSON and UTF-8', False, '%r: %s' % (line[:80], e))
        check('every line is valid JSON', len(objs) == len(lines))
        for o, path in zip(objs, files):
            check('fields of %s' % path, all(k in o for k in FIELDS), sorted(o))
            check('file name of %s' % path, o.get('file') == path, o.get('file'))
        # test_sip_torture's seeds end in the error they must give: "-ok.sip", "-binary.sip", ...
        torture = re.compile(r'^(rfc4475|qpair)-.*-([a-z_]+)\.sip$')
        seeds_all = [o for o in objs if o.get('file', '').startswith(seeds)]
        seeds_ok = [o for o in seeds_all if not torture.match(os.path.basename(o['file']))]
        check('seed messages parse', seeds_ok and all(o['ok'] for o in seeds_ok if 'keepalive' not in o['file']),
              [o['file'] for o in seeds_ok if not o['ok'] and 'keepalive' not in o['file']])
        wrong = []
        for o in seeds_all:
            m = torture.match(os.path.basename(o['file']))
            if m and (o['error'] or 'ok') != m.group(2):
                wrong.append((o['file'], o['error']))
        check('torture seeds give the error their name says',
              len(seeds_all) > len(seeds_ok) and not wrong, wrong)
        odd = [o for o in objs if o.get('file') == p]
        check('Call-ID bytes escaped and kept', odd and odd[0]['call_id'] is not None
              and odd[0]['call_id'].startswith('"\\'), odd)
        tl = [o for o in objs if o.get('file') == big]
        check('too long refused', tl and tl[0]['error'] == 'too_long', tl)

        r = subprocess.run([exe, files[0], os.path.join(d, 'missing')], capture_output=True)
        check('exit status 1 when a file cannot be read', r.returncode == 1, r.returncode)
        last = json.loads(r.stdout.split(b'\n')[1])
        check('unreadable file reported', last['ok'] is False and last['error'] == 'read', last)

    print('RESULT siplb_parse: %d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
