"""reverse_proxy end to end: the real ifrit binary in front of real upstream
servers (proxy_upstream.py in this process, and nginx from Debian), all on
127.0.0.1. No assertion depends on timing: waits are bounded and only
decide how long to wait for something that must happen."""
import gzip
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time

from ifrit_e2e import E2EError, Server, Skip, check, free_port
from proxy_upstream import Reply, Upstream, echo_app, echo_lines, hanging_app, named_app, saw_header, site

WAIT = 15.0


# -- basics ---------------------------------------------------------------------

def _srv(binary, body, global_opts="workers 1", env=None):
    return Server(binary, site(body, global_opts), env=env)


def test_proxy_basic(binary):
    with Upstream(echo_app) as up, _srv(binary, "reverse_proxy %s" % up.addr) as srv:
        r = srv.request("GET", "/a/b?x=1", headers=[("Connection", "keep-alive, X-Hop"), ("X-Hop", "1"),
                                                    ("Keep-Alive", "timeout=5"), ("X-Keep", "yes")], host="example.test")
        check(r.status == 200, "status %d" % r.status)
        check(echo_lines(r)[0] == "GET /a/b?x=1", "request line seen upstream: %r" % echo_lines(r)[0])
        check(saw_header(r, "Host") == "example.test", "Host passed through: %r" % saw_header(r, "Host"))
        check(saw_header(r, "X-Forwarded-For") == "127.0.0.1", "X-Forwarded-For")
        check(saw_header(r, "X-Forwarded-Proto") == "http", "X-Forwarded-Proto")
        check(saw_header(r, "X-Forwarded-Host") == "example.test", "X-Forwarded-Host")
        check(saw_header(r, "X-Keep") == "yes", "end-to-end header kept")
        for hop in ("X-Hop", "Keep-Alive", "Connection"):
            check(saw_header(r, hop) is None, "hop-by-hop %s removed" % hop)
        r = srv.request("POST", "/p", headers=[("Content-Type", "text/plain")], body=b"hello world")
        check(r.status == 200 and "body-length: 11" in echo_lines(r), "POST body: %r" % r.body)
        r = srv.request("HEAD", "/h")
        check(r.status == 200 and r.body == b"", "HEAD: %r" % r)
        check(r.header("Content-Length") not in (None, "0"), "HEAD keeps the upstream's length")


def test_proxy_xff_replaces_untrusted(binary):
    with Upstream(echo_app) as up, _srv(binary, "reverse_proxy %s" % up.addr) as srv:
        r = srv.request("GET", "/", headers=[("X-Forwarded-For", "6.6.6.6")])
        check(saw_header(r, "X-Forwarded-For") == "127.0.0.1", "incoming X-Forwarded-For is not trusted")


def test_proxy_chunked_request_and_response(binary):
    def app(req):
        return Reply(200, {"X-Len": str(len(req.body))}, chunks=[b"abc", b"", b"defg", b"h" * 70000])
    with Upstream(app) as up, _srv(binary, "reverse_proxy %s" % up.addr) as srv:
        with srv.conn() as c:
            c.send(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n3\r\nabc\r\n0\r\n\r\n")
            r = c.read_response()
            check(r.status == 200 and r.header("X-Len") == "8", "chunked request body relayed: %r" % r)
            check(r.body == b"abcdefg" + b"h" * 70000, "chunked body relayed (%d bytes)" % len(r.body))
            c.send(b"GET /again HTTP/1.1\r\nHost: x\r\n\r\n")
            check(c.read_response().status == 200, "client connection kept after a chunked response")


def test_proxy_keepalive_pool_reuse(binary):
    with Upstream(echo_app) as up, _srv(binary, "reverse_proxy %s" % up.addr) as srv:
        for i in range(20):
            check(srv.request("GET", "/%d" % i).status == 200, "request %d" % i)
        check(len(up.requests) == 20, "20 requests reached the upstream")
        check(up.connections == 1, "one pooled upstream connection for 20 requests, got %d" % up.connections)


def test_proxy_keepalive_off(binary):
    body = "reverse_proxy %s {\n transport http {\n keepalive off\n }\n}"
    with Upstream(echo_app) as up, _srv(binary, body % up.addr) as srv:
        for i in range(3):
            check(srv.request("GET", "/").status == 200, "request")
        check(up.connections == 3, "keepalive off: a connection per request, got %d" % up.connections)


def test_proxy_keepalive_idle_timeout(binary):
    body = "reverse_proxy %s {\n transport http {\n keepalive 100ms\n }\n}"
    with Upstream(echo_app) as up, _srv(binary, body % up.addr) as srv:
        check(srv.request("GET", "/").status == 200, "first request")
        deadline = time.monotonic() + WAIT
        while up.closed < 1:   # ifrit closes the idle pooled connection
            check(time.monotonic() < deadline, "idle upstream connection never closed")
            time.sleep(0.02)
        check(srv.request("GET", "/").status == 200, "second request")
        check(up.connections == 2, "a new connection after the idle one expired: %d" % up.connections)


def test_proxy_bodiless_statuses(binary):
    replies = {"/204": Reply(204, {"X-A": "1"}), "/304": Reply(304, {"ETag": '"e"'}),
               "/head": Reply(200, {}, chunks=[b"abc"])}
    with Upstream(lambda req: replies[req.target]) as up, _srv(binary, "reverse_proxy %s" % up.addr) as srv:
        with srv.conn() as c:
            c.send(b"GET /204 HTTP/1.1\r\nHost: x\r\n\r\nGET /304 HTTP/1.1\r\nHost: x\r\n\r\n"
                   b"HEAD /head HTTP/1.1\r\nHost: x\r\n\r\nGET /head HTTP/1.1\r\nHost: x\r\n\r\n")
            r = c.read_response()
            check(r.status == 204 and r.header("X-A") == "1" and r.body == b"", "204: %r" % r)
            r = c.read_response()
            check(r.status == 304 and r.header("ETag") == '"e"' and r.body == b"", "304: %r" % r)
            r = c.read_response("HEAD")
            check(r.status == 200 and r.body == b"", "HEAD of a chunked resource: %r" % r)
            r = c.read_response()
            check(r.status == 200 and r.body == b"abc", "then GET on the same connection: %r" % r)


def test_proxy_unix_socket(binary):
    d = tempfile.mkdtemp(prefix="ifrit-proxy-")
    try:
        with Upstream(echo_app, unix_path=os.path.join(d, "up.sock")) as up, \
                _srv(binary, "reverse_proxy %s" % up.addr) as srv:
            r = srv.request("GET", "/unix")
            check(r.status == 200 and echo_lines(r)[0] == "GET /unix", "unix socket upstream: %r" % r)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_proxy_header_up_down(binary):
    body = """reverse_proxy %s {
        header_up Host {upstream_hostport}
        header_up X-Path {path}
        header_up +X-Multi one
        header_up -X-Secret
        header_down -Server
        header_down X-Up "from {upstream_hostport}"
        header_down X-Replace aaa bbb
    }"""
    def app(req):
        return Reply(200, {"Server": "secret-upstream", "X-Replace": "xaaay"}, echo_app(req).body)
    with Upstream(app) as up, _srv(binary, body % up.addr) as srv:
        r = srv.request("GET", "/p/q", headers=[("X-Secret", "s"), ("X-Multi", "zero")])
        check(saw_header(r, "Host") == up.addr, "Host from header_up: %r" % saw_header(r, "Host"))
        check(saw_header(r, "X-Path") == "/p/q", "placeholder in header_up")
        check(saw_header(r, "X-Secret") is None, "header_up -X-Secret")
        multi = [l for l in echo_lines(r) if l.lower().startswith("x-multi:")]
        check(len(multi) == 2, "header_up +X-Multi adds: %r" % multi)
        check(r.header("Server") == "ifrit", "header_down -Server removes the upstream's: %r" % r.header("Server"))
        check(r.header("X-Up") == "from " + up.addr, "header_down with {upstream_hostport}: %r" % r.header("X-Up"))
        check(r.header("X-Replace") == "xbbby", "header_down replace: %r" % r.header("X-Replace"))


def test_proxy_keeps_headers_set_before_it(binary):
    """`header` edits made before reverse_proxy survive it; the upstream's
    value of the same field (and its Server) replaces ours."""
    body = """header X-Served-By ifrit
    header X-Both ours
    reverse_proxy %s"""
    def app(req):
        return Reply(200, {"Server": "up-server", "X-Both": "theirs", "X-Up": "1"}, b"ok")
    with Upstream(app) as up, _srv(binary, body % up.addr) as srv:
        r = srv.request("GET", "/")
        check(r.status == 200 and r.body == b"ok", "proxied: %r" % r)
        check(r.header("X-Served-By") == "ifrit", "pre-proxy header kept: %r" % r.header("X-Served-By"))
        check(r.header("X-Both") == "theirs" and r.header_all("X-Both") == ["theirs"],
              "the upstream's value replaces ours: %r" % r.header_all("X-Both"))
        check(r.header("Server") == "up-server", "the upstream's Server replaces ours: %r" % r.header("Server"))
        check(r.header("X-Up") == "1", "upstream header relayed")


# -- large bodies, memory ----------------------------------------------------------

def _rss_kib(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise E2EError("no %s for pid %d" % (field, pid))


def _big_env(binary):
    # ASan keeps freed memory in quarantine (256 MiB by default), which is
    # not what this test measures: keep it small for the sanitizer build.
    return {"ASAN_OPTIONS": "detect_leaks=1:quarantine_size_mb=4"} if "asan" in binary else {}


def test_proxy_large_bodies_flat_memory(binary):
    size = (200 if "asan" not in binary else 64) << 20
    def app(req):
        if req.method == "POST":
            return Reply(200, {}, b"got %d" % up.body_bytes)
        return Reply(200, {}, stream_len=size if req.target == "/big" else 5)
    up = Upstream(app, count_body_only=True)
    with up, _srv(binary, "reverse_proxy %s" % up.addr, env=_big_env(binary)) as srv:
        pid = srv.proc.pid
        check(srv.request("GET", "/warm").status == 200, "warm-up")
        base = _rss_kib(pid, "VmRSS")
        # Download.
        with srv.conn() as c:
            c.send(b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
            c.sock.settimeout(WAIT)
            got = len(_read_head(c)[1])
            while got < size:
                chunk = c.sock.recv(1 << 20)
                check(chunk, "download ended early at %d bytes" % got)
                got += len(chunk)
            check(got == size, "downloaded %d of %d bytes" % (got, size))
        # Upload.
        with srv.conn() as c:
            c.send(b"POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % size)
            block = b"y" * (1 << 20)
            for _ in range(size >> 20):
                c.sock.sendall(block)
            r = c.read_response()
            check(r.status == 200 and r.body == b"got %d" % size, "upload relayed: %r" % r.body[:100])
        peak = _rss_kib(pid, "VmHWM")
        grown = (peak - base) * 1024
        check(grown < size // 4, "RSS grew by %d bytes for a %d-byte body each way (bound %d)" % (grown, size, size // 4))


def _check_cut_off(srv, path, sent):
    """The upstream closed after `sent` body bytes: the client gets the head
    and those bytes, then its connection closes; the server logs it."""
    with srv.conn() as c:
        c.send(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path.encode())
        data = c.read_until_close()
        check(data.startswith(b"HTTP/1.1 200"), "head relayed")
        check(len(data.split(b"\r\n\r\n", 1)[1]) == sent, "short body, then the client connection closes")
    srv.wait_log("middle of the response body")
    check(srv.proc.poll() is None, "server still running")


def test_proxy_large_bodies_spliced(binary):
    """Bodies of known length past 64 KiB go socket to socket through a pipe:
    the bytes must be exact for a client that reads slowly (the pipe fills and
    drains), the client and upstream connections must stay usable after it,
    a cut-off upstream must still cut the client off, and a filter that needs
    the bytes (encode) must still get them."""
    blob = os.urandom(3 << 20)
    def app(req):
        if req.target == "/blob":
            return Reply(200, {"Content-Type": "application/octet-stream"}, blob)
        if req.target == "/text":
            return Reply(200, {"Content-Type": "text/plain"}, b"line of text\n" * 40000)
        if req.target == "/cut":
            def cut(c, req):
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\n\r\n" + b"q" * 300000)
                return False
            return Reply(custom=cut)
        return Reply(200, {}, b"small")
    body = "@gz path /text\nencode @gz gzip\nreverse_proxy %s"
    with Upstream(app) as up, _srv(binary, body % up.addr) as srv:
        with srv.conn() as c:
            c.send(b"GET /blob HTTP/1.1\r\nHost: x\r\n\r\n")
            c.sock.settimeout(WAIT)
            head, got = _read_head(c)
            check(b"Content-Length: %d" % len(blob) in head, "length passed on: %r" % head)
            time.sleep(0.3)   # let the server's output back up
            while len(got) < len(blob):
                chunk = c.sock.recv(32768)
                check(chunk, "body ended early at %d bytes" % len(got))
                got += chunk
                if len(got) < (1 << 20):
                    time.sleep(0.002)
            check(got == blob, "3 MiB body byte for byte (%d bytes)" % len(got))
            c.send(b"GET /after HTTP/1.1\r\nHost: x\r\n\r\n")
            r = c.read_response()
            check(r.status == 200 and r.body == b"small", "same client connection afterwards: %r" % r.body[:50])
        for _ in range(3):
            r = srv.request("GET", "/blob")
            check(r.status == 200 and r.body == blob, "repeated spliced bodies")
        r = srv.request("GET", "/text", headers=[("Accept-Encoding", "gzip")])
        check(r.header("content-encoding") == "gzip", "encode still sees the body")
        check(gzip.decompress(r.body) == b"line of text\n" * 40000, "gzip body decodes to the upstream's")
        _check_cut_off(srv, "/cut", 300000)


# -- errors ------------------------------------------------------------------------

def test_proxy_refused_is_502(binary):
    port = free_port()
    with _srv(binary, "reverse_proxy 127.0.0.1:%d" % port) as srv:
        r = srv.request("GET", "/")
        check(r.status == 502, "refused upstream: %d" % r.status)
        srv.wait_log("127.0.0.1:%d" % port)


def test_proxy_response_header_timeout_is_504(binary):
    release = threading.Event()
    body = "reverse_proxy %s {\n transport http {\n response_header_timeout 200ms\n }\n}"
    with Upstream(hanging_app(release, WAIT)) as up, _srv(binary, body % up.addr) as srv:
        try:
            r = srv.request("GET", "/slow")
            check(r.status == 504, "slow upstream: %d" % r.status)
            srv.wait_log("response_header_timeout")
        finally:
            release.set()


def test_proxy_garbage_and_oversized_heads_are_502(binary):
    replies = {
        "/garbage": Reply(raw=b"this is not http\r\n\r\n"),
        "/huge": Reply(raw=b"HTTP/1.1 200 OK\r\n" + b"X-Big: " + b"a" * 100000 + b"\r\n\r\n"),
        "/closed": Reply(raw=b""),
        "/smuggle": Reply(raw=b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc"),
    }
    with Upstream(lambda req: replies[req.target]) as up, _srv(binary, "reverse_proxy %s" % up.addr) as srv:
        for path in replies:
            r = srv.request("GET", path)
            check(r.status == 502, "%s: status %d" % (path, r.status))
        check(srv.proc.poll() is None, "server still running")
        check(srv.request("GET", "/garbage").status == 502, "and still answering")


def test_proxy_early_close_mid_body(binary):
    def app(req):
        def cut(c, req):
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"z" * 1000)
            return False
        return Reply(custom=cut)
    with Upstream(app) as up, _srv(binary, "reverse_proxy %s" % up.addr) as srv:
        _check_cut_off(srv, "/", 1000)


def test_proxy_all_down_is_503(binary):
    port = free_port()
    body = "reverse_proxy 127.0.0.1:%d {\n fail_duration 30s\n max_fails 1\n}" % port
    with _srv(binary, body) as srv:
        check(srv.request("GET", "/").status == 502, "first failure is a 502")
        check(srv.request("GET", "/").status == 503, "then the only upstream is down: 503")


# -- load balancing ------------------------------------------------------------------

def _two(binary, policy, extra=""):
    a, b = Upstream(named_app("a")).start(), Upstream(named_app("b")).start()
    srv = _srv(binary, "reverse_proxy %s %s {\n lb_policy %s\n %s\n}" % (a.addr, b.addr, policy, extra))
    return a, b, srv


def _bodies(srv, n, path="/", **kw):
    return [srv.request("GET", path, **kw).body.decode() for _ in range(n)]


def test_proxy_lb_first_and_round_robin(binary):
    a, b, srv = _two(binary, "first")
    try:
        with srv:
            check(set(_bodies(srv, 6)) == {"a"}, "first always picks the first")
    finally:
        a.stop(); b.stop()
    a, b, srv = _two(binary, "round_robin")
    try:
        with srv:
            got = _bodies(srv, 6)
            check(all(got[i] != got[i + 1] for i in range(5)), "round_robin alternates: %r" % got)
    finally:
        a.stop(); b.stop()


def test_proxy_lb_hashes_are_sticky(binary):
    for policy, kw in (("uri_hash", {"path": "/same"}), ("ip_hash", {}),
                       ("header X-User", {"headers": [("X-User", "alice")]})):
        a, b, srv = _two(binary, policy)
        try:
            with srv:
                check(len(set(_bodies(srv, 8, **dict(kw)))) == 1, "%s is sticky" % policy)
        finally:
            a.stop(); b.stop()


def test_proxy_lb_cookie(binary):
    a, b, srv = _two(binary, "cookie lb")
    try:
        with srv:
            r = srv.request("GET", "/")
            cookie = r.header("Set-Cookie")
            check(cookie and cookie.startswith("lb="), "cookie policy sets its cookie: %r" % cookie)
            value = cookie.split(";")[0]
            got = {srv.request("GET", "/", headers=[("Cookie", value)]).body for _ in range(8)}
            check(got == {r.body}, "the cookie keeps the upstream: %r" % got)
    finally:
        a.stop(); b.stop()


def test_proxy_lb_random_and_least_conn_use_both(binary):
    for policy in ("random", "least_conn"):
        a, b, srv = _two(binary, policy)
        try:
            with srv:
                got = set(_bodies(srv, 60))
                check(got == {"a", "b"}, "%s reaches both upstreams: %r" % (policy, got))
        finally:
            a.stop(); b.stop()


def test_proxy_retries_skip_dead_upstream(binary):
    dead = free_port()
    with Upstream(named_app("live")) as live, \
            _srv(binary, "reverse_proxy 127.0.0.1:%d %s {\n lb_policy first\n lb_retries 2\n lb_try_interval 10ms\n fail_duration 30s\n}" % (dead, live.addr)) as srv:
        for _ in range(3):
            r = srv.request("GET", "/")
            check(r.status == 200 and r.body == b"live", "retried on the live upstream: %r" % r)


def test_proxy_no_retry_for_post_after_send(binary):
    def app(req):
        return Reply(raw=b"")   # reads the request, then closes without answering
    with Upstream(app) as up, \
            _srv(binary, "reverse_proxy %s {\n lb_retries 3\n lb_try_interval 10ms\n}" % up.addr) as srv:
        r = srv.request("POST", "/", body=b"once")
        check(r.status == 502, "POST failed upstream: %d" % r.status)
        check(len([q for q in up.requests if q.method == "POST"]) == 1, "a POST is never sent twice")


def test_proxy_unhealthy_status_passive(binary):
    bad = Upstream(lambda req: Reply(503, {}, b"bad")).start()
    good = Upstream(named_app("good")).start()
    body = "reverse_proxy %s %s {\n lb_policy first\n fail_duration 30s\n unhealthy_status 5xx\n}" % (bad.addr, good.addr)
    try:
        with _srv(binary, body) as srv:
            check(srv.request("GET", "/").status == 503, "the first answer is relayed")
            check(srv.request("GET", "/").body == b"good", "then the 5xx upstream is skipped")
    finally:
        bad.stop(); good.stop()


def test_proxy_active_health_transitions(binary):
    a = Upstream(named_app("a")).start()
    b = Upstream(named_app("b")).start()
    port_b = b.port
    body = ("reverse_proxy %s %s {\n lb_policy round_robin\n health_uri /health\n"
            " health_interval 100ms\n health_timeout 1s\n}") % (a.addr, b.addr)
    try:
        with _srv(binary, body) as srv:
            check(set(_bodies(srv, 4)) == {"a", "b"}, "both serve while healthy")
            b.stop()
            srv.wait_log("upstream 127.0.0.1:%d is unhealthy" % port_b)
            check(set(_bodies(srv, 6)) == {"a"}, "b left the rotation")
            b = Upstream(named_app("b"), port=port_b).start()
            srv.wait_log("upstream 127.0.0.1:%d is healthy again" % port_b)
            check(set(_bodies(srv, 6)) == {"a", "b"}, "b came back")
    finally:
        a.stop(); b.stop()


# -- streaming -----------------------------------------------------------------------

def test_proxy_sse_flushes_each_event(binary):
    second = threading.Event()
    def app(req):
        def sse(c, req):
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
            ev = b"data: one\n\n"
            c.sendall(b"%x\r\n%s\r\n" % (len(ev), ev))
            second.wait(WAIT)   # the client must see event one before event two exists
            ev = b"data: two\n\n"
            c.sendall(b"%x\r\n%s\r\n0\r\n\r\n" % (len(ev), ev))
            return True
        return Reply(custom=sse)
    with Upstream(app) as up, _srv(binary, "reverse_proxy %s {\n flush_interval -1\n}" % up.addr) as srv:
        with srv.conn() as c:
            c.send(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
            c.sock.settimeout(WAIT)
            buf = b""
            try:
                while b"data: one" not in buf:
                    got = c.sock.recv(4096)
                    check(got, "connection closed before the first event")
                    buf += got
            finally:
                second.set()
            while b"0\r\n\r\n" not in buf:
                buf += c.sock.recv(4096)
            check(b"data: two" in buf, "second event relayed")


def _slow_upstream(ctype, first, rest, go):
    """Sends the head (with Content-Length) and `first`, waits for `go`,
    then sends `rest`."""
    def app(req):
        def slow(c, req):
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n"
                      % (ctype, len(first) + len(rest)))
            for i in range(0, len(first), 10):   # several small writes
                c.sendall(first[i:i + 10])
            go.wait(WAIT)
            c.sendall(rest)
            return True
        return Reply(custom=slow)
    return app


def _read_head(c):
    """Reads up to the end of a response head: (head, the body bytes read with it)."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        got = c.sock.recv(65536)
        check(got, "closed before the head")
        buf += got
    head, rest = buf.split(b"\r\n\r\n", 1)
    return head, rest


def test_proxy_flush_interval_holds_then_flushes(binary):
    first, rest = b"a" * 100, b"b" * 50
    # A long interval: the bytes of a response with a known length wait
    # (here: for the rest of the body, which completes the response).
    go = threading.Event()
    with Upstream(_slow_upstream(b"text/plain", first, rest, go)) as up, \
            _srv(binary, "reverse_proxy %s {\n flush_interval 1h\n}" % up.addr) as srv:
        with srv.conn() as c:
            c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            c.sock.settimeout(WAIT)
            body = _read_head(c)[1]
            c.sock.settimeout(0.5)
            try:
                body += c.sock.recv(4096)
            except socket.timeout:
                pass
            check(body == b"", "body bytes held for flush_interval: got %r" % body[:20])
            go.set()
            c.sock.settimeout(WAIT)
            while len(body) < 150:
                got = c.sock.recv(4096)
                check(got, "closed early")
                body += got
            check(body == first + rest, "whole body once complete")
    # A short interval: held bytes go out on the timer, with no more input.
    go = threading.Event()
    with Upstream(_slow_upstream(b"text/plain", first, rest, go)) as up, \
            _srv(binary, "reverse_proxy %s {\n flush_interval 50ms\n}" % up.addr) as srv:
        with srv.conn() as c:
            c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            c.sock.settimeout(WAIT)
            body = _read_head(c)[1]
            try:
                while len(body) < len(first):
                    got = c.sock.recv(4096)
                    check(got, "closed early")
                    body += got
            finally:
                go.set()
            check(body == first, "the timer flushed the first part: %r" % body[:20])


def test_proxy_flush_interval_ignored_for_event_streams(binary):
    first, rest = b"data: one\n\n", b"data: two\n\n"
    go = threading.Event()
    with Upstream(_slow_upstream(b"text/event-stream; charset=utf-8", first, rest, go)) as up, \
            _srv(binary, "reverse_proxy %s {\n flush_interval 1h\n}" % up.addr) as srv:
        with srv.conn() as c:
            c.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            c.sock.settimeout(WAIT)
            body = _read_head(c)[1]
            try:
                while len(body) < len(first):
                    got = c.sock.recv(4096)
                    check(got, "closed early")
                    body += got
            finally:
                go.set()
            check(body == first, "text/event-stream flushed at once: %r" % body)


# -- realism: nginx as the upstream ----------------------------------------------------

def test_proxy_nginx_upstream(binary):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(nginx):
        raise Skip("nginx not installed")
    d = tempfile.mkdtemp(prefix="ifrit-nginx-")
    port = free_port()
    with open(os.path.join(d, "big.bin"), "wb") as f:
        f.write(os.urandom(3 << 20))
    conf = os.path.join(d, "nginx.conf")
    with open(conf, "w") as f:
        f.write("""daemon off; worker_processes 1; pid %(d)s/nginx.pid; error_log %(d)s/error.log;
events { worker_connections 64; }
http { access_log off; client_body_temp_path %(d)s; proxy_temp_path %(d)s; fastcgi_temp_path %(d)s;
  uwsgi_temp_path %(d)s; scgi_temp_path %(d)s; keepalive_requests 1000;
  server { listen 127.0.0.1:%(p)d; root %(d)s;
    location = /small { return 200 "small from nginx\\n"; } } }
""" % {"d": d, "p": port})
    proc = subprocess.Popen([nginx, "-c", conf, "-e", os.path.join(d, "error.log")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + WAIT
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                check(time.monotonic() < deadline and proc.poll() is None, "nginx did not start")
                time.sleep(0.05)
        with _srv(binary, "reverse_proxy 127.0.0.1:%d" % port) as srv:
            r = srv.request("GET", "/small")
            check(r.status == 200 and r.body == b"small from nginx\n", "small: %r" % r)
            with open(os.path.join(d, "big.bin"), "rb") as f:
                want = f.read()
            r = srv.request("GET", "/big.bin")
            check(r.status == 200 and r.body == want, "3 MiB file through ifrit from nginx")
            r = srv.request("GET", "/missing")
            check(r.status == 404, "nginx 404 relayed: %d" % r.status)
    finally:
        proc.terminate()
        proc.wait(WAIT)
        shutil.rmtree(d, ignore_errors=True)
