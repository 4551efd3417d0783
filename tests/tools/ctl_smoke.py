#!/usr/bin/env python3
"""ctl_smoke.py BUILD_DIR: siplb-control against ctl_fakedp (no DPDK ports, no namespaces).

Starts control before the "dataplane", then checks: it waits and says so; the set it pushes;
a backend that stops answering probes leaves the table (timed); it comes back after rise;
INVITE 503s take one out; drain/add/weight/remove/reload over the socket; a refused reload
names file:line; /metrics carries every counter of slb_stats.h; a control restart keeps the
operator's drain; a dataplane restart gets control's set. Prints "RESULT ctl_smoke: N passed,
N failed"."""
import json, os, re, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.request

build = sys.argv[1] if len(sys.argv) > 1 else "build"
root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
tmp = tempfile.mkdtemp(prefix="ctlsmoke.")
shm = "siplb-smoke-%d" % os.getpid()
sock = os.path.join(tmp, "run", "control.sock")
port = 19400 + os.getpid() % 500
state = os.path.join(tmp, "state")
conf = os.path.join(tmp, "siplb.conf")
INTERVAL, TIMEOUT, FALL, RISE = 200, 150, 2, 2

text = open(os.path.join(root, "dataplane/siplb.conf.sample")).read()
text = text.replace('shm = "siplb";', 'shm = "%s";' % shm)
text = text.replace('socket = "/run/siplb/control.sock";', 'socket = "%s";' % sock)
text = text.replace('metrics = "127.0.0.1:9490";', 'metrics = "127.0.0.1:%d";' % port)
text = text.replace("probe_interval_ms = 1000;", "probe_interval_ms = %d;" % INTERVAL)
text = text.replace("probe_timeout_ms = 800;", "probe_timeout_ms = %d;" % TIMEOUT)
open(conf, "w").write(text)
open(state, "w").write("")

passed = failed = 0
def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
        print("ok   " + what)
    else:
        failed += 1
        print("FAIL " + what)

def ask(req, timeout=8):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(timeout)
    s.connect(sock)
    s.sendall(json.dumps(req).encode() + b"\n")
    data = b""
    while True:
        d = s.recv(65536)
        if not d:
            break
        data += d
    s.close()
    return json.loads(data)

ctl_log = open(os.path.join(tmp, "control.log"), "w+")
dp_out = os.path.join(tmp, "fakedp.out")
def start_control():
    return subprocess.Popen([os.path.join(build, "control/siplb-control"), "-c", conf, "-v"],
                            stderr=ctl_log)
def start_dp(epoch):
    return subprocess.Popen([os.path.join(build, "tests/tools/ctl_fakedp"), shm, "2", state,
                             str(epoch)], stdout=open(dp_out, "a"))
def tables():
    return [l.split() for l in open(dp_out) if l.startswith("table")]
def be_state(tbl, bid):
    for f in tbl[2:]:
        i, st, w = f.split(":")
        if int(i) == bid:
            return int(st)
    return None
def wait_for(cond, secs):
    end = time.time() + secs
    while time.time() < end:
        r = cond()
        if r:
            return r
        time.sleep(0.01)
    return None

ctl = start_control()
dp = None
try:
    time.sleep(0.5)
    ctl_log.flush()
    check(("waiting for siplb-dataplane: /dev/shm/%s absent" % shm) in open(ctl_log.name).read(),
          "control started first waits and says so")
    check(oct(os.stat(sock).st_mode & 0o777) == "0o600", "socket mode 0600")
    check(oct(os.stat(os.path.dirname(sock)).st_mode & 0o777) == "0o700", "socket dir 0700")
    st = ask({"cmd": "status"})
    check(st["ok"] and st["dataplane"]["state"] == "absent", "status: dataplane absent")

    dp = start_dp(1)
    t = wait_for(lambda: tables(), 3)
    check(t and be_state(t[-1], 1) == 0 and be_state(t[-1], 2) == 0, "first set: both up")

    # a dead backend: out of the table within fall probes (+ timeout) of its death
    n = len(tables())
    t0 = time.time()
    open(state, "w").write("dead 2\n")
    t = wait_for(lambda: [x for x in tables()[n:] if be_state(x, 2) == 3], 5)
    dt = time.time() - t0
    check(t is not None, "dead backend 2 -> failed (pinned) in %.2f s" % dt)
    check(dt < (FALL * INTERVAL + TIMEOUT) / 1000.0 + 0.2 + 0.1,
          "within fall x interval + timeout (+ state-file 100 ms, + slack 100 ms)")
    b = {x["id"]: x for x in ask({"cmd": "backends"})["backends"]}
    check(b[2]["state"] == "down" and b[2]["dataplane"] == "failed" and b[2]["probes_failed"] >= FALL,
          "backends: 2 down, dataplane failed")
    check(b[1]["state"] == "up" and b[1]["rtt_ms"] is not None and b[1]["last_status"] == 200,
          "backends: 1 up with an RTT and status 200")
    n = len(tables())
    t0 = time.time()
    open(state, "w").write("")
    t = wait_for(lambda: [x for x in tables()[n:] if be_state(x, 2) == 0], 5)
    check(t is not None, "backend 2 back after rise probes (%.2f s)" % (time.time() - t0))

    # probes the dataplane could not send are not the backend's failures
    b0 = {x["id"]: x for x in ask({"cmd": "backends"})["backends"]}
    open(state, "w").write("nosend 1\n")
    time.sleep(1.0)
    b = {x["id"]: x for x in ask({"cmd": "backends"})["backends"]}
    check(b[1]["state"] == "up" and b[1]["probes_failed"] == b0[1]["probes_failed"],
          "probes refused by the dataplane: not counted, backend stays up")
    open(state, "w").write("")

    # 503s to INVITEs: down; good probes bring it back, the 503s take it out again
    n = len(tables())
    open(state, "w").write("503 1\n")
    t = wait_for(lambda: [x for x in tables()[n:] if be_state(x, 1) == 3], 3)
    check(t is not None, "INVITE 503s in a row: backend 1 out")
    open(state, "w").write("")
    wait_for(lambda: be_state(tables()[-1], 1) == 0, 3)

    # operator changes, each answered once the dataplane runs it
    r = ask({"cmd": "backend", "action": "drain", "id": 1})
    check(r["ok"] and r["table_version"] >= 1 and be_state(tables()[-1], 1) == 1,
          "drain 1: answered with the table version, dataplane drains it")
    r = ask({"cmd": "backend", "action": "add", "id": 3, "address": "198.18.1.12", "name": "b3"})
    check(r["ok"] and be_state(tables()[-1], 3) == 0, "add 3")
    r = ask({"cmd": "backend", "action": "add", "id": 4, "address": "10.9.9.9"})
    check(not r["ok"] and "backend-side" in r["error"], "add off the backend side: refused")
    r = ask({"cmd": "backend", "action": "weight", "name": "b3", "weight": 7})
    check(r["ok"] and tables()[-1][-1].endswith("w7"), "weight by name")
    r = ask({"cmd": "backend", "action": "disable", "id": 3})
    check(r["ok"] and be_state(tables()[-1], 3) == 3, "disable 3 (pinned: failed)")
    r = ask({"cmd": "backend", "action": "remove", "id": 3})
    check(r["ok"] and be_state(tables()[-1], 3) is None, "remove 3")
    r = ask({"cmd": "backend", "action": "remove", "id": 99})
    check(not r["ok"] and "no backend 99" in r["error"], "remove unknown: refused")
    r = ask({"cmd": "nope"})
    check(not r["ok"], "unknown cmd: ok false")

    # reload: a bad file is refused with file:line, the running set stays
    good = open(conf).read()
    open(conf, "w").write(good.replace("fall = 2;", "fall = 0;"))
    r = ask({"cmd": "reload"})
    check(not r["ok"] and re.match(r".*siplb\.conf:\d+: .*fall", r["error"]),
          "bad reload refused: " + r.get("error", ""))
    open(conf, "w").write(good.replace('{ id = 2; name = "b2"; address = "198.18.1.11"; }',
        '{ id = 2; name = "b2"; address = "198.18.1.11"; },\n'
        '\t{ id = 5; name = "b5"; address = "198.18.1.15"; weight = 3; }'))
    r = ask({"cmd": "reload"})
    check(r["ok"] and be_state(tables()[-1], 5) == 0 and be_state(tables()[-1], 1) == 1,
          "reload adds 5, keeps the drain of 1")
    open(conf, "w").write(good)
    os.kill(ctl.pid, signal.SIGHUP)
    t = wait_for(lambda: be_state(tables()[-1], 5) is None, 3)
    check(t, "SIGHUP reload removes 5")

    # a table the dataplane made itself (SIGHUP to it): control gives it its set again
    n = len(tables())
    dp.send_signal(signal.SIGUSR1)
    t = wait_for(lambda: len(tables()) > n and be_state(tables()[-1], 1) == 1, 3)
    check(t, "a foreign table (1 undrained) is replaced by control's set (1 draining)")
    time.sleep(0.3)
    check(len(tables()) == n + 1, "... once, no loop")

    # metrics
    body = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=3).read().decode()
    names = re.findall(r"^\s+SLB_STATS_FIELD\((\w+),", open(os.path.join(root, "include/slb_stats.h")).read(), re.M)
    missing = [x for x in names if not re.search(r"^siplb_%s_total \d+$" % x, body, re.M)]
    check(names and not missing, "metrics: all %d counters (missing %s)" % (len(names), missing))
    check(re.search(r'^siplb_backend_up\{id="1",name="b1"\} 0$', body, re.M) is not None,
          "metrics: drained backend 1 not up")
    check(re.search(r'^siplb_backend_probes_total\{id="2",name="b2",result="failed"\} [1-9]', body, re.M)
          is not None, "metrics: probe failures of 2")
    check(re.search(r'^siplb_drop_total\{reason="short"\} 0$', body, re.M) is not None and
          re.search(r'^siplb_dataplane_up 1$', body, re.M) is not None, "metrics: drops, dataplane_up")
    st = ask({"cmd": "stats"})
    check(st["ok"] and st["counters"]["rx_pkts"] > 0 and len(st["counters"]) == len(names), "stats")

    # control restart: the drain lives in the dataplane's set and comes back; a disable (which
    # the dataplane's states cannot tell from a probe's down) through control's .disabled file
    r = ask({"cmd": "backend", "action": "disable", "id": 2})
    check(r["ok"] and be_state(tables()[-1], 2) == 3, "disable 2 (alive)")
    n = len(tables())
    ctl.send_signal(signal.SIGTERM)
    ctl.wait(5)
    check(not os.path.exists(sock), "control removes its socket on SIGTERM")
    ctl = start_control()
    time.sleep(1.0)
    b = {x["id"]: x for x in ask({"cmd": "backends"})["backends"]}
    check(b[1]["state"] == "draining", "control restart: drain of 1 kept")
    check(b[2]["state"] == "disabled" and b[2]["probes_ok"] >= RISE,
          "control restart: disable of 2 kept, though its probes succeed")
    check(len(tables()) == n, "control restart: no new table needed")
    r = ask({"cmd": "backend", "action": "enable", "id": 2})
    check(r["ok"] and be_state(tables()[-1], 2) == 0, "enable 2")

    # dataplane restart: control attaches again and gives it its set
    dp.send_signal(signal.SIGTERM)
    dp.wait(5)
    time.sleep(0.5)
    check(ask({"cmd": "status"})["dataplane"]["state"] == "absent", "dataplane gone: absent")
    n = len(tables())
    dp = start_dp(2)
    t = wait_for(lambda: len(tables()) > n and be_state(tables()[-1], 1) == 1, 4)
    check(t, "dataplane restart: control's set (1 draining) pushed again")
    st = ask({"cmd": "status"})
    check(st["dataplane"]["state"] == "running" and st["dataplane"]["workers"] == 2, "status running")
    ctl_log.flush()
    check(open(ctl_log.name).read().count("not control's set") == 1,
          "one foreign-table warning, none at a dataplane's start")
finally:
    for p in (ctl, dp):
        if p and p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
    ctl_log.flush()
    if failed:
        print(open(ctl_log.name).read()[-4000:])
    else:
        shutil.rmtree(tmp, ignore_errors=True)
print("RESULT ctl_smoke: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
