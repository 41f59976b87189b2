"""End-to-end tests of the wasm_plugin directive: plugins written in C in
tests/plugins (built into build/plugins by scripts/build-guests.sh) in
front of respond, file_server, reverse_proxy and functions; every limit,
fail-open, auto-disable and re-enable on reload."""
import gzip
import os
import shutil
import subprocess
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ifrit_e2e import GUESTS, IO_TIMEOUT, PLUGINS, ROOT, Server, built, check, free_port


def plugin(name):
    return built(os.path.join(PLUGINS, name + ".wasm"))


def plugin_bytes(name):
    with open(plugin(name), "rb") as f:
        return f.read()


def validate(binary, config, files=None):
    """Runs `ifrit validate` on config; returns (exit code, output)."""
    d = tempfile.mkdtemp(prefix="ifrit-e2e-validate-")
    try:
        for rel, content in (files or {}).items():
            with open(os.path.join(d, rel), "wb") as f:
                f.write(content)
        path = os.path.join(d, "Caddyfile")
        with open(path, "w") as f:
            f.write(config.replace("@DIR@", d).replace("@ROOT@", ROOT))
        p = subprocess.run([binary, "validate", "--config", path], capture_output=True, timeout=30, cwd=d)
        return p.returncode, (p.stdout + p.stderr).decode("utf-8", "replace")
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_header_injection_and_request_view(binary):
    plugin("add_header")
    plugin("echo")
    config = """:@PORT@ {
	handle /echo* {
		wasm_plugin @ROOT@/build/plugins/echo.wasm {
			config color=blue size=3
		}
	}
	wasm_plugin @ROOT@/build/plugins/add_header.wasm
	respond "seen={header.X-Plugin}"
}
"""
    with Server(binary, config) as s:
        r = s.request("GET", "/x")
        check(r.status == 200 and r.body == b"seen=injected", r)
        check(r.header("X-Plugin-Seen") == "yes", r.headers)
        r = s.request("POST", "/echo/a?b=1", [("X-Mixed-Case", "v")], body=b"hi")
        check(r.status == 200, r)
        body = r.body.decode()
        check("method=POST\n" in body, body)
        check("path=/echo/a?b=1\n" in body, body)
        check("tls=0\n" in body and "ip=127.0.0.1\n" in body, body)
        check("config=color=blue\nsize=3\n" in body and "color=blue\n" in body, body)
        check("x-mixed-case," in body and "host," in body, "names are lowercased: " + body)
        # The site-level plugin ran first (add_header is in the outer list).
        check("x-plugin," in body, body)


def test_auth_plugin_answers_401_with_body(binary):
    plugin("auth")
    config = """:@PORT@ {
	wasm_plugin ./auth.wasm {
		priority 50
		fuel 500000
		memory_mb 4
		timeout_ms 20
		config token=s3cret
	}
	respond "welcome"
}
"""
    with Server(binary, config, files={"auth.wasm": plugin_bytes("auth")}) as s:
        r = s.request("GET", "/")
        check(r.status == 401, r)
        check(r.body == b"unauthorized\n", r.body)
        check(r.header("WWW-Authenticate") == 'Bearer realm="test"', r.headers)
        check(r.header("Content-Length") == str(len(r.body)), r.headers)
        r = s.request("GET", "/", [("Authorization", "Bearer wrong")])
        check(r.status == 401, r)
        r = s.request("GET", "/", [("Authorization", "Bearer s3cret")])
        check(r.status == 200 and r.body == b"welcome", r)
        check(s.wait_log("refused a request without the token"), "the plugin's log line is missing")


def test_path_rewrite_before_respond_and_file_server(binary):
    plugin("rewrite")
    config = """:@PORT@ {
	root * @DIR@/www
	wasm_plugin @ROOT@/build/plugins/rewrite.wasm
	respond /new/echo "path={path} query={query}"
	file_server
}
"""
    with Server(binary, config, files={"www/new/a.txt": b"new file\n", "www/old/a.txt": b"old file\n"}) as s:
        r = s.request("GET", "/old/echo?x=1")
        check(r.body == b"path=/new/echo query=x=1", r.body)
        r = s.request("GET", "/old/a.txt")
        check(r.status == 200 and r.body == b"new file\n", r)
        r = s.request("GET", "/other")
        check(r.status == 404, r)


def test_response_header_rewrite(binary):
    plugin("resp_header")
    config = """:@PORT@ {
	root * @DIR@/www
	wasm_plugin @ROOT@/build/plugins/resp_header.wasm
	header X-Secret hidden
	respond /r "hello"
	file_server
}
"""
    with Server(binary, config, files={"www/f.txt": b"file\n"}) as s:
        for path, body in (("/r", b"hello"), ("/f.txt", b"file\n")):
            r = s.request("GET", path)
            check(r.status == 203, r)
            check(r.body == body, r.body)
            check(r.header("X-Saw-Status") == "200", r.headers)
            check(r.header("X-Secret") is None, "X-Secret should be removed: %r" % r.headers)
            check(r.header("Server") == "plugged", r.headers)
        # The router's own error responses pass the response hooks too.
        r = s.request("GET", "/missing")
        check(r.status == 404, r)
        check(r.header("X-Saw-Status") == "404", "on_response did not see the 404: %r" % r.headers)
        check(r.header("Server") == "plugged", r.headers)


def test_response_hooks_see_router_errors(binary):
    """404 (no file), 405 (file_server and POST), 413 (request_body), with
    and without handle_errors: every one passes on_response and on_body."""
    plugin("resp_header")
    plugin("upper")
    config = """:@PORT@ {
	root * @DIR@/www
	wasm_plugin @ROOT@/build/plugins/resp_header.wasm
	wasm_plugin @ROOT@/build/plugins/upper.wasm
	handle /small* {
		request_body {
			max_size 4
		}
		respond "never"
	}
	handle /errors/* {
		error "gone away" 410
	}
	file_server
	handle_errors 410 {
		respond "error page {err.status_code}"
	}
}
"""
    with Server(binary, config, files={"www/f.txt": b"file\n"}) as s:
        for method, path, body, status in (("GET", "/nope", None, 404), ("POST", "/f.txt", b"x", 405),
                                           ("POST", "/small", b"0123456789", 413)):
            r = s.request(method, path, body=body)
            check(r.status == status, "%s %s: %r" % (method, path, r))
            check(r.header("X-Saw-Status") == str(status), "%s: on_response did not run: %r" % (path, r.headers))
            check(r.body == b"[END]", "%s: on_body did not run: %r" % (path, r.body))
        r = s.request("GET", "/errors/x")
        check(r.status == 410 and r.header("X-Saw-Status") == "410", r)
        check(r.body == b"ERROR PAGE 410[END]", r.body)


def test_no_state_survives_between_calls(binary):
    """counter.wasm counts its calls in a static and in a page it grows; an
    instance reused without a full reset would report growing numbers."""
    plugin("counter")
    config = """:@PORT@ {
	wasm_plugin @ROOT@/build/plugins/counter.wasm
	respond "{header.X-Counter}"
}
"""
    with Server(binary, config) as s:
        seen = set()
        for i in range(12):
            r = s.request("GET", "/n%d" % i)
            check(r.status == 200, r)
            seen.add((r.body, r.header("X-Counter")))
        check(len(seen) == 1, "state leaked between calls: %r" % sorted(seen))
        body, resp = seen.pop()
        req_calls, req_grown, req_pages = body.decode().split()
        check(req_calls == "1" and req_grown == "1", "on_request saw %r" % body)
        check(resp == body.decode(), "on_response saw %r, on_request %r" % (resp, body))


def test_body_transformer_across_chunks(binary):
    plugin("upper")
    text = b"".join(b"line %05d of the body, lowercase words\n" % i for i in range(1500))   # ~60 KB: several chunks
    config = """:@PORT@ {
	root * @DIR@/www
	wasm_plugin @ROOT@/build/plugins/upper.wasm
	respond /r "small body"
	file_server
}
"""
    with Server(binary, config, files={"www/big.txt": text}) as s:
        r = s.request("GET", "/big.txt")
        check(r.status == 200, r)
        check(r.header("Content-Length") is None, "length must go, the body changes: %r" % r.headers)
        check(r.body == text.upper() + b"[END]", "body not uppercased whole: %r" % r.body[-80:])
        r = s.request("GET", "/r")
        check(r.body == b"SMALL BODY[END]", r.body)
        r = s.request("HEAD", "/big.txt")
        check(r.status == 200 and r.body == b"", r)


def test_body_hooks_see_the_identity_body_under_encode(binary):
    plugin("upper")
    text = b"".join(b"line %05d of a compressible body\n" % i for i in range(800))
    config = """:@PORT@ {
	root * @DIR@/www
	encode gzip
	wasm_plugin @ROOT@/build/plugins/upper.wasm
	file_server
}
"""
    with Server(binary, config, files={"www/big.txt": text}) as s:
        r = s.request("GET", "/big.txt", [("Accept-Encoding", "gzip")])
        check(r.status == 200, r)
        check(r.header("Content-Encoding") == "gzip", r.headers)
        check(r.header("Content-Length") is None, r.headers)
        check(gzip.decompress(r.body) == text.upper() + b"[END]", "plugin did not see the identity body")
        r = s.request("GET", "/big.txt")
        check(r.header("Content-Encoding") is None and r.header("Content-Length") is None, r.headers)
        check(r.body == text.upper() + b"[END]", r.body[-60:])


def test_priority_order_and_skip(binary):
    plugin("order")
    plugin("skip")
    plugin("add_header")
    config = """:@PORT@ {
	handle /skip* {
		wasm_plugin @ROOT@/build/plugins/add_header.wasm {
			priority 2
		}
		wasm_plugin @ROOT@/build/plugins/skip.wasm {
			priority 1
		}
		respond "skipped={header.X-Plugin}"
	}
	wasm_plugin @ROOT@/build/plugins/order.wasm {
		priority 20
		config c
	}
	wasm_plugin @ROOT@/build/plugins/order.wasm {
		priority 10
		config a
	}
	wasm_plugin @ROOT@/build/plugins/order.wasm {
		priority 10
		config b
	}
	respond "order={header.X-Order}"
}
"""
    with Server(binary, config) as s:
        r = s.request("GET", "/")
        check(r.body == b"order=a,b,c", r.body)
        check(r.header("X-Order-Resp") == "a,b,c", r.headers)
        r = s.request("GET", "/skip")
        check(r.status == 200 and r.body == b"skipped=", "the plugin after skip must not run: %r" % r.body)
        check(r.header("X-Plugin-Seen") is None, r.headers)


def test_respond_without_a_response_is_503(binary):
    plugin("respond_default")
    config = """:@PORT@ {
	wasm_plugin @ROOT@/build/plugins/respond_default.wasm
	respond "not reached"
}
"""
    with Server(binary, config) as s:
        r = s.request("GET", "/")
        check(r.status == 503 and r.body == b"", r)


def test_every_limit_fires_and_fails_open(binary):
    plugin("spin")
    plugin("memhog")
    plugin("bad_pointer")
    config = """:@PORT@ {
	handle /fuel {
		wasm_plugin @ROOT@/build/plugins/spin.wasm {
			fuel 100000
			timeout 30s
		}
		respond "fuel: continued"
	}
	handle /time {
		wasm_plugin @ROOT@/build/plugins/spin.wasm {
			fuel 1000000000000000
			timeout_ms 30
		}
		respond "time: continued"
	}
	handle /mem2 {
		wasm_plugin @ROOT@/build/plugins/memhog.wasm {
			memory_mb 2
		}
	}
	handle /mem1 {
		wasm_plugin @ROOT@/build/plugins/memhog.wasm {
			memory 1
		}
	}
	handle /memdefault {
		wasm_plugin @ROOT@/build/plugins/memhog.wasm
	}
	handle /pointer {
		wasm_plugin @ROOT@/build/plugins/bad_pointer.wasm
		respond "pointer: continued"
	}
}
"""
    with Server(binary, config) as s:
        r = s.request("GET", "/fuel")
        check(r.status == 200 and r.body == b"fuel: continued", r)
        check(s.wait_log("out of fuel"), "no fuel trap logged")
        r = s.request("GET", "/time")
        check(r.status == 200 and r.body == b"time: continued", r)
        check(s.wait_log("interrupted"), "no timeout trap logged")
        # twice each: the second call starts from the snapshot's size again
        for path, pages in (("/mem2", 32), ("/mem2", 32), ("/mem1", 16), ("/memdefault", 256), ("/mem1", 16)):
            r = s.request("GET", path)
            check(r.status == 200 and r.header("X-Pages") == str(pages),
                  "%s: memory.grow should stop at %d pages: %r" % (path, pages, r))
        r = s.request("GET", "/pointer")
        check(r.status == 200 and r.body == b"pointer: continued", r)
        check(s.wait_log("outside the plugin's memory"), "bad pointer not trapped")
        log = s.read_log()
        check("spin.wasm trapped in on_request (1 consecutive)" in log, log[-2000:])


def test_auto_disable_after_ten_traps_and_reenable_on_reload(binary):
    plugin("trap")
    plugin("add_header")
    slow = built(os.path.join(GUESTS, "loop.wasm"))
    # Two lines with the same file: each counts its own traps. A plugin's
    # state is keyed by its line, so the reloads below change only the
    # text the default handle answers with (@TAG@), which tells which plan
    # served a request. The function on /slow spins in its start-up until
    # its load allowance (1 s) ends, so every load of this config takes a
    # second: requests sent right after a reload signal are certain to be
    # answered by the old plan, and the test must wait for the new one.
    config = """:@PORT@ {
	handle /a {
		wasm_plugin ./p.wasm
		respond "a={header.X-Plugin}"
	}
	handle /slow {
		wasm ./slow.wasm {
			timeout 1s
		}
	}
	handle {
		wasm_plugin ./p.wasm
		respond "@TAG@={header.X-Plugin}"
	}
}
"""

    def served_by(s, tag):
        """Requests / until the plan tagged tag answers (workers take a new
        plan from their mailbox some time after the reload is logged);
        that answer's body, or the last one at the deadline."""
        deadline = time.monotonic() + IO_TIMEOUT
        body = b""
        while time.monotonic() < deadline:
            body = s.request("GET", "/").body
            if body.startswith(tag.encode() + b"="):
                break
        return body

    with Server(binary, config.replace("@TAG@", "x"),
                files={"p.wasm": plugin_bytes("trap"), "slow.wasm": open(slow, "rb").read()}) as s:
        for _ in range(12):
            r = s.request("GET", "/")
            check(r.status == 200 and r.body == b"x=", "fail-open: %r" % r)
        check(s.wait_log("disabled after 10 consecutive traps"), "no disable line")
        log = s.read_log()
        check(log.count("trapped in on_request") == 10, "a disabled plugin must not run: %d traps"
              % log.count("trapped in on_request"))
        check("(10 consecutive)" in log and "(11 consecutive)" not in log, log[-1500:])
        # The other line still runs, from its own count.
        for _ in range(2):
            r = s.request("GET", "/a")
            check(r.status == 200 and r.body == b"a=", "fail-open: %r" % r)
        log = s.read_log()
        check(log.count("trapped in on_request") == 12, "the other line must still run: %d traps"
              % log.count("trapped in on_request"))
        check(log.count("(2 consecutive)") == 2, "the other line must count from 1: %s" % log[-800:])
        # The same file again: still disabled, also in the new plan.
        s.reload(config.replace("@TAG@", "y"))
        body = served_by(s, "y")
        check(body == b"y=", "the reloaded plan did not answer, or the unchanged plugin ran: %r" % body)
        for _ in range(3):
            check(s.request("GET", "/").body == b"y=", "the unchanged plugin ran")
        check(s.read_log().count("trapped in on_request") == 12, "an unchanged file must stay disabled")
        # A fixed file at the same path: enabled again.
        s.write_files({"p.wasm": plugin_bytes("add_header")})
        s.reload(config.replace("@TAG@", "z"))
        body = served_by(s, "z")
        check(body == b"z=injected", "the fixed plugin did not run after reload: %r" % body)


def test_load_errors_name_the_file(binary):
    plugin("no_hooks")
    cases = [
        ("wasm_plugin ./missing.wasm", {}, "missing.wasm"),
        ("wasm_plugin ./garbage.wasm", {"garbage.wasm": b"not wasm at all"}, "not a valid WebAssembly module"),
        ("wasm_plugin ./none.wasm", {"none.wasm": plugin_bytes("no_hooks")}, "exports none of on_request"),
    ]
    for line, files, needle in cases:
        code, out = validate(binary, ":8080 {\n\t%s\n\trespond ok\n}\n" % line, files)
        check(code == 1, "%s: should be refused: %s" % (line, out))
        check(needle in out, "%s: expected %r in %r" % (line, needle, out))
        check(line.split()[1][2:] in out, "%s: the error must name the file: %s" % (line, out))
    # Option errors point at the line in the Caddyfile.
    for block, needle in (("fuel lots", "Caddyfile:3:8: fuel: expected an integer"),
                          ("colour red", "unknown wasm_plugin option 'colour'"),
                          ("timeout soon", "Caddyfile:3:11:"),
                          ("config \"a\"\n\t\tconfig k=v", "config given twice")):
        code, out = validate(binary, ":8080 {\n\twasm_plugin ./p.wasm {\n\t\t%s\n\t}\n}\n" % block,
                             {"p.wasm": plugin_bytes("noop")})
        check(code == 1 and needle in out, "%s: expected %r in %r" % (block, needle, out))


def test_startup_reads_config_and_logs(binary):
    plugin("startup_config")
    config = """:@PORT@ {
	wasm_plugin ./start.wasm {
		config "mode=fast"
	}
	respond "not reached"
}
"""
    with Server(binary, config, files={"start.wasm": plugin_bytes("startup_config")}) as s:
        r = s.request("GET", "/")
        check(r.status == 200 and r.body == b"started\n", r)
        check(r.header("X-Startup-Config") == "mode=fast", "the config read at start-up: %r" % r.headers)
        check(s.wait_log("startup config=mode=fast"), "the start-up log line is missing")
        check("plugin:start.wasm" in s.read_log(), "the log line must carry the plugin's logger name")


def test_hook_only_call_at_startup_is_a_config_error(binary):
    plugin("startup_hook_call")
    plugin("startup_config")
    code, out = validate(binary, ":8080 {\n\twasm_plugin ./bad.wasm\n\trespond ok\n}\n",
                         {"bad.wasm": plugin_bytes("startup_hook_call")})
    check(code == 1, "should be refused without a crash: %d %s" % (code, out))
    check("bad.wasm" in out and "_initialize failed" in out and "header_get" in out, out)
    check("may import only" not in out, "not an import error: " + out)
    # A running server refuses a reload to it and keeps serving the old plugin.
    config = """:@PORT@ {
	wasm_plugin ./p.wasm {
		config "old"
	}
	respond "not reached"
}
"""
    with Server(binary, config, files={"p.wasm": plugin_bytes("startup_config")}) as s:
        check(s.request("GET", "/").header("X-Startup-Config") == "old", "the first load")
        s.write_files({"p.wasm": plugin_bytes("startup_hook_call")})
        s.reload(config.replace('"old"', '"new"'))
        check(s.wait_log("reload refused"), s.read_log()[-2000:])
        r = s.request("GET", "/")
        check(r.status == 200 and r.header("X-Startup-Config") == "old", "the old config must serve: %r" % r)


def test_import_hint_only_on_unknown_imports(binary):
    hint = "plugins may import only"
    for name, needle, want_hint in (("big_memory", "cannot allocate memory", False),
                                    ("bad_import", "unknown import ifrit.no_such_function", True)):
        code, out = validate(binary, ":8080 {\n\twasm_plugin ./p.wasm {\n\t\tmemory_mb 1\n\t}\n"
                             "\trespond ok\n}\n", {"p.wasm": plugin_bytes(name)})
        check(code == 1 and needle in out and "p.wasm" in out, "%s: %s" % (name, out))
        check((hint in out) == want_hint, "%s: the import hint %s: %s"
              % (name, "is missing" if want_hint else "does not belong", out))


class _Upstream(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"   # keep-alive, as most upstreams

    def do_GET(self):
        body = ("upstream saw x-plugin=%s" % self.headers.get("X-Plugin")).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_plugins_in_front_of_reverse_proxy(binary):
    plugin("add_header")
    plugin("upper")
    code, out = validate(binary, ":8080 {\n\treverse_proxy 127.0.0.1:9\n}\n")
    check(code == 0, "validate rejects reverse_proxy: " + out.strip()[:200])
    port = free_port()
    up = ThreadingHTTPServer(("127.0.0.1", port), _Upstream)
    t = threading.Thread(target=up.serve_forever, daemon=True)
    t.start()
    try:
        config = """:@PORT@ {
	wasm_plugin @ROOT@/build/plugins/add_header.wasm
	wasm_plugin @ROOT@/build/plugins/upper.wasm
	reverse_proxy 127.0.0.1:%d
}
""" % port
        with Server(binary, config) as s:
            r = s.request("GET", "/")
            check(r.status == 200, r)
            check(r.body == b"UPSTREAM SAW X-PLUGIN=INJECTED[END]", r.body)
            check(r.header("X-Plugin-Seen") == "yes", r.headers)
    finally:
        up.shutdown()
        up.server_close()


def test_plugins_in_front_of_a_function(binary):
    plugin("add_header")
    guest = built(os.path.join(ROOT, "build", "guests", "stdio_echo.wasm"))
    code, out = validate(binary, ":8080 {\n\twasm %s\n}\n" % guest)
    check(code == 0, "validate rejects the wasm directive: " + out.strip()[:200])
    config = """:@PORT@ {
	wasm_plugin @ROOT@/build/plugins/add_header.wasm
	wasm %s
}
""" % guest
    with Server(binary, config) as s:
        r = s.request("GET", "/")
        check(r.header("X-Plugin-Seen") == "yes", "the plugin's response hook must wrap the function: %r" % r)
