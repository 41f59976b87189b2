"""End-to-end tests of functions' shared KV store on Redis (issue 20,
`kv redis://HOST:PORT/DB`, server/srv_fnhost_redis.c): a redis-server
started here on 127.0.0.1 (a free port, its files in a temp dir, stopped
after), two ifrit processes sharing it through a counter under a lock
(tests/guests/kv_shared.c), Redis stopped and started again while clients
hit them, and the store's semantics (namespaces, TTLs, the value cap,
locks that only their owner unlocks, a job's run on its own thread).
Outcomes only, every wait bounded."""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

from ifrit_e2e import E2EError, Server, check, free_port
from test_hostapi import call, guest, validate

REDIS_START_TIMEOUT = 15.0   # bounds on waits, not performance thresholds


def redis_command(port, *args, timeout=5.0):
    """One command over RESP on a fresh connection: the reply (bytes,
    int, None, a list, or an Exception for an error reply)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        s.sendall(out)
        f = s.makefile("rb")

        def read():
            line = f.readline().rstrip(b"\r\n")
            kind, rest = line[:1], line[1:]
            if kind == b"+":
                return rest
            if kind == b"-":
                return Exception(rest.decode())
            if kind == b":":
                return int(rest)
            if kind == b"$":
                n = int(rest)
                if n < 0:
                    return None
                data = f.read(n + 2)
                return data[:-2]
            if kind == b"*":
                return [read() for _ in range(int(rest))]
            raise E2EError("redis answered %r" % line)

        return read()


class Redis:
    """redis-server on 127.0.0.1:port, its append-only file in a temp dir
    (fsync'd on every write, so a restart keeps every answered write)."""

    def __init__(self, password=None):
        self.password = password
        self.binary = shutil.which("redis-server")
        if not self.binary:
            raise E2EError("redis-server is not installed (scripts/install-deps.sh installs it)")
        self.dir = tempfile.mkdtemp(prefix="ifrit-e2e-redis-")
        self.port = free_port()
        self.proc = None

    def start(self):
        log = open(os.path.join(self.dir, "redis.log"), "ab")
        self.proc = subprocess.Popen(
            [self.binary, "--bind", "127.0.0.1", "--port", str(self.port), "--dir", self.dir, "--save", "",
             "--appendonly", "yes", "--appendfsync", "always", "--daemonize", "no"] +
            (["--requirepass", self.password] if self.password else []),
            stdout=log, stderr=log)
        log.close()
        deadline = time.monotonic() + REDIS_START_TIMEOUT
        while time.monotonic() < deadline:
            check(self.proc.poll() is None, "redis-server exited: %s" % self.log())
            try:
                pong = redis_command(self.port, "PING", timeout=1.0)
                if pong == b"PONG" or (self.password and isinstance(pong, Exception)):   # NOAUTH: it is up
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise E2EError("redis-server did not answer PING on port %d" % self.port)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=REDIS_START_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=REDIS_START_TIMEOUT)
        self.proc = None

    def log(self):
        try:
            return open(os.path.join(self.dir, "redis.log"), errors="replace").read()[-2000:]
        except OSError:
            return ""

    def url(self, db=0):
        return "redis://127.0.0.1:%d/%d" % (self.port, db)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


PERMS = "\t\t\tpermissions {\n\t\t\t\tkv_read\n\t\t\t\tkv_write\n\t\t\t\tmutex\n\t\t\t}\n"


def site(redis_url, workers=2, extra=""):
    """A site with /c (the shared counter, namespace "shared"), /g and
    /i (hostapi_gojinn and hostapi_ifrit on their own namespaces) and a
    plain `respond` at /up."""
    def block(path, module, more=""):
        return "\thandle %s {\n\t\twasm %s {\n\t\t\tkv %s\n%s%s\t\t}\n\t}\n" % (path, module, redis_url, PERMS, more)
    body = (block("/c", "./c.wasm", "\t\t\tkv_namespace shared\n") + block("/g", "./g.wasm") +
            block("/i", "./i.wasm") + extra + "\thandle /up {\n\t\trespond \"up\"\n\t}\n")
    return "{\n\tadmin off\n\tworkers %d\n\tstorage file_system @DIR@/data\n}\n:@PORT@ {\n%s}\n" % (workers, body)


def files():
    return {"c.wasm": open(guest("kv_shared"), "rb").read(), "g.wasm": open(guest("hostapi_gojinn"), "rb").read(),
            "i.wasm": open(guest("hostapi_ifrit"), "rb").read()}


def counter_key():
    return b"ifrit:kv:6:shared:n"


def parallel(count, work):
    """work(i) in count threads: their results, in order."""
    results, errors = [None] * count, []

    def run(i):
        try:
            results[i] = work(i)
        except Exception as e:  # reported in the test's thread
            errors.append("client %d: %r" % (i, e))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(not errors, "; ".join(errors))
    return results


def test_kv_redis_counter_exact_across_two_servers(binary):
    clients, per_client = 6, 20
    with Redis() as redis, Server(binary, site(redis.url()), files=files()) as a, \
            Server(binary, site(redis.url()), files=files()) as b:
        servers = [a, b]

        def work(i):
            got = []
            for _ in range(per_client):
                r = call(servers[i % 2], "/c", "incr n")
                check(r.status == 200 and r.body.isdigit(), "incr through server %d: %d %r" % (i % 2, r.status, r.body))
                got.append(int(r.body))
            return got

        seen = sorted(v for vs in parallel(clients, work) for v in vs)
        total = clients * per_client
        check(seen == list(range(1, total + 1)), "each number handed out once: %r" % seen)
        check(redis_command(redis.port, "GET", counter_key()) == str(total).encode(), "the count in redis")


def test_kv_redis_restart_mid_run(binary):
    with Redis() as redis, Server(binary, site(redis.url()), files=files()) as a, \
            Server(binary, site(redis.url()), files=files()) as b:
        servers = [a, b]
        stop = threading.Event()
        lock = threading.Lock()
        done, maybe, failed = [], [], []   # counts handed out; sets that may have landed; errors

        def work(i):
            while not stop.is_set():
                r = call(servers[i % 2], "/c", "incr n")
                check(r.status == 200, "incr answered %d %r" % (r.status, r.body))
                words = r.body.split()
                with lock:
                    if words[0].isdigit():
                        done.append(int(words[0]))   # "N" or "N unlock CODE": the count is N
                    elif words[:2] == [b"err", b"set"]:
                        maybe.append(r.body)
                    else:
                        check(words[0] == b"err", "an answer %r" % r.body)
                        failed.append(r.body)

        thread_errors = []

        def client(i):
            try:
                work(i)
            except Exception as e:  # reported in the test's thread
                thread_errors.append(repr(e))
                stop.set()

        def wait_for(what, cond):
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not cond() and not stop.is_set():
                time.sleep(0.02)
            check(cond(), "waited for %s (%s)" % (what, "; ".join(thread_errors)))

        threads = [threading.Thread(target=client, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        try:
            wait_for("some increments", lambda: len(done) >= 20)
            redis.stop()
            wait_for("calls failing while redis is down", lambda: len(failed) >= 4)
            for s in servers:   # the servers keep serving meanwhile
                r = s.request("GET", "/up")
                check(r.status == 200 and r.body == b"up", "respond while redis is down: %d" % r.status)
            before = len(done)
            redis.start()
            wait_for("increments again after the restart", lambda: len(done) >= before + 20)
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=60)
        check(not thread_errors, "; ".join(thread_errors))
        check(len(done) == len(set(done)), "no count handed out twice")
        final = int(redis_command(redis.port, "GET", counter_key()))
        check(len(done) <= final <= len(done) + len(maybe),
              "the count %d: %d increments answered, %d sets whose answer was lost" % (final, len(done), len(maybe)))
        check(all(b"err lock 6" == f or f.startswith(b"err get 6") for f in failed), "failures: %r" % failed[:5])
        for s in servers:
            check(s.wait_log("is gone; KV calls fail (UNAVAILABLE)"), "the loss is logged")
            check(s.wait_log("answers again"), "the return is logged")
            check(s.wait_log("lock: UNAVAILABLE (redis at 127.0.0.1:%d" % redis.port), "a failed call is logged")


def test_kv_redis_semantics(binary):
    with Redis() as redis, Server(binary, site(redis.url(3)), files=files()) as s:
        # Namespaces: the same key in two functions is two keys, laid out
        # as ifrit:kv:<length>:<namespace>:<key> in the configured database.
        check(call(s, "/g", "set k from-gojinn").body == b"ok", "set /g")
        check(call(s, "/i", "set k 0 from-ifrit").body == b"0", "set /i")
        check(call(s, "/g", "get k").body == b"from-gojinn", "get /g")
        check(call(s, "/i", "get k").body == b"0 10 from-ifrit", "get /i")
        ns = "fn:" + os.path.realpath(os.path.join(s.dir, "g.wasm"))
        key = b"ifrit:kv:%d:%s:k" % (len(ns), ns.encode())
        check(redis_command(redis.port, "SELECT", 3) == b"OK", "select")
        keys = redis_command(redis.port, "KEYS", "ifrit:kv:*")
        check(keys == [], "database 0 holds nothing: %r" % keys)
        with socket.create_connection(("127.0.0.1", redis.port), timeout=5) as c:
            c.sendall(b"*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n" % (len(key), key))
            got = b""
            while got.count(b"\r\n") < 3:
                got += c.recv(4096)
            check(got == b"+OK\r\n$11\r\nfrom-gojinn\r\n", "the value under its key in database 3: %r" % got)
        # TTLs: PX on the key; an expired key reads as absent.
        check(call(s, "/i", "set t 60000 v").body == b"0", "set with a TTL")
        check(call(s, "/i", "set t2 1 gone").body == b"0", "set with a 1 ms TTL")
        deadline = time.monotonic() + 10
        while call(s, "/i", "get t2").body != b"1" and time.monotonic() < deadline:
            time.sleep(0.02)
        check(call(s, "/i", "get t2").body == b"1", "expired: NOT_FOUND")
        check(call(s, "/i", "get t").body == b"0 1 v", "not expired yet")
        check(call(s, "/i", "del t").body == b"0" and call(s, "/i", "del t").body == b"1", "delete, then absent")
        # The 1 MiB cap: refused before reaching redis (logged), exactly 1 MiB stored.
        check(call(s, "/g", "setbig big 1048577").body == b"ok", "Gojinn's set over the cap")
        check(s.wait_log("more than the 1048576 a value may have"), "the refusal is logged")
        check(call(s, "/g", "get big").body == b"absent", "nothing stored")
        check(call(s, "/g", "setbig big 1048576").body == b"ok", "exactly 1 MiB")
        check(call(s, "/g", "getcut big 10").body == b"10:xxxxxxxxxx", "read back, cut at the buffer")
        # A value over the cap that another client wrote: TOO_LARGE for
        # ifrit's kv_get, Gojinn's host_kv_get gets its start.
        ins = "fn:" + os.path.realpath(os.path.join(s.dir, "i.wasm"))
        with socket.create_connection(("127.0.0.1", redis.port), timeout=5) as c:
            k, v = b"ifrit:kv:%d:%s:huge" % (len(ins), ins.encode()), b"y" * (2 << 20)
            c.sendall(b"*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n"
                      % (len(k), k, len(v), v))
            got = b""
            while got.count(b"\r\n") < 2:
                got += c.recv(4096)
            check(got == b"+OK\r\n+OK\r\n", "a 2 MiB value written directly: %r" % got)
        check(call(s, "/i", "get huge").body == b"3", "kv_get of a foreign 2 MiB value: TOO_LARGE")
        check(s.wait_log("kv_get: the value has 2097152 bytes"), "logged")
        # Locks: SET NX PX with the TTL; only the request that took a lock
        # unlocks it (another gets NOT_FOUND and it stays held).
        check(call(s, "/i", "lock L 60000").body == b"0", "lock")
        check(call(s, "/i", "lock L 60000").body == b"9", "held: BUSY")
        check(call(s, "/i", "unlock L").body == b"1", "another request's unlock: NOT_FOUND")
        check(call(s, "/i", "lock L 60000").body == b"9", "still held")
        check(call(s, "/g", "lock L 10").body == b"1", "another namespace's lock of the same name")
        check(call(s, "/i", "lock E 1").body == b"0", "a lock with a 1 ms TTL")
        deadline = time.monotonic() + 10
        while call(s, "/i", "lock E 60000").body != b"0" and time.monotonic() < deadline:
            time.sleep(0.02)
        check(time.monotonic() < deadline, "an expired lock is taken again")
        # Bad pointers trap before anything is sent: 500, and the store untouched.
        for cmd in ("badptr", "badlen"):
            r = call(s, "/g", cmd)
            check(r.status == 500 and b"not trapped" not in r.body, "%s: %d %r" % (cmd, r.status, r.body))
        check(s.wait_log("is outside the guest's memory"), "the trap is logged")
        check(call(s, "/g", "get k").body == b"from-gojinn", "the key the bad calls named is as it was")
        check(redis_command(redis.port, "PING") == b"PONG", "redis still up")
        check(call(s, "/c", "incr m").body == b"1", "lock, get, set and unlock in one request")
        check(call(s, "/c", "incr m").body == b"2", "and again")
        # A reload keeps the store and the workers' connections.
        s.reload()
        check(s.wait_log("configuration reloaded"), "the reload")
        check(call(s, "/c", "incr m").body == b"3", "after a reload")
        check(call(s, "/g", "get k").body == b"from-gojinn", "a value after the reload")


def test_kv_redis_from_a_job(binary):
    """A job runs on its own thread, with no loop: its KV calls block that
    thread on a connection of its own, and reach the same keys."""
    with Redis() as redis:
        extra = ("\thandle /j {\n\t\twasm ./g.wasm {\n\t\t\tkv %s\n\t\t\tkv_namespace jobs\n"
                 "\t\t\tpermissions {\n\t\t\t\tkv_read\n\t\t\t\tkv_write\n\t\t\t\tenqueue\n\t\t\t}\n\t\t}\n\t}\n"
                 % redis.url())
        with Server(binary, site(redis.url(), extra=extra), files=files()) as s:
            r = s.request("POST", "/j", headers=[("X-Gojinn-Async", "true")], body=b"set k from-a-job")
            check(r.status == 202, "queued: %d %r" % (r.status, r.body))
            deadline = time.monotonic() + 20
            while call(s, "/j", "get k").body != b"from-a-job" and time.monotonic() < deadline:
                time.sleep(0.05)
            check(call(s, "/j", "get k").body == b"from-a-job", "the job's write, read by a request")
            check(redis_command(redis.port, "GET", "ifrit:kv:4:jobs:k") == b"from-a-job", "in redis")


def test_kv_redis_password(binary):
    """AUTH from the URL's percent-encoded password (alone, or with
    Redis's default user), on the loop and from a job; a wrong one fails
    the calls (UNAVAILABLE, logged) and is never written to the log."""
    secret = "p@ss/w:rd"
    encoded = "p%40ss%2Fw%3Ard"
    with Redis(password=secret) as redis:
        ok = "redis://:%s@127.0.0.1:%d/0" % (encoded, redis.port)
        acl = "redis://default:%s@127.0.0.1:%d/0" % (encoded, redis.port)
        wrong = "redis://:nope@127.0.0.1:%d/0" % redis.port
        job = ("\thandle /j {\n\t\twasm ./g.wasm {\n\t\t\tkv %s\n\t\t\tkv_namespace jobs\n"
               "\t\t\tpermissions {\n\t\t\t\tkv_read\n\t\t\t\tkv_write\n\t\t\t\tenqueue\n\t\t\t}\n\t\t}\n\t}\n" % ok)
        with Server(binary, site(ok, extra=job), files=files()) as s, Server(binary, site(acl), files=files()) as t:
            r = s.request("POST", "/j", headers=[("X-Gojinn-Async", "true")], body=b"set jk from-a-job")
            check(r.status == 202, "queued: %d" % r.status)
            check(call(s, "/c", "incr n").body == b"1", "incr with the password")
            check(call(t, "/c", "incr n").body == b"2", "incr as the default user")
            check(call(s, "/g", "set k v").body == b"ok" and call(s, "/g", "get k").body == b"v", "set and get")
            with Server(binary, site(wrong), files=files()) as w:
                check(call(w, "/c", "incr n").body == b"err lock 6", "a wrong password: UNAVAILABLE")
                check(w.wait_log("redis refused AUTH"), "the refusal is logged")
                check("nope" not in w.read_log(), "the password is not logged")
            deadline = time.monotonic() + 20
            while call(s, "/j", "get jk").body != b"from-a-job" and time.monotonic() < deadline:
                time.sleep(0.05)
            check(call(s, "/j", "get jk").body == b"from-a-job", "a job's blocking connection authenticates too")
            for srv in (s, t):
                log = srv.read_log()
                check(secret not in log and encoded not in log, "the password is not logged")


def test_kv_redis_config_errors(binary):
    data = {"g.wasm": open(guest("hostapi_gojinn"), "rb").read()}
    for url, why in (("redis://pw@127.0.0.1:6379", "expected USER:PASSWORD or :PASSWORD before '@'"),
                     ("memcached://127.0.0.1:11211", "expected redis://HOST[:PORT][/DB]"),
                     ("redis://127.0.0.1:0", "the port must be a number from 1 to 65535"),
                     ("redis://127.0.0.1:6379/x", "the database (after '/') must be a number"),
                     ("redis://no-such-host.invalid:6379", "cannot resolve no-such-host.invalid")):
        cfg = ":@PORT@ {\n\twasm ./g.wasm {\n\t\tkv %s\n%s\t}\n}\n" % (url, PERMS)
        rc, out = validate(binary, cfg, data)
        check(rc != 0 and why in out, "kv %s: %d %s" % (url, rc, out[-400:]))
    # The embedded store is named sqlite, and stays the default.
    rc, out = validate(binary, ":@PORT@ {\n\twasm ./g.wasm {\n\t\tkv sqlite\n%s\t}\n}\n" % PERMS, data)
    check(rc == 0, "kv sqlite: %s" % out[-400:])
