"""End-to-end tests of functions (the `wasm` directive, issue 4): the real
server running guests compiled from tests/guests/fn_*.c (build/guests, or
$IFRIT_GUESTS). Both protocols, every failure status, isolation, env and
args, large and concurrent requests, reload, config errors, pool_size, and
fairness: a spinning function must not hold up other requests on the same
single worker (asserted by ordering, never by a time threshold)."""
import json
import os
import time
import select
import shutil
import signal
import subprocess
import threading

from ifrit_e2e import GUESTS, IO_TIMEOUT, ROOT, E2EError, Server, build_request, built, check


def guest(name):
    return built(os.path.join(GUESTS, name + ".wasm"))


def config(body, workers=1):
    return "{\n\tadmin off\n\tworkers %d\n}\n:@PORT@ {\n%s\n}\n" % (workers, body)


def test_fn_cgi_hello_echo_and_content_type(binary):
    cfg = config("""
	wasm /hello %s
	wasm /echo %s
	route /typed {
		header Content-Type text/csv
		wasm %s
	}
	gojinn /g %s
	reactor /r %s
""" % (guest("fn_hello"), guest("fn_echo"), guest("fn_echo"), guest("fn_hello"), guest("fn_hello")))
    with Server(binary, cfg) as s:
        r = s.request("GET", "/hello")
        check(r.status == 200 and r.body == b"hello from a function\n", r)
        check(r.header("Content-Type") == "text/plain; charset=utf-8", r.headers)
        check(r.header("Content-Length") == str(len(r.body)), r.headers)
        r = s.request("POST", "/echo", body=b"plain words")
        check(r.status == 200 and r.body == b"plain words", r)
        r = s.request("POST", "/echo", body=b' {"a": [1, 2]}')
        check(r.header("Content-Type") == "application/json", r.headers)
        r = s.request("POST", "/echo", body=b'{"a": broken')
        check(r.header("Content-Type").startswith("text/plain"), r.headers)
        r = s.request("POST", "/typed", body=b"a,b\n")
        check(r.header("Content-Type") == "text/csv" and r.body == b"a,b\n", r)
        for alias in ("/g", "/r"):
            r = s.request("GET", alias)
            check(r.status == 200 and r.body == b"hello from a function\n", (alias, r))


def test_fn_cgi_variables_env_and_args(binary):
    cfg = config("""
	wasm /vars* %s {
		env DB_HOST "localhost"
		env API_KEY {env.FN_TEST_SECRET}
		env FROM_PATH {path}
		args --verbose --mode=json
	}
""" % guest("fn_cgi_vars"))
    with Server(binary, cfg, env={"FN_TEST_SECRET": "s3cr3t"}) as s:
        r = s.request("PUT", "/vars/x?a=1&b=2", [("X-Test", "one"), ("X-Test", "two"),
                                               ("Content-Type", "text/plain")], b"payload")
        check(r.status == 200, r)
        got = dict(line.split("=", 1) for line in r.body.decode().splitlines())
        want = {"BODY": "payload", "REQUEST_METHOD": "PUT", "REQUEST_URI": "/vars/x?a=1&b=2",
                "PATH_INFO": "/vars/x", "QUERY_STRING": "a=1&b=2", "CONTENT_TYPE": "text/plain",
                "CONTENT_LENGTH": "7", "REMOTE_ADDR": "127.0.0.1", "HTTP_X_TEST": "one, two",
                "DB_HOST": "localhost", "API_KEY": "s3cr3t", "FROM_PATH": "/vars/x",
                "ARG1": "--verbose", "ARG2": "--mode=json"}
        for k, v in want.items():
            check(got.get(k) == v, "%s: want %r, got %r" % (k, v, got.get(k)))


def test_fn_mount_gives_one_directory(binary):
    cfg = config("""
	wasm /m %s {
		mount ./shared /data
	}
	wasm /none %s
""" % (guest("fn_mount"), guest("fn_mount")))
    with Server(binary, cfg, files={"shared/note.txt": "a note from the host\n"}) as s:
        r = s.request("GET", "/m")
        check(r.status == 200 and r.body == b"a note from the host\noutside: denied\n", r)
        r = s.request("GET", "/none")
        check(r.status == 200 and r.body == b"no note\noutside: denied\n", r)


def test_fn_json_protocol(binary):
    cfg = config("""
	wasm /json/* %s {
		protocol json
	}
""" % guest("fn_json_echo"))
    with Server(binary, cfg) as s:
        r = s.request("POST", "/json/x?q=1", [("X-Multi", "a"), ("x-multi", "b")], b'say "hi"')
        check(r.status == 201, r)
        check(r.header("X-Method") == "POST" and r.header("Content-Type") == "text/plain", r.headers)
        doc = json.loads(r.body)
        check(doc["method"] == "POST" and doc["uri"] == "/json/x?q=1", doc)
        check(doc["headers"]["X-Multi"] == ["a", "b"], doc["headers"])
        check(doc["body"] == 'say "hi"', doc)
        r = s.request("GET", "/json/bad")
        check(r.status == 502, r)
        check(s.wait_log("json protocol: output is not JSON"), s.read_log()[-2000:])
        r = s.request("GET", "/json/badstatus")
        check(r.status == 502, r)
        check(s.wait_log('"status\\" is not an integer'), s.read_log()[-2000:])


FAIL_CFG = """
	wasm /fail %s {
		timeout 2s
		memory_limit 16MB
		max_output 16KB
	}
	wasm /fuel %s {
		fuel 1000000
	}
	respond /alive "alive"
"""


def test_fn_failures_map_to_5xx(binary):
    cfg = config(FAIL_CFG % (guest("fn_fail"), guest("fn_fail")))
    with Server(binary, cfg) as s:
        for query, status, log in (("trap", 500, "trap: "), ("exit", 500, "exited with status 3"),
                                   ("grow", 500, "trap: "), ("big", 500, "larger than max_output"),
                                   ("spin", 504, "timed out")):
            r = s.request("GET", "/fail?" + query)
            check(r.status == status, (query, r))
            check(s.wait_log(log), (query, s.read_log()[-2000:]))
            r = s.request("GET", "/alive")
            check(r.status == 200 and r.body == b"alive", ("server keeps serving after", query, r))
        check("backtrace: #0" in s.read_log(), "trap logged with a backtrace")
        r = s.request("GET", "/fuel?spin")
        check(r.status == 504, r)
        check(s.wait_log("fuel exhausted"), s.read_log()[-2000:])
        r = s.request("GET", "/fail?stderr")
        check(r.status == 200 and r.body == b"ok\n", r)
        check(s.wait_log("first line from the guest") and s.wait_log("second line"), s.read_log()[-2000:])
        check('"logger":"fn:fn_fail.wasm"' in s.read_log(), "stderr tagged with the function")
        r = s.request("GET", "/fail")
        check(r.status == 200 and r.body == b"fine\n", r)


def test_fn_failure_mid_stream_cuts_the_response(binary):
    cfg = config("\twasm /fail %s\n" % guest("fn_fail"))
    with Server(binary, cfg) as s:
        with s.conn() as c:
            c.send(build_request("GET", "/fail?cut"))
            raw = c.read_until_close()
        check(raw.startswith(b"HTTP/1.1 200 ") and b"Transfer-Encoding: chunked" in raw, raw[:300])
        check(not raw.endswith(b"0\r\n\r\n"), "a failed stream must not end like a complete one")
        check(s.wait_log("trap: "), s.read_log()[-2000:])
        r = s.request("GET", "/fail")
        check(r.status == 200, r)


def test_fn_fresh_instance_per_request(binary):
    cfg = config("""
	wasm /on %s
	wasm /off %s {
		snapshot off
	}
""" % (guest("fn_counter"), guest("fn_counter")))
    with Server(binary, cfg) as s:
        for path in ("/on", "/off"):
            for _ in range(4):
                r = s.request("POST", path, body=b"x")
                check(r.status == 200 and r.body == b"global=1 memory=1 boots=1\n", (path, r))


def test_fn_snapshot_semantics(binary):
    cfg = config("""
	wasm /on %s
	wasm /off %s {
		snapshot off
	}
""" % (guest("fn_snapshot_probe"), guest("fn_snapshot_probe")))
    with Server(binary, cfg) as s:
        seen = {}
        for path in ("/on", "/off"):
            lines = [s.request("GET", path).body.decode().splitlines() for _ in range(3)]
            for ls in lines:
                check(ls[0] == "prelude", (path, ls))
            seen[path] = [dict(kv.split("=") for kv in ls[1].split()) for ls in lines]
            check(len({v["after"] for v in seen[path]}) == 3, ("drawn after the read: per request", seen[path]))
        # Drawn before the first read: once at load with the snapshot...
        check(len({v["before"] for v in seen["/on"]}) == 1, seen["/on"])
        # ...and per request without it.
        check(len({v["before"] for v in seen["/off"]}) == 3, seen["/off"])


# Guests of each language with the same contract (tests/guests/fn_env_report.c,
# rust/fn_rust_env_report.rs, as/fn_as_env_*.ts): each prints the variables
# it looked up before (`--early`; AssemblyScript decides that when it is
# compiled, so it has a guest for each) or after reading stdin.
REPORTERS = {("c", "early"): "fn_env_report", ("c", "late"): "fn_env_report",
             ("rust", "early"): "fn_rust_env_report", ("rust", "late"): "fn_rust_env_report",
             ("as", "early"): "fn_as_env_early", ("as", "late"): "fn_as_env_report"}


def reporter_routes(extra=""):
    """One wasm route per reporter guest, protocol and snapshot setting
    (extra: more option lines for each block); returns (routes, [(path,
    protocol)])."""
    routes, cases = [], []
    for (lang, when), name in REPORTERS.items():
        for protocol in ("cgi", "json"):
            for snapshot in ("on", "off"):
                path = "/%s-%s-%s-%s" % (lang, protocol, snapshot, when)
                args = "--%s" % when + (" --json" if protocol == "json" else "")
                routes.append("""
	wasm %s* %s {
		args %s
		env DB_HOST "db.local"
		protocol %s
		snapshot %s
%s	}""" % (path, guest(name), args, protocol, snapshot, extra))
                cases.append((path, protocol))
    return routes, cases


def test_fn_every_language_sees_its_request_variables(binary):
    """With either protocol and either snapshot setting, whenever the guest
    looks (C's getenv and AssemblyScript's process.env lazily, Rust's std
    at start-up, before main), each request sees its own variables. Before
    the snapshot waited for a guest's first look at its environment, Rust
    guests and early lookups saw the load-time ones (REQUEST_METHOD unset)."""
    routes, cases = reporter_routes()
    with Server(binary, config("\n".join(routes))) as s:
        for path, protocol in cases:
            for method, query, tag, body in (("PUT", "a=1", "one", b"payload"), ("DELETE", "b=22", "two", b"")):
                r = s.request(method, path + "?" + query, [("X-Test", tag)], body)
                check(r.status == 200, (path, r))
                got = dict(line.split("=", 1) for line in r.body.decode().splitlines())
                want = {"REQUEST_METHOD": method, "QUERY_STRING": query, "HTTP_X_TEST": tag, "DB_HOST": "db.local"}
                if protocol == "cgi":
                    want["STDIN"] = str(len(body))
                for k, v in want.items():
                    check(got.get(k) == v, "%s %s: %s: want %r, got %r" % (method, path, k, v, got.get(k)))


def test_fn_snapshot_point_per_language(binary):
    """Where the load stops each guest: at its first read of stdin, unless
    it looked at its environment before (Rust's std always does, at
    start-up; C and AssemblyScript when they look early)."""
    cfg = config("""
	wasm /c %s
	wasm /rust %s
	wasm /as %s
	wasm /as-early %s
""" % (guest("fn_env_report"), guest("fn_rust_env_report"), guest("fn_as_env_report"), guest("fn_as_env_early")))
    with Server(binary, cfg) as s:
        r = s.request("GET", "/c")
        check(r.status == 200, r)
        points = {}
        # Each load logs its line when it ends: wait (bounded) for all four.
        deadline = time.monotonic() + IO_TIMEOUT
        while len(points) < 4 and time.monotonic() < deadline:
            for line in s.read_log().splitlines():
                if "snapshot taken at" in line:
                    entry = json.loads(line)
                    points[entry["logger"]] = entry["msg"]
            if len(points) < 4:
                time.sleep(0.05)
        stdin, env = "snapshot taken at the guest's first read of stdin", \
            "snapshot taken at the guest's first look at its environment (before it read stdin)"
        check(points.get("fn:fn_env_report.wasm") == stdin, points)
        check(points.get("fn:fn_rust_env_report.wasm") == env, points)
        check(points.get("fn:fn_as_env_report.wasm") == stdin, points)
        check(points.get("fn:fn_as_env_early.wasm") == env, points)


# esbuild's wasip1 build (npm, pinned by tests/guests/npm/package-lock.json):
# the Go guest of these tests, since Debian's Go cannot build wasip1.
ESBUILD = os.path.join(ROOT, "tests", "guests", "npm", "node_modules", "@esbuild", "wasi-preview1", "esbuild.wasm")


def test_fn_go_guest_sees_its_request_variables(binary):
    """Go's runtime reads its environment while it starts, before package
    init and main: the snapshot is taken there, so GODEBUG set per request
    (inittrace=1 makes the runtime log every package init to stderr)
    reaches the request that sets it and no other, with either snapshot
    setting. Before, the load-time environment (no GODEBUG) was frozen."""
    cfg = config("""
	wasm /on %s {
		args --loader=ts
		env GODEBUG {http.request.header.X-Godebug}
		timeout 30s
	}
	wasm /off %s {
		args --loader=ts
		env GODEBUG {http.request.header.X-Godebug}
		snapshot off
		timeout 30s
	}
""" % (built(ESBUILD), built(ESBUILD)))
    with Server(binary, cfg) as s:
        for path in ("/on", "/off"):
            traced = s.request("POST", path, [("X-Godebug", "inittrace=1")], b"let x: number = 1")
            check(traced.status == 200 and traced.body == b"let x = 1;\n", (path, traced))
            plain = s.request("POST", path, None, b"let y: string = 'a'")
            check(plain.status == 200 and plain.body == b'let y = "a";\n', (path, plain))
        # The runtime's own package is the first init it traces: one line
        # per traced request, none for the two others.
        def traced_requests():
            return [json.loads(line)["msg"].split(":")[0] for line in s.read_log().splitlines()
                    if " init runtime @" in line]
        for _ in range(50):   # the log may lag the responses
            if len(traced_requests()) >= 2:
                break
            time.sleep(0.1)
        check(len(traced_requests()) == 2 and len(set(traced_requests())) == 2, traced_requests())
        check("snapshot taken at the guest's first look at its environment" in s.read_log(), s.read_log()[-2000:])


def test_fn_request_env_off_snapshots_at_stdin(binary):
    """`request_env off`: the environment is the static `env` only, the
    same in every request, so the load runs on to the guest's first stdin
    read even when the guest (Rust's std, Go's runtime, a C guest looking
    early) reads its environment first: nothing that differs per request
    is frozen. Each request still gets its own stdin (two requests with
    different bodies, both protocols, both snapshot settings), no CGI
    variables, and an env with request placeholders is a load error."""
    routes, cases = reporter_routes("\t\trequest_env off\n")
    routes.append("""
	wasm /go %s {
		args --loader=ts
		request_env off
		timeout 30s
	}""" % built(ESBUILD))
    with Server(binary, config("\n".join(routes))) as s:
        for path, protocol in cases:
            for method, body in (("PUT", b"payload"), ("POST", b"")):
                r = s.request(method, path + "?a=1", [("X-Test", "one")], body)
                check(r.status == 200, (path, r))
                got = dict(line.split("=", 1) for line in r.body.decode().splitlines())
                want = {"REQUEST_METHOD": "(unset)", "QUERY_STRING": "(unset)", "HTTP_X_TEST": "(unset)",
                        "DB_HOST": "db.local"}
                if protocol == "cgi":
                    want["STDIN"] = str(len(body))
                for k, v in want.items():
                    check(got.get(k) == v, "%s %s: %s: want %r, got %r" % (method, path, k, v, got.get(k)))
        for body, want in ((b"let x: number = 1", b"let x = 1;\n"), (b"let y: string = 'a'", b'let y = "a";\n')):
            r = s.request("POST", "/go", None, body)
            check(r.status == 200 and r.body == want, (body, r))
        log = s.read_log()
        check("first look at its environment" not in log, log[-2000:])
        for logger in ("fn:fn_rust_env_report.wasm", "fn:esbuild.wasm"):
            check(any(logger in line and "snapshot taken at the guest's first read of stdin" in line
                      for line in log.splitlines()), (logger, log[-2000:]))
    res = validate(binary, "\twasm ./h.wasm {\n\t\tenv TAG {http.request.header.X-Tag}\n\t\trequest_env off\n\t}\n",
                   {"h.wasm": open(guest("fn_hello"), "rb").read()})
    err = res.stderr.decode() + res.stdout.decode()
    check(res.returncode != 0 and "env TAG uses request placeholders, but with request_env off" in err
          and "Caddyfile:" in err, (res.returncode, err))


def test_fn_large_bodies_and_limits(binary):
    cfg = config("""
	route /small {
		request_body {
			max_size 1KB
		}
		wasm %s
	}
	wasm /echo %s
""" % (guest("fn_echo"), guest("fn_echo")))
    big = bytes((i * 7 + i // 251) & 0xFF for i in range(1 << 20))
    with Server(binary, cfg) as s:
        r = s.request("POST", "/echo", body=big)
        check(r.status == 200 and r.body == big, "1 MiB echo: %d bytes back" % len(r.body))
        check(r.header("Transfer-Encoding") == "chunked", "a large answer streams: %r" % r.headers)
        r = s.request("POST", "/small", body=b"y" * 5000)
        check(r.status == 413, r)
        # A chunked request body reaches stdin whole.
        with s.conn() as c:
            c.send(b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                   b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
            r = c.read_response()
            check(r.status == 200 and r.body == b"hello world", r)


def test_fn_concurrent_requests(binary):
    cfg = config("\twasm /echo %s\n" % guest("fn_echo"), workers=2)
    with Server(binary, cfg) as s:
        errors = []

        def one(i):
            try:
                body = ("request %d " % i).encode() * (1 + i * 50)
                for _ in range(5):
                    r = s.request("POST", "/echo", body=body)
                    if r.status != 200 or r.body != body:
                        errors.append((i, r.status, len(r.body)))
            except Exception as e:  # reported below
                errors.append((i, repr(e)))

        threads = [threading.Thread(target=one, args=(i,)) for i in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        check(not errors, errors[:5])


def test_fn_reload_swaps_module(binary):
    cfg = config("\twasm /f ./f.wasm\n")
    with Server(binary, cfg, files={"f.wasm": open(guest("fn_hello"), "rb").read()}) as s:
        r = s.request("GET", "/f")
        check(r.body == b"hello from a function\n", r)
        shutil.copy(guest("fn_counter"), os.path.join(s.dir, "f.wasm"))
        s.reload()
        check(s.wait_log("configuration reloaded"), s.read_log()[-2000:])
        r = s.request("GET", "/f")
        check(r.status == 200 and r.body == b"global=1 memory=1 boots=1\n", r)
        # A broken module is refused and the old one keeps serving.
        with open(os.path.join(s.dir, "f.wasm"), "wb") as f:
            f.write(b"\0asm\x01\0\0\0\x99")
        s.reload()
        check(s.wait_log("reload refused"), s.read_log()[-2000:])
        r = s.request("GET", "/f")
        check(r.status == 200 and r.body == b"global=1 memory=1 boots=1\n", r)


def validate(binary, body, files):
    srv = Server(binary, config(body), files=files)
    try:
        srv.port, srv.port2 = 1, 2
        srv.write_files(files)
        srv.write_config(srv.config_template)
        return subprocess.run([binary, "validate", "--config", srv.config_path], capture_output=True,
                              timeout=30, cwd=srv.dir)
    finally:
        shutil.rmtree(srv.dir, ignore_errors=True)


def test_fn_config_errors(binary):
    hello = open(guest("fn_hello"), "rb").read()
    cases = [
        ("\twasm ./missing.wasm\n", {}, "missing.wasm: cannot read the module: No such file"),
        ("\twasm ./bad.wasm\n", {"bad.wasm": b"\0asm\x01\0\0\0\x99"}, "not a valid WebAssembly module"),
        ("\twasm ./lib.wasm\n", {"lib.wasm": b"\0asm\x01\0\0\0"}, "exports no _start"),
        ("\twasm ./h.wasm {\n\t\tdb_dsn postgres://x\n\t}\n", {"h.wasm": hello},
         "db_dsn needs db_driver sqlite or postgres"),
        ("\tgojinn ./h.wasm {\n\t\tmqtt_broker tcp://x:1883\n\t}\n", {"h.wasm": hello},
         "option 'mqtt_broker' is not supported yet"),
        ("\tgojinn ./h.wasm {\n\t\tcron \"* * * * *\"\n\t}\n", {"h.wasm": hello}, "cron: expected 2 arguments"),
        ("\twasm ./h.wasm {\n\t\ttimout 2s\n\t}\n", {"h.wasm": hello}, "did you mean 'timeout'"),
        ("\twasm ./h.wasm {\n\t\tprotocol xml\n\t}\n", {"h.wasm": hello}, "expected cgi or json"),
        ("\twasm ./h.wasm {\n\t\tmount ./nowhere /data\n\t}\n", {"h.wasm": hello}, "mount: cannot open directory"),
    ]
    for body, files, want in cases:
        res = validate(binary, body, files)
        err = res.stderr.decode() + res.stdout.decode()
        check(res.returncode != 0 and want in err, (want, res.returncode, err))
        check("Caddyfile:" in err, ("error names the file and line", err))
    res = validate(binary, "\twasm ./h.wasm {\n\t\ttimeout 2s\n\t\tmemory_limit 128MB\n\t\tpool_size 4\n\t}\n",
                   {"h.wasm": hello})
    check(res.returncode == 0, res)


def readable(sock):
    return bool(select.select([sock], [], [], 0)[0])


def test_fn_spinning_function_does_not_block_worker(binary):
    cfg = config("""
	wasm /spin %s {
		timeout 60s
	}
	wasm /hello %s
""" % (guest("fn_fail"), guest("fn_hello")), workers=1)
    with Server(binary, cfg) as s:
        spinner = s.conn()
        try:
            spinner.send(build_request("GET", "/spin?spin"))
            for i in range(5):
                r = s.request("GET", "/hello")
                check(r.status == 200 and r.body == b"hello from a function\n", (i, r))
            # The hellos completed while the spinner is still running.
            check(not readable(spinner.sock), "the spinning request must still be running")
        finally:
            spinner.close()
        # The client left: its sandbox is dropped, the worker keeps serving.
        r = s.request("GET", "/hello")
        check(r.status == 200, r)


def test_fn_client_that_stops_reading_loses_its_sandbox_at_the_timeout(binary):
    cfg = config("""
	wasm /p %s {
		pool_size 1
		timeout 2s
		max_output 1GB
	}
""" % guest("fn_fail"), workers=1)
    with Server(binary, cfg) as s:
        stalled = s.conn()
        try:
            # This client never reads: the guest is paused by back-pressure
            # holding the only sandbox, until its deadline frees it.
            stalled.send(build_request("GET", "/p?flood"))
            r = s.request("GET", "/p?fine")
            check(r.status == 200 and r.body == b"fine\n", r)
            # Usually the guest is parked waiting for the client when the
            # deadline passes; on a loaded machine it may still be between
            # slices. Either way the deadline must end it and free the slot.
            check(s.wait_log("request 1: timed out"), s.read_log()[-2000:])
        finally:
            stalled.close()


def test_fn_pool_size_makes_requests_wait(binary):
    cfg = config("""
	wasm /p %s {
		pool_size 1
		timeout 3s
	}
""" % guest("fn_fail"), workers=1)
    with Server(binary, cfg) as s:
        first = s.conn()
        second = s.conn()
        try:
            first.send(build_request("GET", "/p?spin"))
            # The spinner holds the only sandbox, so this one waits for it.
            # A timeout runs from a request's head: sent 1.5 s later, this
            # one still has that long to run once the spinner is stopped
            # (sent at once, the two deadlines raced and it could get 504).
            time.sleep(1.5)
            second.send(build_request("GET", "/p?fine"))
            r2 = second.read_response()
            check(r2.status == 200 and r2.body == b"fine\n", r2)
            check(readable(first.sock), "the first request ended before the second got its sandbox")
            r1 = first.read_response()
            check(r1.status == 504, r1)
        finally:
            first.close()
            second.close()


def test_fn_pool_full_until_the_timeout_is_503(binary):
    # A request's timeout starts when its head arrives. The waiter's head
    # comes first and its body last, after the spinner (whose timeout starts
    # a second later) has taken the only sandbox: the waiter's timeout passes
    # while the spinner still holds the slot, so it gets 503, not a turn.
    cfg = config("""
	wasm /p %s {
		pool_size 1
		timeout 3s
	}
""" % guest("fn_fail"), workers=1)
    with Server(binary, cfg) as s:
        waiter = s.conn()
        spinner = s.conn()
        try:
            waiter.send(build_request("POST", "/p?fine", headers=[("Content-Length", "4")]))
            time.sleep(1.0)
            spinner.send(build_request("GET", "/p?spin"))
            time.sleep(0.5)
            waiter.send(b"body")
            r = waiter.read_response()
            check(r.status == 503, r)
            check(s.wait_log("sandboxes busy until the timeout"), s.read_log()[-2000:])
            check(spinner.read_response().status == 504, "the spinner ends at its own timeout")
        finally:
            waiter.close()
            spinner.close()


def example(name):
    """examples/functions/NAME.wasm, built on demand with the repo's script."""
    path = os.path.join(ROOT, "examples", "functions", name + ".wasm")
    if not os.path.exists(path) or os.path.getmtime(path) < os.path.getmtime(path[:-5] + ".c"):
        res = subprocess.run([os.path.join(ROOT, "scripts", "build-guests.sh"), "examples"],
                             capture_output=True, timeout=300)
        if not os.path.exists(path):
            raise E2EError("cannot build the examples: %s" % res.stdout.decode()[-300:])
    return path


def test_fn_examples_webhook_and_htmx(binary):
    import hashlib
    import hmac
    cfg = config("""
	wasm /webhook %s {
		protocol json
		env WEBHOOK_SECRET "s3cret"
	}
	header /htmx Content-Type "text/html; charset=utf-8"
	wasm /htmx %s
""" % (example("webhook"), example("htmx")))
    with Server(binary, cfg) as s:
        body = b'{"event":"push","ref":"main"}'
        sig = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
        r = s.request("POST", "/webhook", [("X-Signature-256", sig)], body)
        check(r.status == 200 and json.loads(r.body) == {"ok": True, "bytes": len(body)}, r)
        check(r.header("Content-Type") == "application/json", r.headers)
        r = s.request("POST", "/webhook", [("X-Signature-256", sig[:-2] + "00")], body)
        check(r.status == 401 and b"bad signature" in r.body, r)
        r = s.request("POST", "/webhook", body=body)
        check(r.status == 401 and b"missing signature" in r.body, r)
        r = s.request("POST", "/htmx?count=2", [("HX-Request", "true"),
                                                ("Content-Type", "application/x-www-form-urlencoded")],
                      b"name=%3Cb%3EAnn")
        check(r.status == 200 and r.header("Content-Type") == "text/html; charset=utf-8", r)
        check(b"Hello, &lt;b&gt;Ann!" in r.body and b"<li>item 2</li>" in r.body and b'class="htmx"' in r.body, r)
