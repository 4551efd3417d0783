#!/usr/bin/env python3
"""test_cli.py: every program's command-line conventions: -h/--help print the usage on stdout
and exit 0, --version prints "NAME VERSION" (meson's project() version), an unknown option
prints the usage on stderr and exits 2. None of it needs root, hugepages or a running process:
siplb-dataplane answers before EAL (nothing on stderr), siplb-control and siplbctl before any
socket.

    test_cli.py BUILD_DIR   ->  "RESULT cli: N passed, N failed"
"""
import json
import os
import subprocess
import sys

# (name, path under the build directory); the test tools are built only where librte_ring is
PROGRAMS = [
    ('siplb-dataplane', 'dataplane/siplb-dataplane'),
    ('siplb-parse', 'dataplane/siplb-parse'),
    ('siplb-control', 'control/siplb-control'),
    ('siplbctl', 'control/siplbctl'),
    ('bench_pipeline', 'bench/bench_pipeline'),
    ('bench_dialog', 'bench/bench_dialog'),
    ('bench_redis', 'bench/bench_redis'),
    ('siplb-gen', 'bench/siplb-gen'),
    ('ctl_fakedp', 'tests/tools/ctl_fakedp'),
    ('ctl_pin', 'tests/tools/ctl_pin'),
]
OPTIONAL = {'ctl_fakedp', 'ctl_pin'}


def main():
    build = sys.argv[1]
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
    with open(os.path.join(build, 'meson-info', 'intro-projectinfo.json')) as f:
        version = json.load(f)['version']
    passed = failed = 0

    def check(name, cond, detail=''):
        nonlocal passed, failed
        if cond:
            passed += 1
        else:
            failed += 1
            print('FAIL %s %s' % (name, detail))

    def run(exe, *args):
        # a closed stdin and a bound: a program that waited for input or a socket would fail
        return subprocess.run([exe] + list(args), capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=10)

    for name, rel in PROGRAMS:
        exe = os.path.join(build, rel)
        if not os.access(exe, os.X_OK):
            check('%s is built' % name, name in OPTIONAL, exe)
            continue
        for opt in ('-h', '--help'):
            r = run(exe, opt)
            what = '%s %s' % (name, opt)
            check(what + ': exit 0', r.returncode == 0, r.returncode)
            check(what + ': usage on stdout', r.stdout.startswith('usage: '), r.stdout[:80])
            check(what + ': names --version', '--version' in r.stdout, r.stdout)
            check(what + ': nothing on stderr', r.stderr == '', r.stderr[:200])
        r = run(exe, '--version')
        check(name + ' --version: exit 0', r.returncode == 0, r.returncode)
        check(name + ' --version: "%s %s"' % (name, version),
              r.stdout == '%s %s\n' % (name, version), repr(r.stdout))
        check(name + ' --version: nothing on stderr', r.stderr == '', r.stderr[:200])
        for opt in ('--no-such-option', '-Z'):
            r = run(exe, opt)
            what = '%s %s' % (name, opt)
            check(what + ': exit 2', r.returncode == 2, r.returncode)
            check(what + ': nothing on stdout', r.stdout == '', r.stdout[:80])
            check(what + ': usage on stderr', 'usage: ' in r.stderr, r.stderr[:200])
            # siplbctl says '-Z', getopt "invalid option -- 'Z'"
            check(what + ': the option named',
                  opt in r.stderr or "'%s'" % opt.lstrip('-') in r.stderr, r.stderr[:200])

    # after "--" the options are EAL's: -t checks the file and never reads them
    exe = os.path.join(build, 'dataplane/siplb-dataplane')
    conf = os.path.join(src, 'dataplane', 'siplb.conf.sample')
    if os.access(exe, os.X_OK):
        r = run(exe, '-c', conf, '-t', '--', '--version', '-h')
        check('siplb-dataplane -c sample -t -- --version -h: exit 0', r.returncode == 0,
              (r.returncode, r.stderr[:200]))
        check('siplb-dataplane -- --version -h: EAL\'s, the check runs', ': OK: ' in r.stdout,
              r.stdout[:200])
        r = run(exe, '-t')
        check('siplb-dataplane without -c: exit 2, usage on stderr',
              r.returncode == 2 and r.stderr.startswith('usage: '), (r.returncode, r.stderr))
    # a FILE beginning with '-' goes after "--"
    exe = os.path.join(build, 'dataplane/siplb-parse')
    if os.access(exe, os.X_OK):
        r = run(exe, '--', '-no-such-file')
        check('siplb-parse -- -FILE: a file, unreadable: exit 1', r.returncode == 1, r.returncode)
        check('siplb-parse -- -FILE: its JSON', r.stdout.startswith('{"file":"-no-such-file"'),
              r.stdout[:80])

    print('RESULT cli: %d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
