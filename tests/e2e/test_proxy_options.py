"""reverse_proxy options end to end, one Caddy option (or behaviour) at a
time: the transport knobs, retries, active and passive health, upstream
address forms and config errors, 1xx responses, HEAD, the forwarded and
hop-by-hop fields, and the log line of every 5xx the proxy makes itself.

Real upstreams (proxy_upstream.py) on 127.0.0.1; every wait is bounded and
no assertion depends on how long something took."""
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time

from ifrit_e2e import Server, Skip, check, free_port
from proxy_upstream import Reply, Upstream, echo_app, echo_lines, hanging_app, named_app, saw_header, site

WAIT = 15.0


def _srv(binary, body, global_opts="workers 1"):
    return Server(binary, site(body, global_opts))


def _wait_until(cond, what):
    deadline = time.monotonic() + WAIT
    while not cond():
        check(time.monotonic() < deadline, what)
        time.sleep(0.02)


def _log_has(srv, needle):
    check(srv.wait_log(needle), "log line %r missing; log:\n%s" % (needle, srv.read_log()[-2000:]))


def _in_thread(fn):
    """Runs fn() in a thread; returns a getter that joins (bounded) and
    returns fn's result or raises its exception."""
    out = {}

    def run():
        try:
            out["v"] = fn()
        except BaseException as e:   # handed to the test thread
            out["e"] = e
    t = threading.Thread(target=run, daemon=True)
    t.start()

    def get():
        t.join(WAIT * 2)
        check(not t.is_alive(), "background request did not finish")
        if "e" in out:
            raise out["e"]
        return out["v"]
    return get


# -- transport http { ... } -----------------------------------------------------------

def test_proxy_opt_dial_timeout(binary):
    """A listener whose accept queue is full never completes a handshake:
    the dial runs into dial_timeout, a 502 with a log line saying so."""
    lst = socket.socket()
    lst.bind(("127.0.0.1", 0))
    lst.listen(0)
    port = lst.getsockname()[1]
    fillers = []
    try:
        for _ in range(2):   # the first one fills the queue, the next waits in SYN_SENT
            f = socket.socket()
            f.setblocking(False)
            f.connect_ex(("127.0.0.1", port))
            fillers.append(f)
        body = "reverse_proxy 127.0.0.1:%d {\n transport http {\n dial_timeout 200ms\n }\n}" % port
        with _srv(binary, body) as srv:
            r = srv.request("GET", "/dial")
            check(r.status == 502, "dial into a full backlog: %d" % r.status)
            _log_has(srv, "upstream 127.0.0.1:%d failed for GET /dial: dial timeout (502)" % port)
    finally:
        for f in fillers:
            f.close()
        lst.close()


def test_proxy_opt_read_buffer(binary):
    """read_buffer takes Caddy's sizes; small and odd buffers keep bodies exact."""
    blob = os.urandom(300000)
    chunks = [os.urandom(n) for n in (1, 4095, 4096, 4097, 70000)]

    def app(req):
        if req.target == "/len":
            return Reply(200, {}, blob)
        if req.target == "/small":
            return Reply(200, {}, b"tiny")
        return Reply(200, {}, chunks=chunks)
    for size in ("4KiB", "64k", "1025", "1MB"):
        body = "reverse_proxy %%s {\n transport http {\n read_buffer %s\n }\n}" % size
        with Upstream(app) as up, _srv(binary, body % up.addr) as srv:
            with srv.conn() as c:
                for path, want in (("/len", blob), ("/chunked", b"".join(chunks)), ("/small", b"tiny")):
                    c.send(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path.encode())
                    r = c.read_response()
                    check(r.status == 200 and r.body == want,
                          "read_buffer %s, %s: status %d, %d bytes" % (size, path, r.status, len(r.body)))
            check(up.connections == 1, "read_buffer %s: one upstream connection, got %d" % (size, up.connections))


def _concurrent(srv, n, path="/"):
    gets = [_in_thread(lambda: srv.request("GET", path)) for _ in range(n)]
    return [g() for g in gets]


def test_proxy_opt_keepalive_idle_conns(binary):
    """At most keepalive_idle_conns idle connections stay in the pool: four
    requests held at the upstream at once need four connections; with a cap
    of one, three of them close afterwards and the next four need three new
    ones; with a cap of four, none. keepalive_idle_conns_per_host caps the
    same pool (it is per upstream), the smaller cap wins, and 0 is no
    limit, as in Caddy."""
    wave = {"barrier": None}

    def app(req):
        wave["barrier"].wait()   # all four requests are in flight at once
        return Reply(200, {}, b"ok")
    for opts, cap in (("keepalive_idle_conns 1", 1), ("keepalive_idle_conns 4", 4),
                      ("keepalive_idle_conns_per_host 1", 1), ("keepalive_idle_conns 0", 4),
                      ("keepalive_idle_conns 8\n keepalive_idle_conns_per_host 2", 2)):
        new_in_second_wave = 4 - cap
        body = "reverse_proxy %%s {\n transport http {\n %s\n }\n}" % opts
        with Upstream(app) as up, _srv(binary, body % up.addr) as srv:
            wave["barrier"] = threading.Barrier(4, timeout=WAIT)
            rs = _concurrent(srv, 4)
            check(all(r.status == 200 for r in rs), "first wave: %r" % rs)
            check(up.connections == 4, "four concurrent requests, four connections: %d" % up.connections)
            _wait_until(lambda: up.closed >= 4 - cap, "cap %d: %d idle connections closed" % (cap, up.closed))
            wave["barrier"] = threading.Barrier(4, timeout=WAIT)
            rs = _concurrent(srv, 4)
            check(all(r.status == 200 for r in rs), "second wave: %r" % rs)
            check(up.connections == 4 + new_in_second_wave,
                  "cap %d: %d connections after the second wave, want %d" % (cap, up.connections, 4 + new_in_second_wave))
            _wait_until(lambda: up.closed >= 2 * (4 - cap), "cap %d: second wave's extra connections closed" % cap)
            check(up.closed == 2 * (4 - cap), "cap %d: %d closed, want %d" % (cap, up.closed, 2 * (4 - cap)))


def test_proxy_opt_keepalive_duration_keeps_pool(binary):
    """`keepalive 1h` pools like the default; `keepalive off` and
    `keepalive 100ms` are in test_proxy.py."""
    body = "reverse_proxy %s {\n transport http {\n keepalive 1h\n }\n}"
    with Upstream(echo_app) as up, _srv(binary, body % up.addr) as srv:
        for _ in range(5):
            check(srv.request("GET", "/").status == 200, "request")
        check(up.connections == 1, "keepalive 1h: one connection, got %d" % up.connections)
        check(all(q.header("Connection") is None for q in up.requests), "no Connection: close sent up")


# -- retries ------------------------------------------------------------------------------

def test_proxy_opt_no_retries_is_502(binary):
    dead = free_port()
    with Upstream(named_app("live")) as live, \
            _srv(binary, "reverse_proxy 127.0.0.1:%d %s {\n lb_policy first\n}" % (dead, live.addr)) as srv:
        r = srv.request("GET", "/")
        check(r.status == 502, "a dead first upstream without retries: %d" % r.status)
        check(len(live.requests) == 0, "the live upstream was not tried")


def test_proxy_opt_retries_post_after_failed_dial(binary):
    """A failed dial sent nothing: a POST with a body may go to the next
    upstream, body and all."""
    dead = free_port()
    with Upstream(echo_app) as live, \
            _srv(binary, "reverse_proxy 127.0.0.1:%d %s {\n lb_policy first\n lb_retries 1\n lb_try_interval 10ms\n"
                 " fail_duration 30s\n}" % (dead, live.addr)) as srv:
        r = srv.request("POST", "/p", body=b"x" * 100000)
        check(r.status == 200 and "body-length: 100000" in echo_lines(r), "POST retried with its body: %r" % r)
        check(len(live.requests) == 1, "reached the live upstream once")


def test_proxy_opt_lb_try_duration(binary):
    """With lb_try_duration and no lb_retries, attempts go on every
    lb_try_interval until an upstream answers (here: one that starts after
    the first attempt failed)."""
    port = free_port()
    body = "reverse_proxy 127.0.0.1:%d {\n lb_try_duration 20s\n lb_try_interval 50ms\n}" % port
    up = Upstream(named_app("late"), port=port)
    with _srv(binary, body) as srv:
        get = _in_thread(lambda: srv.request("GET", "/late"))
        try:
            _log_has(srv, "upstream 127.0.0.1:%d failed for GET /late" % port)
            up.start()
            r = get()
        finally:
            up.stop()
        check(r.status == 200 and r.body == b"late", "answered once the upstream came up: %r" % r)


def test_proxy_opt_try_interval_zero(binary):
    """lb_try_interval 0 with lb_try_duration and nothing available tries
    again and again until the duration is over (Caddy spins the same way),
    but from the event loop: the worker serves other requests meanwhile
    (it used to loop inside one call for all of lb_try_duration)."""
    dead = free_port()
    body = ("@short path /short\nreverse_proxy @short 127.0.0.1:%d {\n fail_duration 1h\n lb_try_duration 1s\n"
            " lb_try_interval 0\n}\n"
            "@long path /long\nreverse_proxy @long 127.0.0.1:%d {\n fail_duration 1h\n lb_try_duration 1h\n"
            " lb_try_interval 0\n}\nrespond /other \"other\"" % (dead, dead))
    with _srv(binary, body) as srv:
        r = srv.request("GET", "/short")
        check(r.status == 503, "nothing left once lb_try_duration ran out: %d" % r.status)
        _log_has(srv, "no upstream available for GET /short: 127.0.0.1:%d (1 failure within fail_duration)" % dead)
        c = srv.conn()
        try:
            c.send(b"GET /long HTTP/1.1\r\nHost: x\r\n\r\n")   # retries for an hour
            _log_has(srv, "upstream 127.0.0.1:%d failed for GET /long" % dead)
            r = srv.request("GET", "/other")
            check(r.status == 200 and r.body == b"other", "served while the retries go on: %r" % r)
        finally:
            c.close()
        check(srv.proc.poll() is None, "server still running")


def test_proxy_opt_retry_not_after_body_sent(binary):
    """A POST whose body went up is not sent again, even with a second
    upstream and retries left."""
    def cut(req):
        return Reply(raw=b"")   # read the whole request, close without answering
    with Upstream(cut) as bad, Upstream(echo_app) as good, \
            _srv(binary, "reverse_proxy %s %s {\n lb_policy first\n lb_retries 3\n lb_try_interval 10ms\n"
                 " fail_duration 30s\n}" % (bad.addr, good.addr)) as srv:
        r = srv.request("POST", "/once", body=b"payload")
        check(r.status == 502, "POST that reached the upstream: %d" % r.status)
        check(len(bad.requests) == 1 and bad.requests[0].body == b"payload", "sent once: %r" % bad.requests)
        check(len(good.requests) == 0, "never sent to the second upstream")
        r = srv.request("GET", "/again")
        check(r.status == 200, "a GET after it goes to the second upstream (the first is down): %d" % r.status)


def _resetting_listener():
    """A listener that accepts each connection and resets it at once,
    before reading anything: (socket, stop event)."""
    lst = socket.socket()
    lst.bind(("127.0.0.1", 0))
    lst.listen(16)
    lst.settimeout(0.2)
    stop = threading.Event()

    def loop():
        while not stop.is_set():
            try:
                c, _ = lst.accept()
            except OSError:
                continue
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            c.close()
    threading.Thread(target=loop, daemon=True).start()
    return lst, stop


def test_proxy_opt_reset_at_accept(binary):
    """An upstream that resets each connection as soon as it is accepted.
    A GET goes on to the next upstream. A POST either goes on whole (the
    reset showed while dialing: nothing was sent) or is a 502 (it showed
    after the request started going up); never a retry without its body,
    which is what a reset before the first write used to cause (a 400)."""
    lst, stop = _resetting_listener()
    port = lst.getsockname()[1]
    try:
        with Upstream(echo_app) as good, \
                _srv(binary, "reverse_proxy 127.0.0.1:%d %s {\n lb_policy first\n lb_retries 2\n lb_try_interval 10ms\n"
                     " fail_duration 30s\n}" % (port, good.addr)) as srv:
            for i in range(5):
                r = srv.request("GET", "/g%d" % i)
                check(r.status == 200 and echo_lines(r)[0] == "GET /g%d" % i, "GET retried on the good one: %r" % r)
                r = srv.request("POST", "/p%d" % i, body=b"z" * 5000)
                check(r.status == 502 or (r.status == 200 and "body-length: 5000" in echo_lines(r)),
                      "POST after a reset: %d %r" % (r.status, r.body[:100]))
            check(all(len(q.body) == 5000 for q in good.requests if q.method == "POST"), "POST bodies whole")
    finally:
        stop.set()
        lst.close()


# -- health ---------------------------------------------------------------------------------

def _health_app(name, health):
    """Answers `name` except on /health, where health(req) answers."""
    def app(req):
        if req.target == "/health":
            return health(req)
        return Reply(200, {}, name.encode())
    return app


def _probes(up):
    return len([q for q in up.requests if q.target == "/health"])


def _health_srv(binary, a, b, extra):
    body = ("reverse_proxy %s %s {\n lb_policy round_robin\n health_uri /health\n health_interval 50ms\n%s\n}"
            % (a.addr, b.addr, extra))
    return _srv(binary, body)


def test_proxy_opt_health_500_is_down(binary):
    a = Upstream(_health_app("a", lambda req: Reply(200, {}, b"ok"))).start()
    b = Upstream(_health_app("b", lambda req: Reply(500, {}, b"no"))).start()
    try:
        with _health_srv(binary, a, b, "") as srv:
            srv.request("GET", "/")   # health checks start with the first request
            _log_has(srv, "upstream %s is unhealthy: unexpected status 500" % b.addr)
            got = {srv.request("GET", "/").body for _ in range(6)}
            check(got == {b"a"}, "only a serves: %r" % got)
            check("upstream %s is unhealthy" % a.addr not in srv.read_log(), "a stays healthy")
    finally:
        a.stop(); b.stop()


def test_proxy_opt_health_status(binary):
    """health_status 2xx takes a 204; an exact code takes only that code."""
    a = Upstream(_health_app("a", lambda req: Reply(200, {}, b"ok"))).start()
    b = Upstream(_health_app("b", lambda req: Reply(204))).start()
    try:
        with _health_srv(binary, a, b, " health_status 2xx") as srv:
            srv.request("GET", "/")
            # When b saw its third probe, the verdict on the second one was in.
            _wait_until(lambda: _probes(a) >= 3 and _probes(b) >= 3, "probes did not run")
            check("unhealthy" not in srv.read_log(), "200 and 204 are both 2xx: %s" % srv.read_log()[-1000:])
            check({srv.request("GET", "/").body for _ in range(4)} == {b"a", b"b"}, "both serve")
        with _health_srv(binary, a, b, " health_status 204") as srv:
            srv.request("GET", "/")
            _log_has(srv, "upstream %s is unhealthy: unexpected status 200" % a.addr)
            _wait_until(lambda: _probes(b) >= 3, "probes of b did not run")
            check("upstream %s is unhealthy" % b.addr not in srv.read_log(), "b answers the exact code")
            check({srv.request("GET", "/").body for _ in range(4)} == {b"b"}, "only b serves")
    finally:
        a.stop(); b.stop()


def test_proxy_opt_health_timeout(binary):
    release = threading.Event()
    a = Upstream(_health_app("a", lambda req: Reply(200, {}, b"ok"))).start()
    b = Upstream(_health_app("b", hanging_app(release, WAIT))).start()
    try:
        with _health_srv(binary, a, b, " health_timeout 100ms") as srv:
            srv.request("GET", "/")
            _log_has(srv, "upstream %s is unhealthy: health_timeout" % b.addr)
            check({srv.request("GET", "/").body for _ in range(4)} == {b"a"}, "the slow one left the rotation")
    finally:
        release.set()
        a.stop(); b.stop()


def test_proxy_opt_max_fails(binary):
    """Passive health: with max_fails 2 the first failure leaves the
    upstream in; the second within fail_duration takes it out."""
    bad = Upstream(lambda req: Reply(503, {}, b"bad")).start()
    good = Upstream(named_app("good")).start()
    body = ("reverse_proxy %s %s {\n lb_policy first\n fail_duration 1h\n max_fails 2\n unhealthy_status 503\n}"
            % (bad.addr, good.addr))
    try:
        with _srv(binary, body) as srv:
            check(srv.request("GET", "/").status == 503, "first failure relayed")
            check(srv.request("GET", "/").status == 503, "one failure of two: still picked")
            got = {srv.request("GET", "/").body for _ in range(3)}
            check(got == {b"good"}, "after two failures it is skipped: %r" % got)
            check(len(bad.requests) == 2, "bad got exactly two requests: %d" % len(bad.requests))
    finally:
        bad.stop(); good.stop()


def test_proxy_opt_fail_duration_expires(binary):
    """A failure counts for fail_duration only: then the upstream is back."""
    state = {"ok": False}

    def flaky(req):
        return Reply(200, {}, b"flaky") if state["ok"] else Reply(503, {}, b"bad")
    bad = Upstream(flaky).start()
    good = Upstream(named_app("good")).start()
    body = ("reverse_proxy %s %s {\n lb_policy first\n fail_duration 300ms\n unhealthy_status 5xx\n}"
            % (bad.addr, good.addr))
    try:
        with _srv(binary, body) as srv:
            check(srv.request("GET", "/").status == 503, "the failure is relayed")
            state["ok"] = True
            _wait_until(lambda: srv.request("GET", "/").body == b"flaky", "the upstream never came back")
    finally:
        bad.stop(); good.stop()


def test_proxy_opt_dial_failures_count_passively(binary):
    """A refused dial counts as a failure too: with max_fails 1 the dead
    upstream is skipped afterwards, and the 503 when nothing is left names it."""
    dead = free_port()
    body = "reverse_proxy 127.0.0.1:%d {\n fail_duration 1h\n}" % dead
    with _srv(binary, body) as srv:
        check(srv.request("GET", "/a").status == 502, "first: the dial fails")
        check(srv.request("GET", "/b").status == 503, "then no upstream is left")
        _log_has(srv, "no upstream available for GET /b: 127.0.0.1:%d" % dead)


# -- upstream addresses, config errors -------------------------------------------------------

def test_proxy_opt_address_forms(binary):
    with Upstream(echo_app) as up:
        p = up.port
        for form in ("127.0.0.1:%d" % p, "http://127.0.0.1:%d" % p, "localhost:%d" % p,
                     "http://localhost:%d/" % p, ":%d" % p):
            for body in ("reverse_proxy %s" % form, "reverse_proxy {\n to %s\n}" % form):
                with _srv(binary, body) as srv:
                    r = srv.request("GET", "/form")
                    check(r.status == 200 and echo_lines(r)[0] == "GET /form", "%r: %r" % (body, r))


def _with_hosts(binary, hosts_text):
    """A wrapper that runs binary in its own user and mount namespace with
    hosts_text as /etc/hosts (the network is the same), or Skip."""
    d = tempfile.mkdtemp(prefix="ifrit-hosts-")
    hosts, wrapper = os.path.join(d, "hosts"), os.path.join(d, "ifrit")
    with open(hosts, "w") as f:
        f.write(hosts_text)
    with open(wrapper, "w") as f:
        f.write('#!/bin/sh\nexec unshare -rm sh -c \'mount --bind "$0" /etc/hosts && exec "$@"\' %s %s "$@"\n'
                % (hosts, os.path.abspath(binary)))
    os.chmod(wrapper, 0o755)
    try:
        probe = subprocess.run(["unshare", "-rm", "sh", "-c", "mount --bind %s /etc/hosts && cat /etc/hosts" % hosts],
                               capture_output=True, timeout=WAIT)
    except (OSError, subprocess.TimeoutExpired) as e:
        shutil.rmtree(d, ignore_errors=True)
        raise Skip("cannot run in a mount namespace: %s" % e)
    if probe.returncode != 0 or probe.stdout.decode() != hosts_text:
        shutil.rmtree(d, ignore_errors=True)
        raise Skip("no user/mount namespaces here: %r" % (probe.stderr[-200:],))
    return wrapper, d


def test_proxy_opt_localhost_tries_every_address(binary):
    """`reverse_proxy localhost:PORT` with localhost resolving to ::1 first
    (as /etc/hosts has it on Debian) and an upstream listening on 127.0.0.1
    only: like Go's dialer in Caddy, the refused ::1 is not the end, the
    next address is tried, and the one that answered is kept."""
    wrapper, d = _with_hosts(binary, "::1 localhost\n127.0.0.1 localhost\n")
    try:
        with Upstream(echo_app) as up, _srv(wrapper, "reverse_proxy localhost:%d" % up.port) as srv:
            for i in range(3):
                r = srv.request("GET", "/%d" % i)
                check(r.status == 200 and echo_lines(r)[0] == "GET /%d" % i, "request %d: %r" % (i, r))
            check(up.connections == 1, "one pooled connection: %d" % up.connections)
        # Health probes dial the same way: they do not see ::1's refusal as
        # the upstream being down.
        body = "reverse_proxy localhost:%d {\n health_uri /health\n health_interval 50ms\n}"
        with Upstream(echo_app) as up, _srv(wrapper, body % up.port) as srv:
            check(srv.request("GET", "/").status == 200, "first request")
            _wait_until(lambda: len([q for q in up.requests if q.target == "/health"]) >= 3, "no probes")
            check("unhealthy" not in srv.read_log(), "probes found it healthy: %s" % srv.read_log()[-600:])
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_proxy_opt_dial_timeout_moves_to_next_address(binary):
    """A name whose first address (::1) never completes the handshake (a
    full accept queue) and whose second (127.0.0.1, same port) answers:
    the dial_timeout of the first is not the end of the request, and
    later requests go to the second address at once."""
    wrapper, d = _with_hosts(binary, "::1 multi.test\n127.0.0.1 multi.test\n")
    up = Upstream(echo_app).start()
    lst = socket.socket(socket.AF_INET6)
    fillers = []
    try:
        lst.bind(("::1", up.port))
        lst.listen(0)
        for _ in range(2):
            f = socket.socket(socket.AF_INET6)
            f.setblocking(False)
            f.connect_ex(("::1", up.port))
            fillers.append(f)
        body = "reverse_proxy multi.test:%d {\n transport http {\n dial_timeout 200ms\n }\n}" % up.port
        with _srv(wrapper, body) as srv:
            for i in range(3):
                r = srv.request("GET", "/%d" % i)
                check(r.status == 200 and echo_lines(r)[0] == "GET /%d" % i, "request %d: %r" % (i, r))
            check(up.connections == 1, "the answering address is kept: %d connections" % up.connections)
    finally:
        for f in fillers:
            f.close()
        lst.close()
        up.stop()
        shutil.rmtree(d, ignore_errors=True)


def _validate(binary, body):
    d = tempfile.mkdtemp(prefix="ifrit-validate-")
    path = os.path.join(d, "Caddyfile")
    with open(path, "w") as f:
        f.write(":8080 {\n%s\n}\n" % body)
    try:
        p = subprocess.run([binary, "validate", "--config", path], capture_output=True, timeout=WAIT)
        return p.returncode, (p.stdout + p.stderr).decode(), path
    finally:
        os.unlink(path)
        os.rmdir(d)


def test_proxy_opt_config_errors(binary):
    rc, out, _ = _validate(binary, "reverse_proxy 127.0.0.1:9 {\n transport http {\n read_buffer 4KiB\n"
                           " keepalive_idle_conns 3\n keepalive_idle_conns_per_host 2\n keepalive off\n dial_timeout 1s\n }\n}")
    check(rc == 0, "a valid block validates: %d %s" % (rc, out))
    bad = [
        ("reverse_proxy https://127.0.0.1:9000 127.0.0.1:9001", 2, 38, "same scheme"),
        ("reverse_proxy 127.0.0.1:99999", 2, 15, "port out of range"),
        ("reverse_proxy 127.0.0.1:80x", 2, 15, "invalid port"),
        ("reverse_proxy unix/relative.sock", 2, 15, "unix//path"),
        ("reverse_proxy {http.request.host}:80", 2, 15, "expected an upstream"),
        ("reverse_proxy", 2, 1, "at least one upstream"),
        ("reverse_proxy :9 {\n lb_policy fastest\n}", 3, 12, "lb_policy"),
        ("reverse_proxy :9 {\n lb_retries many\n}", 3, 13, "integer"),
        ("reverse_proxy :9 {\n max_fails 0\n}", 3, 12, "at least 1"),
        ("reverse_proxy :9 {\n health_uri health\n}", 3, 13, "starting with /"),
        ("reverse_proxy :9 {\n health_status 2xy\n}", 3, 16, "status code"),
        ("reverse_proxy :9 {\n frobnicate 1\n}", 3, 2, "reverse_proxy option"),
        ("reverse_proxy :9 {\n transport gopher\n}", 3, 12, "expected http or fastcgi"),
        ("reverse_proxy :9 {\n transport http {\n read_buffer lots\n }\n}", 4, 14, ""),
        ("reverse_proxy :9 {\n transport http {\n dial_timeout soon\n }\n}", 4, 15, ""),
        ("reverse_proxy :9 {\n transport http {\n tls_versions tls1.3\n }\n}", 4, 2, "transport http option"),
    ]
    for body, line, col, words in bad:
        rc, out, path = _validate(binary, body)
        check(rc != 0, "%r validated: %s" % (body, out))
        where = "%s:%d:%d: " % (path, line, col)
        check(where in out and words in out, "%r: want %r and %r in %r" % (body, where, words, out))


# -- 1xx, Expect, HEAD -------------------------------------------------------------------------

def _interim_app(req):
    def send(c, req):
        c.sendall(b"HTTP/1.1 100 Continue\r\n\r\n"
                  b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n\r\n"
                  b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Final: yes\r\n\r\nfinal")
        return True
    return Reply(custom=send)


def test_proxy_opt_interim_responses(binary):
    """Caddy forwards an upstream's 1xx heads to the client; so does ifrit,
    except 100 Continue (the server answers Expect itself) and to HTTP/1.0
    clients (RFC 9110 15.2). The final response and the connections stay
    intact."""
    with Upstream(_interim_app) as up, _srv(binary, "reverse_proxy %s" % up.addr) as srv:
        with srv.conn() as c:
            c.send(b"GET /hints HTTP/1.1\r\nHost: x\r\n\r\n")
            r = c.read_response(allow_interim=True)
            check(r.status == 103, "103 forwarded first: %r" % r)
            check(r.header("Link") == "</style.css>; rel=preload; as=style", "with its Link: %r" % r.headers)
            r = c.read_response(allow_interim=True)
            check(r.status == 200 and r.body == b"final" and r.header("X-Final") == "yes", "final: %r" % r)
            check(r.header("Link") is None, "the hint's fields are not repeated on the final head")
            c.send(b"GET /again HTTP/1.1\r\nHost: x\r\n\r\n")
            r = c.read_response()
            check(r.status == 200 and r.body == b"final", "connection reusable: %r" % r)
        with srv.conn() as c:
            c.send(b"GET /old HTTP/1.0\r\nHost: x\r\n\r\n")
            r = c.read_response(allow_interim=True)
            check(r.status == 200 and r.body == b"final", "an HTTP/1.0 client sees no 1xx: %r" % r)
        check(up.connections == 1, "one upstream connection throughout: %d" % up.connections)


def test_proxy_opt_expect_continue(binary):
    """A client that waits for 100 Continue gets it (once), then its body
    goes up whole."""
    with Upstream(echo_app) as up, _srv(binary, "reverse_proxy %s" % up.addr) as srv:
        with srv.conn() as c:
            c.send(b"POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n")
            r = c.read_response(allow_interim=True)
            check(r.status == 100, "100 Continue before the body: %r" % r)
            c.send(b"hello world")
            r = c.read_response(allow_interim=True)
            check(r.status == 200 and "body-length: 11" in echo_lines(r), "body relayed: %r" % r)
            c.send(b"GET /next HTTP/1.1\r\nHost: x\r\n\r\n")
            check(c.read_response().status == 200, "connection reusable")
    # An upstream that itself sends 100 Continue before its answer.
    with Upstream(_interim_app) as up, _srv(binary, "reverse_proxy %s" % up.addr) as srv:
        with srv.conn() as c:
            c.send(b"POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n")
            r = c.read_response(allow_interim=True)
            check(r.status == 100, "our 100 Continue: %r" % r)
            c.send(b"abc")
            statuses = []
            while True:
                r = c.read_response(allow_interim=True)
                statuses.append(r.status)
                if r.status >= 200:
                    break
            check(statuses == [103, 200] and r.body == b"final", "no second 100, then 103 and 200: %r" % statuses)


def test_proxy_opt_head(binary):
    def app(req):
        return Reply(200, {"Content-Type": "text/plain"}, b"x" * 1234)
    with Upstream(app) as up, _srv(binary, "reverse_proxy %s" % up.addr) as srv:
        with srv.conn() as c:
            c.send(b"HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n")
            r = c.read_response("HEAD")
            check(r.status == 200 and r.header("Content-Length") == "1234", "HEAD keeps the length: %r" % r)
            c.send(b"GET /h HTTP/1.1\r\nHost: x\r\n\r\n")
            r = c.read_response()
            check(r.status == 200 and r.body == b"x" * 1234, "then GET on the same connection: %r" % r)
        check([q.method for q in up.requests] == ["HEAD", "GET"], "methods seen: %r" % [q.method for q in up.requests])
        check(up.requests[0].header("Content-Length") is None, "no length sent up with HEAD")
        check(up.connections == 1, "the upstream connection was reused after HEAD: %d" % up.connections)


# -- headers ------------------------------------------------------------------------------------

def test_proxy_opt_forwarded_fields(binary):
    with Upstream(echo_app) as up, _srv(binary, "reverse_proxy %s" % up.addr) as srv:
        r = srv.request("GET", "/f", host="example.test:8443",
                        headers=[("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "evil.test"),
                                 ("X-Forwarded-For", "10.0.0.1, 10.0.0.2")])
        check(saw_header(r, "Host") == "example.test:8443", "Host passed through: %r" % saw_header(r, "Host"))
        check(saw_header(r, "X-Forwarded-Host") == "example.test:8443", "X-Forwarded-Host is the original Host")
        check(saw_header(r, "X-Forwarded-Proto") == "http", "X-Forwarded-Proto: %r" % saw_header(r, "X-Forwarded-Proto"))
        check(saw_header(r, "X-Forwarded-For") == "127.0.0.1", "X-Forwarded-For: %r" % saw_header(r, "X-Forwarded-For"))
        for name in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "Host"):
            n = len([l for l in echo_lines(r) if l.lower().startswith(name.lower() + ":")])
            check(n == 1, "%s sent once, got %d" % (name, n))


def test_proxy_opt_header_placeholders(binary):
    body = """reverse_proxy %s {
        header_up Host {upstream_hostport}
        header_up X-Path {http.request.uri.path}
        header_up X-Remote {remote_host}
        header_up X-Query "q={query}"
        header_down X-Method {method}
        header_down X-Uri {http.request.uri}
        header_down X-Up {http.reverse_proxy.upstream.hostport}
    }"""
    with Upstream(echo_app) as up, _srv(binary, body % up.addr) as srv:
        r = srv.request("GET", "/some/path?a=1", host="orig.test")
        check(r.status == 200, "status %d" % r.status)
        check(saw_header(r, "Host") == up.addr, "Host {upstream_hostport}: %r" % saw_header(r, "Host"))
        check(saw_header(r, "X-Forwarded-Host") == "orig.test", "X-Forwarded-Host keeps the client's Host")
        check(saw_header(r, "X-Path") == "/some/path", "{http.request.uri.path}: %r" % saw_header(r, "X-Path"))
        check(saw_header(r, "X-Remote") == "127.0.0.1", "{remote_host}: %r" % saw_header(r, "X-Remote"))
        check(saw_header(r, "X-Query") == "q=a=1", "{query}: %r" % saw_header(r, "X-Query"))
        check(r.header("X-Method") == "GET", "{method} down: %r" % r.header("X-Method"))
        check(r.header("X-Uri") == "/some/path?a=1", "{http.request.uri} down: %r" % r.header("X-Uri"))
        check(r.header("X-Up") == up.addr, "upstream placeholder down: %r" % r.header("X-Up"))


HOP_UP = [("Connection", "keep-alive, X-Drop-Me"), ("Connection", "x-drop-too"), ("X-Drop-Me", "1"),
          ("X-Drop-Too", "2"), ("Keep-Alive", "timeout=5"), ("Proxy-Connection", "keep-alive"),
          ("TE", "trailers"), ("Trailer", "X-T"), ("Upgrade", "h2c"), ("Proxy-Authorization", "Basic eDp5"),
          ("X-End-To-End", "kept")]


def test_proxy_opt_hop_by_hop_both_ways(binary):
    def app(req):
        lines = echo_app(req).body
        def send(c, req):
            c.sendall(b"HTTP/1.1 200 OK\r\nConnection: X-Down-Drop\r\nX-Down-Drop: 1\r\n"
                      b"Keep-Alive: timeout=5, max=100\r\nProxy-Connection: keep-alive\r\nTE: trailers\r\n"
                      b"Trailer: X-Sum\r\nUpgrade: h2c\r\nProxy-Authenticate: Basic\r\nX-Down-Kept: yes\r\n"
                      b"Transfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\nX-Sum: 1\r\n\r\n" % (len(lines), lines))
            return True
        return Reply(custom=send)
    with Upstream(app) as up, _srv(binary, "reverse_proxy %s" % up.addr) as srv:
        with srv.conn() as c:
            for method, body in (("GET", None), ("POST", b"body")):
                req = "%s /hop HTTP/1.1\r\nHost: x\r\n" % method
                req += "".join("%s: %s\r\n" % kv for kv in HOP_UP)
                if body:
                    req += "Content-Length: %d\r\n" % len(body)
                c.send(req.encode() + b"\r\n" + (body or b""))
                r = c.read_response()
                check(r.status == 200, "%s: status %d" % (method, r.status))
                seen = up.requests[-1]
                for name in ("Connection", "X-Drop-Me", "X-Drop-Too", "Keep-Alive", "Proxy-Connection",
                             "Trailer", "Upgrade", "Proxy-Authorization"):
                    check(seen.header(name) is None, "%s: %s went up: %r" % (method, name, seen.headers))
                check(seen.header("TE") == "trailers", "%s: TE: trailers kept (test_proxy_trailers)" % method)
                check(seen.header("X-End-To-End") == "kept", "end-to-end field kept")
                check(seen.header("Transfer-Encoding") is None, "a length body goes up with its length")
                for name in ("X-Down-Drop", "Keep-Alive", "Proxy-Connection", "TE", "Upgrade",
                             "Proxy-Authenticate", "X-Sum"):
                    check(r.header(name) is None, "%s: %s came down: %r" % (method, name, r.headers))
                check(r.header("Trailer") == "X-Sum", "%s: the Trailer field announces the trailers" % method)
                check((r.header("Connection") or "").lower() in ("", "keep-alive"), "Connection: %r" % r.headers)
                check(r.header("X-Down-Kept") == "yes", "end-to-end field down")
                check(b"GET /hop" in r.body or b"POST /hop" in r.body, "body relayed")
        check(up.connections == 1, "both requests on one upstream connection: %d" % up.connections)


def test_proxy_opt_upstream_connection_close_and_http10(binary):
    """The upstream's Connection: close (and an HTTP/1.0 answer delimited
    by its close) end the upstream connection only: the client's stays
    open, the body arrives whole, and the next request dials again."""
    def app(req):
        if req.target == "/close":
            return Reply(200, {"X-A": "1"}, b"closing", close=True)
        def old(c, req):
            c.sendall(b"HTTP/1.0 200 OK\r\nX-Old: yes\r\n\r\nuntil close")
            return False
        return Reply(custom=old)
    with Upstream(app) as up, _srv(binary, "reverse_proxy %s" % up.addr) as srv:
        with srv.conn() as c:
            for i, (path, want) in enumerate((("/close", b"closing"), ("/old", b"until close"),
                                              ("/close", b"closing"))):
                c.send(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path.encode())
                r = c.read_response()
                check(r.status == 200 and r.body == want, "%s: %r" % (path, r))
                check(r.header("Connection") is None, "%s: no Connection field for the client: %r" % (path, r.headers))
                check(up.connections == i + 1, "%s: a new upstream connection each time: %d" % (path, up.connections))
            c.send(b"GET /close HTTP/1.1\r\nHost: x\r\n\r\n")
            check(c.read_response().status == 200, "the client connection is still open")


# -- log lines of the proxy's own 5xx -------------------------------------------------------------

def test_proxy_opt_error_log_lines(binary):
    release = threading.Event()
    dead = free_port()
    with Upstream(hanging_app(release, WAIT)) as slow:
        body = ("@refused path /refused\nreverse_proxy @refused 127.0.0.1:%d\n"
                "@slow path /slow\nreverse_proxy @slow %s {\n transport http {\n response_header_timeout 100ms\n }\n}\n"
                "@garbage path /garbage\nreverse_proxy @garbage 127.0.0.1:%d {\n fail_duration 1h\n}\n"
                % (dead, slow.addr, dead))
        try:
            with _srv(binary, body) as srv:
                check(srv.request("GET", "/refused").status == 502, "refused")
                _log_has(srv, "upstream 127.0.0.1:%d failed for GET /refused: Connection refused (502)" % dead)
                check(srv.request("GET", "/slow").status == 504, "slow")
                _log_has(srv, "upstream %s failed for GET /slow: response_header_timeout (504)" % slow.addr)
                check(srv.request("GET", "/garbage").status == 502, "refused, counted")
                check(srv.request("GET", "/garbage").status == 503, "then none left")
                _log_has(srv, "no upstream available for GET /garbage: 127.0.0.1:%d" % dead)
        finally:
            release.set()


def test_proxy_opt_lb_retry_match(binary):
    """Caddy's rule for a request that reached the upstream: retried only
    if lb_retry_match matches it; without lb_retry_match only a GET is
    (a DELETE is not). A request with a body never goes twice, whatever
    matches (ifrit keeps no copy of it). Each case has a first upstream
    that reads the request and closes without answering, and a second
    that answers."""
    def cut(req):
        return Reply(raw=b"")
    cases = [
        ("", "DELETE", "/x", 502),
        ("", "GET", "/x", 200),
        ("\n lb_retry_match {\n  method DELETE\n }", "DELETE", "/x", 200),
        ("\n lb_retry_match {\n  method DELETE\n }", "GET", "/x", 502),
        ("\n lb_retry_match {\n  path /a*\n }\n lb_retry_match {\n  header X-Retry yes\n }", "PUT", "/b", 502),
        ("\n lb_retry_match {\n  path /a*\n }\n lb_retry_match {\n  header X-Retry yes\n }", "PUT", "/a1", 200),
    ]
    for extra, method, path, want in cases:
        with Upstream(cut) as bad, Upstream(echo_app) as good, \
                _srv(binary, "reverse_proxy %s %s {\n lb_policy first\n lb_retries 1\n lb_try_interval 10ms\n"
                     " fail_duration 30s%s\n}" % (bad.addr, good.addr, extra)) as srv:
            r = srv.request(method, path)
            check(r.status == want, "%s %s with %r: %d, want %d" % (method, path, extra, r.status, want))
            check(len(good.requests) == (1 if want == 200 else 0), "second upstream: %r" % good.requests)
    with Upstream(cut) as bad, Upstream(echo_app) as good, \
            _srv(binary, "reverse_proxy %s %s {\n lb_policy first\n lb_retries 1\n lb_try_interval 10ms\n"
                 " fail_duration 30s\n lb_retry_match {\n  method POST\n }\n}" % (bad.addr, good.addr)) as srv:
        r = srv.request("POST", "/body", body=b"payload")
        check(r.status == 502 and not good.requests, "a body is never sent twice: %d %r" % (r.status, good.requests))
