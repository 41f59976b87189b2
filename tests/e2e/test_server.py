"""Server behaviour that case files cannot express: timeouts against slow
clients, reload with good and bad configs while requests are in flight,
graceful shutdown, the CLI commands, and curl as a real client."""
import os
import signal
import socket
import subprocess
import threading
import time

from ifrit_e2e import E2EError, Server, build_request

BASE = """{
	admin off
	auto_https off
	grace_period 10s
	servers {
		timeouts {
			read_header 1s
			read_body 1s
			idle 1s
		}
	}
}
:@PORT@ {
	respond /hello "hello"
	respond "gen-%s"
}
"""


def expect(cond, why):
    if not cond:
        raise E2EError(why)


def test_slowloris_head_is_cut(binary):
    with Server(binary, BASE % "a") as srv:
        with srv.conn() as c:
            c.send("GET /hello HTTP/1.1\r\nHost: a\r\nX-Slow: 1\r\n")   # never finished
            r = c.read_response()
            expect(r.status == 408, "expected 408, got %d" % r.status)
            expect(c.is_closed_by_server(), "connection should be closed")
        # The server still serves others.
        expect(srv.request("GET", "/hello").body == b"hello", "server stopped serving")


def test_silent_connection_is_closed(binary):
    with Server(binary, BASE % "a") as srv:
        with srv.conn() as c:
            expect(c.is_closed_by_server(), "a connection that sends nothing must be closed")


def test_idle_keepalive_is_closed(binary):
    with Server(binary, BASE % "a") as srv:
        with srv.conn() as c:
            c.send(build_request("GET", "/hello"))
            expect(c.read_response().status == 200, "first request failed")
            expect(c.is_closed_by_server(), "idle keep-alive connection must be closed")


def test_slow_body_is_cut(binary):
    # A handler that never reads leaves the body to be skipped; a client that
    # stops sending it is closed after read_body.
    with Server(binary, BASE % "a") as srv:
        with srv.conn() as c:
            c.send("POST /hello HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nabc")
            expect(c.read_response().status == 200, "response expected first")
            expect(c.is_closed_by_server(), "stalled body must end the connection")


def test_trickled_body_is_cut(binary):
    # read_body bounds the whole body (as Caddy's), not the gap between
    # bytes: a client trickling a byte now and then is still cut off. The
    # client would take 10 s; read_body is 1 s.
    with Server(binary, BASE % "a") as srv:
        with srv.conn() as c:
            c.send("POST /hello HTTP/1.1\r\nHost: a\r\nContent-Length: 50\r\n\r\n")
            expect(c.read_response().status == 200, "response expected first")
            cut = False
            for _ in range(50):   # the whole body, a byte every 0.2 s
                time.sleep(0.2)
                try:
                    c.sock.sendall(b"x")
                except OSError:
                    cut = True
                    break
            expect(cut, "a trickled body must end the connection before it is complete")


def test_many_slow_clients_do_not_block_others(binary):
    with Server(binary, BASE % "a") as srv:
        slow = []
        try:
            for _ in range(50):
                s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
                s.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n")
                slow.append(s)
            for _ in range(5):
                expect(srv.request("GET", "/hello").body == b"hello", "blocked by slow clients")
        finally:
            for s in slow:
                s.close()


def test_long_pipeline_is_answered_in_order(binary):
    # More requests than one turn of the connection serves, sent at once:
    # their responses are gathered into shared sends, across bodies the
    # handler leaves unread, and the last one's Connection: close is kept.
    with Server(binary, BASE % "a") as srv:
        with srv.conn() as c:
            reqs, want = [], []
            for i in range(300):
                kind = i % 3
                if kind == 0:
                    reqs.append(build_request("GET", "/hello"))
                    want.append(("GET", b"hello"))
                elif kind == 1:
                    reqs.append(build_request("POST", "/n%d" % i, body="abc"))
                    want.append(("POST", b"gen-a"))
                else:
                    reqs.append(build_request("HEAD", "/hello"))
                    want.append(("HEAD", b""))
            reqs.append(build_request("GET", "/last", headers=[("Connection", "close")]))
            want.append(("GET", b"gen-a"))
            c.send(b"".join(reqs))
            for i, (method, body) in enumerate(want):
                r = c.read_response(method=method)
                expect(r.status == 200 and r.body == body,
                       "response %d: %d %r, expected 200 %r" % (i, r.status, r.body, body))
            expect(c.is_closed_by_server(), "Connection: close on the last request must close")


def test_chunked_upload_with_curl(binary):
    with Server(binary, BASE % "a") as srv:
        p = subprocess.run(["curl", "-sS", "--max-time", "10", "-H", "Transfer-Encoding: chunked",
                            "--data-binary", "@-", "http://127.0.0.1:%d/hello" % srv.port],
                           input=b"x" * 100000, capture_output=True, timeout=20)
        expect(p.returncode == 0 and p.stdout == b"hello", "curl: %r %r" % (p.stdout, p.stderr))


def test_curl_keepalive_reuses_connection(binary):
    with Server(binary, BASE % "a") as srv:
        url = "http://127.0.0.1:%d/hello" % srv.port
        p = srv.curl("-v", url, url, url)
        expect(p.stdout == b"hellohellohello", "bodies: %r" % p.stdout)
        expect(p.stderr.count(b"Re-using existing connection") + p.stderr.count(b"Reusing existing connection") == 2,
               "curl did not reuse the connection: %r" % p.stderr[-500:])


def test_expect_continue_without_reader(binary):
    # respond never reads the body: no 100 Continue, a final status, close.
    with Server(binary, BASE % "a") as srv:
        with srv.conn() as c:
            c.send("POST /hello HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
            r = c.read_response(allow_interim=True)
            expect(r.status == 200, "expected the final 200 without 100, got %d" % r.status)
            expect(r.header("Connection") == "close", "should close: %r" % r.headers)


def _generation(srv):
    return srv.request("GET", "/").body.decode()


def test_reload_good_and_bad_with_requests_in_flight(binary):
    with Server(binary, BASE % "one") as srv:
        expect(_generation(srv) == "gen-one", "initial config")
        stop = threading.Event()
        errors = []

        def hammer():
            # Keep-alive traffic across every reload: no request may fail.
            try:
                with srv.conn() as c:
                    while not stop.is_set():
                        c.send(build_request("GET", "/hello"))
                        r = c.read_response()
                        if r.status != 200 or r.body != b"hello":
                            errors.append("bad response %r" % r)
            except Exception as e:  # noqa: BLE001
                errors.append(repr(e))

        threads = [threading.Thread(target=hammer) for _ in range(4)]
        for t in threads:
            t.start()
        try:
            # A request whose body is still arriving during the reload.
            inflight = srv.conn()
            inflight.send("POST /hello HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nab")
            srv.reload(BASE.replace("respond /hello", "respnd /hello") % "bad")
            expect(srv.wait_log("reload refused"), "bad config should be refused")
            expect(":14:" in srv.read_log() or "respnd" in srv.read_log(), "error should name the place")
            expect(_generation(srv) == "gen-one", "old config must keep serving")
            srv.reload(BASE % "two")
            deadline = time.monotonic() + 10
            while _generation(srv) != "gen-two" and time.monotonic() < deadline:
                time.sleep(0.02)
            expect(_generation(srv) == "gen-two", "new config not taken")
            r = srv.reload(BASE % "three", use_command=True)
            expect(r.returncode == 0, "ifrit reload failed: %r" % r.stderr)
            deadline = time.monotonic() + 10
            while _generation(srv) != "gen-three" and time.monotonic() < deadline:
                time.sleep(0.02)
            expect(_generation(srv) == "gen-three", "reload command not taken")
            expect(b"configuration reloaded" in r.stdout, "reload reports success: %r" % r.stdout)
            # `ifrit reload` waits for the outcome: a refused config is its error too.
            r = srv.reload(BASE.replace("respond /hello", "respnd /hello") % "bad", use_command=True)
            expect(r.returncode == 1 and b"refused" in r.stderr and b"respnd" in r.stderr,
                   "refused reload reported: rc %d %r" % (r.returncode, r.stderr))
            expect(_generation(srv) == "gen-three", "old config keeps serving after a refused reload")
            inflight.send("cd")
            expect(inflight.read_response().status == 200, "in-flight request failed")
            inflight.close()
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=20)
        expect(not errors, "requests failed during reload: %s" % errors[:3])


def test_reload_moves_listener(binary):
    with Server(binary, BASE % "a") as srv:
        moved = (BASE % "b").replace(":@PORT@ {", ":@PORT@ {\n}\n:@PORT2@ {\n\trespond \"second\"\n")
        srv.reload(moved)
        expect(srv.wait_listening(srv.port2), "new listener not opened")
        expect(srv.request("GET", "/", port=srv.port2).body == b"second", "second site")
        srv.reload(BASE % "c")
        deadline = time.monotonic() + 10
        closed = False
        while time.monotonic() < deadline and not closed:
            try:
                socket.create_connection(("127.0.0.1", srv.port2), timeout=1).close()
                time.sleep(0.02)
            except OSError:
                closed = True
        expect(closed, "removed listener still open")
        expect(_generation(srv) == "gen-c", "first listener must survive")


def test_graceful_shutdown_finishes_in_flight(binary):
    # One worker: it reads the busy connection's bytes before it can answer
    # the idle one, so the order of events below is certain.
    with Server(binary, (BASE % "a").replace("grace_period 10s", "grace_period 10s\n\tworkers 1")) as srv:
        # In flight: a request whose head is still arriving when the stop
        # signal comes; it must still be answered (with Connection: close).
        busy = srv.conn()
        busy.send("GET /hello HTTP/1.1\r\nHost: a\r\n")
        idle = srv.conn()
        idle.send(build_request("GET", "/hello"))
        expect(idle.read_response().status == 200, "idle conn request")
        srv.send_signal(signal.SIGTERM)
        expect(idle.is_closed_by_server(), "idle keep-alive connection should be closed at once")
        busy.send("\r\n")
        r = busy.read_response()
        expect(r.status == 200 and r.header("Connection") == "close", "in-flight: %r" % r)
        expect(busy.is_closed_by_server(), "busy connection should close after its response")
        code = srv.proc.wait(timeout=15)
        expect(code == 0, "exit status %s" % code)
        expect(not os.path.exists(srv.pidfile), "pid file left behind")
        try:
            socket.create_connection(("127.0.0.1", srv.port), timeout=2).close()
            raise E2EError("still accepting after shutdown")
        except OSError:
            pass


def test_validate_command(binary):
    with Server(binary, BASE % "a") as srv:
        ok = subprocess.run([binary, "validate", "--config", srv.config_path], capture_output=True, timeout=20)
        expect(ok.returncode == 0 and b"Valid configuration" in ok.stdout, "validate good: %r" % ok)
        bad = os.path.join(srv.dir, "Bad")
        with open(bad, "w") as f:
            f.write(":8080 {\n\trespnd \"x\"\n}\n")
        r = subprocess.run([binary, "validate", "--config", bad], capture_output=True, timeout=20)
        expect(r.returncode == 1, "validate bad exit %d" % r.returncode)
        expect((bad + ":2:").encode() in r.stderr, "error should be file:line:col: %r" % r.stderr)
        same = subprocess.run([binary, "validate", "--config", srv.config_path, "--adapter", "caddyfile"],
                              capture_output=True, timeout=20)
        expect(same.returncode == 0, "--adapter caddyfile is accepted: %r" % same)
        other = subprocess.run([binary, "validate", "--config", srv.config_path, "--adapter", "json"],
                               capture_output=True, timeout=20)
        expect(other.returncode == 2 and b"only caddyfile" in other.stderr, "--adapter json: %r" % other)


def test_run_refuses_bad_config(binary):
    with Server(binary, BASE % "a") as srv:
        bad = os.path.join(srv.dir, "Bad")
        with open(bad, "w") as f:
            f.write(":%d {\n\trespnd \"x\"\n}\n" % srv.port2)
        r = subprocess.run([binary, "run", "--config", bad, "--pidfile", bad + ".pid"], capture_output=True, timeout=20)
        expect(r.returncode == 1 and (bad + ":2:").encode() in r.stderr, "run bad: %r" % r)


def test_version_and_help(binary):
    v = subprocess.run([binary, "version"], capture_output=True, timeout=10)
    expect(v.returncode == 0 and v.stdout.startswith(b"ifrit "), "version: %r" % v)
    h = subprocess.run([binary, "help"], capture_output=True, timeout=10)
    expect(h.returncode == 0 and b"reload" in h.stdout and b"validate" in h.stdout, "help: %r" % h)
