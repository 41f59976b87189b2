"""Functions' host calls at the edge (issue 20, docs/edge.md "Host calls at
the edge"): tests/guests/hostapi_gojinn.wasm, on Gojinn's host module,
and hostapi_ifrit.wasm, on ifrit's, run in workerd from a bundle `ifrit
edge config` made, against the KV Durable Object and fetch():

- a counter exact over many requests, one after the other and from
  several clients at once under a lock, and still there after workerd
  restarts (the Durable Object's files under the bundle's kv/);
- a lock: taken, held, released, not held; its TTL frees it;
- namespaces: two functions apart, two sharing a kv_namespace together;
- the 1 MiB cap: a value of exactly 1 MiB kept, one byte more refused;
- an outbound call to a local upstream (allow_host 127.0.0.1), and one
  the block does not grant, or allow_host does not name (denied, logged,
  never reaching the upstream);
- http_timeout ends a call to an upstream that never answers (TIMEOUT);
  `allow_host *` does not open loopback, link-local or private
  addresses (BLOCKED, nothing sent);
- a guest waiting on an outbound call is suspended: while the upstream
  holds its answer, a `respond` route and another function answer;
- a bad pointer traps (500, logged), as natively;
- ifrit's module: a value with a TTL read, then gone once it expires, one
  without kept; kv_delete; lock BUSY then unlock NOT_FOUND; http_request
  POST and PUT with a header and a body (status, response fields and body
  through http_status/http_headers/http_body, sizes asked first); a body
  over http_max_response (RESPONSE_TOO_LARGE); http_body with nothing held
  (NO_RESPONSE);
- a native-only grant or option (db, enqueue, cron, db_driver) is refused
  by `ifrit edge config` with a sentence naming it.

Prints PASS/FAIL lines.

Usage: tests/edge/hostapi.py --binary build/release/ifrit"""
import argparse
import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path[:0] = [HERE, os.path.join(ROOT, "tests", "e2e")]

from ifrit_e2e import Conn  # noqa: E402
from workerd import Workerd  # noqa: E402

GUEST = os.path.join(ROOT, "build", "guests", "hostapi_gojinn.wasm")
IFRIT_GUEST = os.path.join(ROOT, "build", "guests", "hostapi_ifrit.wasm")
WAIT = 20   # seconds any one wait may take at most

KV = "\t\tpermissions {\n\t\t\tkv_read\n\t\t\tkv_write\n\t\t\tmutex\n\t\t}\n"
HTTP = "\t\tpermissions {\n\t\t\thttp_get\n\t\t}\n\t\tallow_host 127.0.0.1\n"

def report(name, ok, why=""):
    print("PASS edge/hostapi/%s" % name if ok else "FAIL edge/hostapi/%s: %s" % (name, why), flush=True)


def block(path, module, body):
    return "\twasm %s ./%s {\n%s\t}\n" % (path, module, body)


def ask(port, target, body=b""):
    c = Conn(port)
    try:
        c.send(b"POST %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s"
               % (target.encode(), len(body), body))
        return c.read_response()
    finally:
        c.close()


class HeldUpstream:
    """A local upstream: /hello answers "hello up"; /held answers only once
    released is set, /never only once the upstream closes (each bounded by
    WAIT). Keeps the paths it saw."""

    def __init__(self):
        self.released = threading.Event()
        self.closing = threading.Event()
        self.arrived = threading.Event()
        self.paths = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path.startswith("/big/"):
                    return self.do_POST()
                outer.paths.append(self.path)
                if self.path == "/held":
                    outer.arrived.set()
                    outer.released.wait(WAIT)
                if self.path == "/never":
                    outer.closing.wait(WAIT)
                body = b"hello up"
                try:
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:   # /never: the caller gave up long ago
                    pass

            def do_POST(self):
                outer.paths.append(self.path)
                n = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(n) if n else b""
                if self.path.startswith("/big/"):
                    body = b"b" * int(self.path[5:])
                    self.send_response(200)
                else:
                    body = b"%s %s test=%s" % (self.command.encode(), data, (self.headers.get("X-Test") or "").encode())
                    self.send_response(201)
                    self.send_header("X-Upstream", "yes")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_PUT = do_POST

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.released.set()
        self.closing.set()
        self.server.shutdown()
        self.server.server_close()


def caddyfile(up):
    return (":8080 {\n"
            + block("/a", "a.wasm", KV)
            + block("/b", "b.wasm", KV)
            + block("/s1", "a.wasm", KV + "\t\tkv_namespace shared\n")
            + block("/s2", "b.wasm", KV + "\t\tkv_namespace shared\n")
            + block("/h", "a.wasm", HTTP)
            + block("/nohttp", "a.wasm", KV)
            + block("/otherhost", "a.wasm", "\t\tpermissions {\n\t\t\thttp_get\n\t\t}\n\t\tallow_host example.com\n")
            + block("/slowi", "i.wasm", "\t\tpermissions {\n\t\t\thttp_get\n\t\t}\n\t\tallow_host 127.0.0.1\n"
                    "\t\thttp_timeout 300ms\n")
            + block("/anyi", "i.wasm", "\t\tpermissions {\n\t\t\thttp_get\n\t\t}\n\t\tallow_host *\n")
            + block("/i", "i.wasm", KV + "\t\tpermissions {\n\t\t\thttp\n\t\t}\n\t\tallow_host 127.0.0.1\n"
                    "\t\thttp_max_response 1024\n")
            + "\trespond /alive \"alive\"\n"
            + "}\n")


def check_counter(port):
    last = None
    for _ in range(40):
        last = ask(port, "/a", b"incr n")
        if last.status != 200:
            break
    report("a counter over 40 requests in a row", last.status == 200 and last.body == b"40",
           "last answer %d %r" % (last.status, last.body))
    errors = []

    def client():
        for _ in range(10):
            r = ask(port, "/a", b"lincr m")
            if r.status != 200:
                errors.append("%d %r" % (r.status, r.body))
    threads = [threading.Thread(target=client) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT * 3)
    final = ask(port, "/a", b"get m")
    report("a counter under a lock from 4 clients at once is exact",
           not errors and final.body == b"40", "errors %r, final %r" % (errors[:3], final.body))


def check_locks(port):
    got = [ask(port, "/a", b).body for b in (b"lock l 0", b"lock l 0", b"unlock l", b"unlock l", b"lock t 1")]
    report("a lock is taken, held, released, then not held", got[:4] == [b"1", b"0", b"1", b"0"], repr(got))
    time.sleep(1.2)   # past the 1 s TTL of "t": a wait, not a threshold
    again = ask(port, "/a", b"lock t 1").body
    report("a lock's TTL frees it", got[4] == b"1" and again == b"1", "first %r, after its TTL %r" % (got[4], again))


def check_namespaces(port):
    ask(port, "/a", b"set k from-a")
    ask(port, "/s1", b"set k shared")
    got = (ask(port, "/b", b"get k").body, ask(port, "/a", b"get k").body, ask(port, "/s2", b"get k").body)
    report("functions keep apart, kv_namespace shares", got == (b"absent", b"from-a", b"shared"), repr(got))


def check_cap(port):
    exact = ask(port, "/a", b"setbig big %d" % (1 << 20))
    cut = ask(port, "/a", b"getcut big 10").body
    over = ask(port, "/a", b"setbig over %d" % ((1 << 20) + 1))
    absent = ask(port, "/a", b"get over").body
    report("a value of 1 MiB is kept, 1 MiB + 1 refused",
           exact.status == 200 and cut == b"10:xxxxxxxxxx" and absent == b"absent",
           "1 MiB: %d, read %r; over: %d, read %r" % (exact.status, cut, over.status, absent))


def check_outbound(port, up, wd):
    r = ask(port, "/h", b"fetch http://127.0.0.1:%d/hello" % up.port)
    report("host_http_get reaches a local upstream allow_host names", r.body == b"8:hello up",
           "%d %r" % (r.status, r.body))
    before = len(up.paths)
    denied = ask(port, "/nohttp", b"fetch http://127.0.0.1:%d/hello" % up.port).body
    other = ask(port, "/otherhost", b"fetch http://127.0.0.1:%d/hello" % up.port).body
    log = wd.read_log()
    report("an outbound call not granted, or to a host allow_host does not name, is denied and logged",
           denied == b"0:" and other == b"0:" and len(up.paths) == before
           and "host_http_get denied: the function's permissions do not grant http_get" in log
           and "host_http_get denied: allow_host does not name 127.0.0.1" in log,
           "answers %r %r, upstream saw %d more" % (denied, other, len(up.paths) - before))


def check_suspended(port, up):
    slow = {}

    def call():
        slow["r"] = ask(port, "/h", b"fetch http://127.0.0.1:%d/held" % up.port)
    t = threading.Thread(target=call)
    t.start()
    arrived = up.arrived.wait(WAIT)
    alive = ask(port, "/alive")
    other = ask(port, "/b", b"get k")
    still_waiting = t.is_alive()
    up.released.set()
    t.join(WAIT)
    report("a guest waiting on its outbound call does not hold the isolate",
           arrived and alive.body == b"alive" and other.body == b"absent" and still_waiting
           and slow.get("r") is not None and slow["r"].body == b"8:hello up",
           "upstream reached %s, /alive %r, /b %r, the slow call still waiting then %s, its answer %r"
           % (arrived, alive.body, other.body, still_waiting, slow.get("r") and slow["r"].body))


def check_trap(port, wd):
    r = ask(port, "/a", b"badptr")
    report("a bad pointer traps: 500 and a log line", r.status == 500
           and "host_kv_get: the buffer (4096 bytes at 4294967040) is outside the guest's memory" in wd.read_log(),
           "%d" % r.status)


def check_ifrit(port, up):
    u = "http://127.0.0.1:%d" % up.port
    got = [ask(port, "/i", b).body for b in (b"set t 300 soon gone", b"set keep 0 stays", b"get t", b"get keep")]
    report("ifrit's kv_set with and without a TTL, kv_get asking the size first",
           got == [b"0", b"0", b"0 9 soon gone", b"0 5 stays"], repr(got))
    gone, deadline = b"", time.monotonic() + WAIT
    while time.monotonic() < deadline:   # bounded: the TTL is 300 ms
        gone = ask(port, "/i", b"get t").body
        if gone == b"1":
            break
        time.sleep(0.1)
    report("a value's TTL: NOT_FOUND once it expired, the other kept",
           gone == b"1" and ask(port, "/i", b"get keep").body == b"0 5 stays", "after the TTL %r" % gone)
    got = [ask(port, "/i", b).body for b in (b"del keep", b"del keep", b"lock q 0", b"lock q 0", b"unlock q", b"unlock q")]
    report("kv_delete, lock BUSY, unlock NOT_FOUND", got == [b"0", b"1", b"0", b"9", b"0", b"1"], repr(got))
    post = ask(port, "/i", b"req POST %s/echo payload" % u.encode()).body
    put = ask(port, "/i", b"req PUT %s/echo" % u.encode()).body
    report("http_request: method, header and body out; status, fields and body back",
           post == b"0 status=201 headers=0/4 body=0/28 X-Upstream=yes POST payload test=from-guest"
           and put == b"0 status=201 headers=0/4 body=0/20 X-Upstream=yes PUT  test=from-guest", "%r / %r" % (post, put))
    ok = ask(port, "/i", b"req GET %s/big/1024" % u.encode()).body
    over = ask(port, "/i", b"req GET %s/big/1025" % u.encode()).body
    nores = ask(port, "/i", b"nores").body
    report("http_max_response: 1024 bytes kept, 1025 RESPONSE_TOO_LARGE; NO_RESPONSE with nothing held",
           ok.endswith(b"body=0/1024 " + b"b" * 1024) and over == b"11" and nores == b"12 0",
           "%r / %r / %r" % (ok[:60], over, nores))


def check_outbound_limits(port, up, wd):
    u = "http://127.0.0.1:%d" % up.port
    r = ask(port, "/slowi", b"req GET %s/never" % u.encode())
    report("http_timeout ends a call the upstream never answers: TIMEOUT, logged",
           r.status == 200 and r.body == b"8" and "TIMEOUT" in wd.read_log(), "%d %r" % (r.status, r.body))
    before = len(up.paths)
    got = [ask(port, "/anyi", b"req GET http://%s:%d/hello" % (h, up.port)).body
           for h in (b"127.0.0.1", b"localhost", b"[::1]", b"169.254.169.254", b"10.1.2.3")]
    report("allow_host * does not open loopback, link-local or private addresses: BLOCKED, nothing sent",
           got == [b"7"] * 5 and len(up.paths) == before and "BLOCKED" in wd.read_log(),
           "%r, the upstream saw %d more" % (got, len(up.paths) - before))


def check_refused(binary, d):
    cases = (("permissions { db }", "\t\tpermissions {\n\t\t\tdb\n\t\t}\n", "db (a permissions grant) is native-only"),
             ("permissions { enqueue }", "\t\tpermissions {\n\t\t\tenqueue\n\t\t}\n",
              "enqueue (a permissions grant) is native-only"),
             ("cron", "\t\tcron \"@every 10s\" ./a.wasm\n", "cron is native-only"),
             ("db_driver", "\t\tdb_driver sqlite\n\t\tdb_dsn x.db\n", "db_driver is native-only"))
    for name, body, sentence in cases:
        path = os.path.join(d, "refused")
        with open(path, "w") as f:
            f.write(":8080 {\n" + block("/x", "a.wasm", body) + "}\n")
        out = os.path.join(d, "refused-out")
        p = subprocess.run([binary, "edge", "config", "--config", path, "--out", out, "--wasm",
                            os.path.join(ROOT, "build", "edge", "ifrit.wasm")],
                           cwd=d, capture_output=True, text=True, timeout=60)
        report("ifrit edge config refuses %s" % name, p.returncode != 0 and sentence in p.stderr,
               "exit %d, stderr %r" % (p.returncode, p.stderr[-300:]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    for g in (GUEST, IFRIT_GUEST):
        if not os.path.exists(g):
            print("FAIL edge/hostapi: no %s (scripts/build-guests.sh tests builds it)" % g, flush=True)
            return
    d = tempfile.mkdtemp(prefix="ifrit-edge-hostapi-")
    up = HeldUpstream()
    try:
        shutil.copy(GUEST, os.path.join(d, "a.wasm"))
        shutil.copy(GUEST, os.path.join(d, "b.wasm"))
        shutil.copy(IFRIT_GUEST, os.path.join(d, "i.wasm"))
        config = os.path.join(d, "Caddyfile")
        with open(config, "w") as f:
            f.write(caddyfile(up))
        wd = Workerd(ROOT, binary, config, d)
        with wd:
            check_counter(wd.port)
            check_locks(wd.port)
            check_namespaces(wd.port)
            check_cap(wd.port)
            check_outbound(wd.port, up, wd)
            check_suspended(wd.port, up)
            check_trap(wd.port, wd)
            check_ifrit(wd.port, up)
            check_outbound_limits(wd.port, up, wd)
            wd.stop()
            wd.start()
            r = ask(wd.port, "/a", b"incr n")
            report("the KV survives a restart of workerd", r.body == b"41", "%d %r" % (r.status, r.body))
        check_refused(binary, d)
    except Exception as e:  # noqa: BLE001 - reported as a failure, the run goes on
        report("run", False, "%s: %s" % (type(e).__name__, e))
    finally:
        up.close()
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
