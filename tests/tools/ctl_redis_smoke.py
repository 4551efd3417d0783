#!/usr/bin/env python3
"""ctl_redis_smoke.py BUILD_DIR: siplb-control with Redis, against ctl_fakedp and a redis-server
this test starts on a loopback port of its own (own directory, killed by its PID at the end).

Checks: a LOADING dataplane gets Redis's dialogs (pins, then REQ_LOADED) while control's
heartbeat is fresh; dialog events become keys with TTLs, ends delete them; siplbctl dialog and
dialogs, /metrics; another instance's published events pinned and unpinned, a malformed one
refused; Redis stopped: events wait, the link says down; Redis back empty: every dialog of ours
written again; a dataplane restart loads them; a control restart pins them into the running
dataplane. Prints "RESULT ctl_redis_smoke: N passed, N failed"."""
import json, os, re, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.request

build = sys.argv[1] if len(sys.argv) > 1 else "build"
root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
tmp = tempfile.mkdtemp(prefix="ctlredis.")
shm = "siplb-rsmoke-%d" % os.getpid()
sock = os.path.join(tmp, "run", "control.sock")
state = os.path.join(tmp, "state")
conf = os.path.join(tmp, "siplb.conf")


def free_port(base):
    for p in range(base, base + 300):
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", p))
            return p
        except OSError:
            pass
        finally:
            s.close()
    raise RuntimeError("no free port")


rport = free_port(27000 + os.getpid() % 500 * 2)
mport = free_port(19900 + os.getpid() % 97)

text = open(os.path.join(root, "dataplane/siplb.conf.sample")).read()
text = text.replace('shm = "siplb";', 'shm = "%s";' % shm)
text = text.replace('socket = "/run/siplb/control.sock";', 'socket = "%s";' % sock)
text = text.replace('metrics = "127.0.0.1:9490";', 'metrics = "127.0.0.1:%d";' % mport)
text = re.sub(r"(redis: \{\s*\n\s*)enabled = false;", r"\1enabled = true;", text)
text = text.replace('address = "127.0.0.1:6379";', 'address = "127.0.0.1:%d";' % rport)
text = text.replace('instance = "";', 'instance = "lb1";')
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


def wait_for(cond, secs):
    end = time.time() + secs
    while time.time() < end:
        r = cond()
        if r:
            return r
        time.sleep(0.02)
    return None


def rcli(*args, stdin=None):
    r = subprocess.run(["redis-cli", "-p", str(rport)] + list(args), input=stdin,
                       capture_output=True, text=True, timeout=10)
    return r.stdout.strip()


def dbsize():
    try:
        return int(rcli("DBSIZE") or -1)
    except ValueError:
        return -1


def start_redis():
    d = os.path.join(tmp, "redis")
    os.makedirs(d, exist_ok=True)
    p = subprocess.Popen(["redis-server", "--port", str(rport), "--bind", "127.0.0.1", "--dir", d,
                          "--save", "", "--appendonly", "no", "--logfile",
                          os.path.join(d, "redis.log")], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    wait_for(lambda: rcli("PING") == "PONG", 5)
    return p


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


def siplbctl(*args):
    r = subprocess.run([os.path.join(build, "control/siplbctl"), "-s", sock] + list(args),
                       capture_output=True, text=True, timeout=10)
    return r.returncode, r.stdout


ctl_log = open(os.path.join(tmp, "control.log"), "w+")
dp_out = os.path.join(tmp, "fakedp.out")


def start_control():
    return subprocess.Popen([os.path.join(build, "control/siplb-control"), "-c", conf, "-v"],
                            stderr=ctl_log)


def start_dp(epoch, loading=True):
    args = [os.path.join(build, "tests/tools/ctl_fakedp"), shm, "2", state, str(epoch)]
    if loading:
        args.append("loading")
    return subprocess.Popen(args, stdout=open(dp_out, "a"))


def dp_lines(prefix):
    return [l.split() for l in open(dp_out) if l.startswith(prefix + " ")]


def control_log():
    ctl_log.flush()
    return open(ctl_log.name).read()


red = ctl = dp = None
try:
    red = start_redis()
    check(rcli("PING") == "PONG", "redis-server on 127.0.0.1:%d" % rport)
    # 300 dialogs in Redis before anything starts: two of three ours (lb1), one another's
    seed = "".join('SET "siplb:dlg:seed-%d@x" "%d %s %s" EX 7000\n' %
                   (k, k % 5, "confirmed" if k % 2 else "early", "lb2" if k % 3 == 0 else "lb1")
                   for k in range(300))
    rcli(stdin=seed)
    check(dbsize() == 300, "seeded 300 dialog keys")

    ctl = start_control()
    dp = start_dp(1)
    t0 = time.time()
    ld = wait_for(lambda: dp_lines("loaded"), 8)
    check(ld and ld[-1][1:3] == ["300", "0"] and ld[-1][4] == "300",
          "LOADING dataplane: 300 pinned, then REQ_LOADED 300 (%.2f s): %s" %
          (time.time() - t0, ld and " ".join(ld[-1])))
    check(ld and int(ld[-1][6]) < 500, "control's heartbeat fresh in the header while loading")
    check(wait_for(lambda: "started with 300 dialogs pinned" in control_log(), 3),
          "control logs the dataplane's EVT_LOADED")
    st = ask({"cmd": "status"})
    check(st["dataplane"]["state"] == "running", "status: running after the load")

    # our dataplane's dialogs into Redis: 200 calls, confirmed, then 50 ended
    open(state, "w").write("calls 200\n")
    check(wait_for(lambda: dbsize() == 500, 5), "200 calls: 200 more keys")
    val = rcli("GET", "siplb:dlg:fake-7@fakedp.example")
    ttl = int(rcli("TTL", "siplb:dlg:fake-7@fakedp.example") or -9)
    check(val == "2 confirmed lb1" and 7200 < ttl <= 7210,
          "a confirmed call's key: '%s', TTL %d (confirmed_timeout + sweep)" % (val, ttl))
    open(state, "w").write("calls 200\nended 50\n")
    check(wait_for(lambda: dbsize() == 450, 5), "50 ended: their keys deleted")

    rc, out = siplbctl("dialog", "fake-100@fakedp.example", "--json")
    a = json.loads(out) if rc == 0 else {}
    check(a.get("local", {}).get("backend") == 1 and a["local"]["state"] == "confirmed" and
          a.get("redis", {}).get("instance") == "lb1" and a["redis"]["ttl_s"] > 7000,
          "siplbctl dialog: pinned locally and in Redis: %s" % out.strip().replace("\n", " "))
    rc, out = siplbctl("dialog", "seed-3@x")
    check(rc == 0 and "backend 3" in out and "owned by lb2" in out,
          "siplbctl dialog of another's, loaded: %s" % out.strip().replace("\n", " | "))
    rc, out = siplbctl("dialog", "fake-10@fakedp.example", "--json")
    a = json.loads(out) if rc == 0 else {}
    check(a.get("local", 0) is None and a.get("redis", 0) is None, "an ended call: in neither")

    d = ask({"cmd": "dialogs"})
    r = d.get("redis", {})
    check(r.get("state") == "up" and r.get("written") == 450 and r.get("lost") == 0 and
          r.get("buffered") == 0, "dialogs: link up, 450 written, none lost")
    check(d["mirror"]["own"] == 350 and d["mirror"]["other"] == 100,
          "dialogs: mirror 350 ours, 100 another's (%s)" % d["mirror"])
    check(r["load"]["dialogs"] == 300 and r["load"]["dataplane_pinned"] == 300,
          "dialogs: last load 300, dataplane pinned 300")
    rc, out = siplbctl("dialogs")
    check(rc == 0 and re.search(r"^redis +up, master 127\.0\.0\.1:%d" % rport, out, re.M),
          "siplbctl dialogs shows the link")
    body = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % mport, timeout=3).read().decode()
    time.sleep(1.1)  # the next sample
    body = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % mport, timeout=3).read().decode()
    check(re.search(r"^siplb_redis_up 1$", body, re.M) and
          re.search(r"^siplb_redis_events_written_total 450$", body, re.M) and
          re.search(r"^siplb_redis_loaded_dialogs 300$", body, re.M) and
          re.search(r'^siplb_redis_mirror_dialogs\{state="confirmed",owner="other"\} \d+$', body,
                    re.M), "metrics: siplb_redis_*")

    # another instance publishes: pinned, then unpinned; junk refused
    n0 = int(dp_lines("dlg")[-1][1])
    rcli("PUBLISH", "siplb:events", "lb2\nc 3 early remote-1@x\n")
    check(wait_for(lambda: int(dp_lines("dlg")[-1][1]) == n0 + 1, 3), "another's event pinned")
    rc, out = siplbctl("dialog", "remote-1@x", "--json")
    a = json.loads(out) if rc == 0 else {}
    check(a.get("local", {}).get("backend") == 3 and a["local"]["state"] == "early",
          "siplbctl dialog: another's dialog pinned here")
    u0 = int(dp_lines("dlg")[-1][2])
    rcli("PUBLISH", "siplb:events", "lb2\ne 3 early remote-1@x\n")
    check(wait_for(lambda: int(dp_lines("dlg")[-1][2]) == u0 + 1, 3), "another's end unpinned")
    rcli("PUBLISH", "siplb:events", "lb2\nx junk\n")
    rcli("PUBLISH", "siplb:events", "no newline at all")
    check(wait_for(lambda: ask({"cmd": "dialogs"})["redis"]["remote_bad"] >= 2, 3),
          "malformed messages and lines refused, counted")

    # Redis away: events wait, nothing on the call path; back empty: our state again
    red.send_signal(signal.SIGTERM)
    red.wait(5)
    open(state, "w").write("calls 260\nended 50\n")
    r = wait_for(lambda: (lambda x: x if x["state"] == "down" and x["buffered"] > 0 else None)(
        ask({"cmd": "dialogs"})["redis"]), 5)
    check(r is not None, "Redis stopped: link down, %s events buffered" % (r and r["buffered"]))
    rc, out = siplbctl("dialog", "fake-101@fakedp.example")
    check(rc == 0 and "unknown: Redis is down" in out and "local      backend 2" in out,
          "siplbctl dialog with Redis down: local answer, Redis unknown: %s" %
          out.strip().replace("\n", " | "))
    red = start_redis()
    own = 200 + 210
    check(wait_for(lambda: dbsize() == own, 8),
          "Redis back empty: all %d of our dialogs written again (DBSIZE %d)" % (own, dbsize()))
    check(wait_for(lambda: re.search(r"back at 127\.0\.0\.1:%d after [0-9.]+ s, wrote %d dialogs"
                                     % (rport, own), control_log()), 3),
          "control logs 'back after N s, wrote %d dialogs'" % own)
    r = ask({"cmd": "dialogs"})["redis"]
    check(r["lost"] == 0 and r["resyncs"] >= 1, "nothing lost, a resync counted")

    # the dataplane restarts: loaded from Redis
    dp.send_signal(signal.SIGTERM)
    dp.wait(5)
    n = len(dp_lines("loaded"))
    dp = start_dp(2)
    ld = wait_for(lambda: dp_lines("loaded")[n:], 8)
    check(ld and ld[-1][1] == str(own) and ld[-1][4] == str(own),
          "restarted dataplane loaded %s" % (ld and " ".join(ld[-1])))

    # control restarts: the running dataplane gets Redis's dialogs as pins (a live one wins)
    p0 = int(dp_lines("dlg")[-1][1])
    ctl.send_signal(signal.SIGTERM)
    ctl.wait(5)
    ctl = start_control()
    check(wait_for(lambda: int(dp_lines("dlg")[-1][1]) >= p0 + own, 8),
          "control restarted: %d pins into the running dataplane" % own)
    check(len(dp_lines("loaded")) == n + 1, "... and no REQ_LOADED to a running one")
finally:
    for p in (ctl, dp, red):
        if p and p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
    ctl_log.flush()
    if failed:
        print(open(ctl_log.name).read()[-5000:])
        print("files kept in " + tmp)
    else:
        shutil.rmtree(tmp, ignore_errors=True)
print("RESULT ctl_redis_smoke: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
