#!/usr/bin/env python3
"""failover_calls.py: which calls a proxy's failure cost, from the caller SIPp's per-call log.

    failover_calls.py run LOG --fail EPOCH --proxy IP [--detected S] [--label K=V ...]
        one run: prints a JSON object (the labels, then the figures below)
    failover_calls.py table RESULT.json ...
        the runs as a table, one row per (balancer, failure): medians when there are several
    failover_calls.py line RESULT.json
        one run in a sentence
    failover_calls.py logtime LOG TEXT AFTER
        the time (epoch) of the first line of LOG holding TEXT and stamped at or after AFTER:
        stamped by siplb-control (an ISO UTC time first) or by dispatcher.cfg (an epoch last);
        exits 1 when there is none

LOG is SIPp's -log_file written by bench/failover_uac.xml: "S <call-id> ... <epoch>" when a call
starts (its first INVITE), "A <call-id> <backend> ... <epoch>" at the 200 to the INVITE (the
backend from its Contact), "E <call-id> ... <epoch>" when the 200 to the BYE ends it. Epochs are
SIPp's gettimeofday, the clock `date +%s.%N` reads: EPOCH is the failure, taken by the script the
moment the proxy's SIPp was killed or its traffic dropped.

A call with no E line failed. It is classified by when it started against the failure:
    failed_in_progress    started before the failure (its INVITE may have reached the proxy)
    failed_after_failure  started at or after it: the balancer chose the failed proxy, or failed
                          it otherwise, for a call that did not exist yet when the proxy died
and, within each, by how far it got: "unanswered" (no 200 to the INVITE: the INVITE and its
retransmissions found no live proxy), or answered by a backend (the failed proxy or another; then
the ACK or the BYE was lost).
A call started after the failure whose 200 came RETRANS_S (0.45 s) or more after its first INVITE
needed a retransmission: its first INVITE went to the failed proxy and a retransmission reached a
live one ("rescued"). The latest start among those and the unanswered ones is last_new_s, seconds
after the failure: when the balancer stopped sending new calls to the failed proxy.
"""
import argparse
import json
import statistics
import sys
from datetime import datetime, timezone

RETRANS_S = 0.45  # SIPp retransmits an unanswered INVITE after 500 ms


def parse_log(path):
    calls = {}
    with open(path, errors='replace') as f:
        for line in f:
            p = line.split()
            if len(p) < 3 or p[0] not in ('S', 'A', 'E'):
                continue
            try:
                t = float(p[-1])
            except ValueError:
                continue
            c = calls.setdefault(p[1], {})
            if p[0] == 'S':
                c['start'] = t
            elif p[0] == 'A':
                # the first 200 counts: a retransmitted 200 is answered by the same backend
                c.setdefault('answer', t)
                c.setdefault('backend', p[2])
            else:
                c['end'] = t
    return calls


def analyse(calls, t_fail, proxy):
    r = {'calls': 0, 'completed': 0, 'failed': 0,
         'failed_after_failure': 0, 'failed_in_progress': 0,
         'after_unanswered': 0, 'after_answered_failed_proxy': 0, 'after_answered_other': 0,
         'in_progress_unanswered': 0, 'in_progress_failed_proxy': 0, 'in_progress_other': 0,
         'rescued': 0, 'rescued_max_s': None, 'last_new_s': None, 'first_failed_after_s': None,
         'last_failed_after_s': None, 'started_after': 0}
    to_failed = []
    failed_after = []
    delays = []
    for c in calls.values():
        if 'start' not in c:
            continue
        r['calls'] += 1
        after = c['start'] >= t_fail
        r['started_after'] += after
        rel = c['start'] - t_fail
        if 'end' in c:
            r['completed'] += 1
            if after and 'answer' in c and c['answer'] - c['start'] >= RETRANS_S:
                r['rescued'] += 1
                to_failed.append(rel)
                delays.append(c['answer'] - c['start'])
            continue
        r['failed'] += 1
        if 'answer' not in c:
            how = 'unanswered'
        elif c['backend'] == proxy:
            how = 'failed_proxy'
        else:
            how = 'other'
        if after:
            r['failed_after_failure'] += 1
            r['after_' + ('answered_' + how if how != 'unanswered' else how)] += 1
            failed_after.append(rel)
            if how == 'unanswered':
                to_failed.append(rel)
        else:
            r['failed_in_progress'] += 1
            r['in_progress_' + how] += 1
    if to_failed:
        r['last_new_s'] = round(max(to_failed), 3)
    if delays:
        r['rescued_max_s'] = round(max(delays), 3)
    if failed_after:
        r['first_failed_after_s'] = round(min(failed_after), 3)
        r['last_failed_after_s'] = round(max(failed_after), 3)
    return r


def line_time(line):
    """A log line's time: siplb-control's leading 2026-01-02T03:04:05.678Z, or a trailing epoch."""
    p = line.split()
    if not p:
        return None
    if p[0].endswith('Z') and 'T' in p[0]:
        try:
            return datetime.strptime(p[0], '%Y-%m-%dT%H:%M:%S.%fZ').replace(
                tzinfo=timezone.utc).timestamp()
        except ValueError:
            return None
    try:
        return float(p[-1])
    except ValueError:
        return None


def cmd_logtime(a):
    with open(a.log, errors='replace') as f:
        for line in f:
            if a.text not in line:
                continue
            t = line_time(line)
            # siplb-control stamps milliseconds: a line of the failure's own millisecond counts
            if t is not None and t >= a.after - 0.001:
                print('%.6f' % t)
                return 0
    return 1


def cmd_run(a):
    labels = dict(kv.split('=', 1) for kv in a.label)
    r = dict(labels)
    r['fail_epoch'] = a.fail
    r['detected_s'] = None if a.detected in (None, '', '-') else float(a.detected)
    r.update(analyse(parse_log(a.log), a.fail, a.proxy))
    json.dump(r, sys.stdout)
    print()
    return 0


def cmd_line(a):
    with open(a.result) as f:
        r = json.load(f)

    def s(v):
        return '-' if v is None else str(v)

    print('  %s %s: detected %s s; %d calls, %d failed (SIPp counted %s); %d started after the'
          ' failure (%d unanswered, %d answered then lost; from %s to %s s); %d in progress'
          ' (%d answered by proxy2, %d by another, %d unanswered); %d rescued by a'
          ' retransmission (answered up to %s s late); last new call to proxy2 at %s s' % (
              r['balancer'], r['failure'], s(r['detected_s']), r['calls'], r['failed'],
              r.get('sipp_failed', '?'), r['failed_after_failure'], r['after_unanswered'],
              r['after_answered_failed_proxy'] + r['after_answered_other'],
              s(r['first_failed_after_s']), s(r['last_failed_after_s']), r['failed_in_progress'],
              r['in_progress_failed_proxy'], r['in_progress_other'],
              r['in_progress_unanswered'], r['rescued'], s(r.get('rescued_max_s')),
              s(r['last_new_s'])))
    return 0


COLS = [('balancer', 's'), ('failure', 's'), ('detected_s', 'f'), ('last_new_s', 'f'),
        ('calls', 'i'), ('failed_after_failure', 'i'), ('failed_in_progress', 'i'),
        ('rescued', 'i')]


def fmt(vals, kind):
    vals = [v for v in vals if v is not None]
    if not vals:
        return '-'
    m = statistics.median(vals)
    s = ('%.2f' % m) if kind == 'f' else ('%g' % m)
    if len(vals) > 1:
        s += ' (%s)' % ','.join(('%.2f' % v) if kind == 'f' else str(v) for v in vals)
    return s


def cmd_table(a):
    rows = {}
    order = []
    for path in a.results:
        with open(path) as f:
            r = json.load(f)
        k = (r.get('balancer', '?'), r.get('failure', '?'))
        if k not in rows:
            rows[k] = []
            order.append(k)
        rows[k].append(r)
    lines = [[name for name, _ in COLS]]
    for k in order:
        runs = rows[k]
        lines.append([str(runs[0].get(name, '?')) if kind == 's' else
                      fmt([x.get(name) for x in runs], kind) for name, kind in COLS])
    width = [max(len(l[c]) for l in lines) for c in range(len(COLS))]
    for l in lines:
        # names left, figures right
        print('  '.join(l[c].ljust(width[c]) if COLS[c][1] == 's' else l[c].rjust(width[c])
                        for c in range(len(COLS))))
    if any(len(v) > 1 for v in rows.values()):
        print('(medians over the runs; each run in parentheses)')
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    r = sub.add_parser('run')
    r.add_argument('log')
    r.add_argument('--fail', type=float, required=True, help='the failure, seconds since the epoch')
    r.add_argument('--proxy', required=True, help='the failed proxy\'s address')
    r.add_argument('--detected', help='seconds from the failure to the balancer marking it down')
    r.add_argument('--label', action='append', default=[], help='K=V copied into the result')
    t = sub.add_parser('table')
    t.add_argument('results', nargs='+')
    n = sub.add_parser('line')
    n.add_argument('result')
    g = sub.add_parser('logtime')
    g.add_argument('log')
    g.add_argument('text')
    g.add_argument('after', type=float)
    a = ap.parse_args()
    return {'run': cmd_run, 'table': cmd_table, 'line': cmd_line, 'logtime': cmd_logtime}[a.cmd](a)


if __name__ == '__main__':
    sys.exit(main())
