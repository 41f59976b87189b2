"""proxy-wasm filters (ABI v0.2.1) behind wasm_plugin (issue 21 part 2):
filters written in C against the ABI in tests/plugins/pw_*.c (no SDK),
built into build/plugins by scripts/build-guests.sh. Header edits on both
sides, a local response, body rewriting across chunks, VM state and
shared data across requests, a tick, the configuration, and filters that
misuse pointers: each such callback traps, fails open, and the VM is
made anew."""
import os
import time

from ifrit_e2e import PLUGINS, Server, built, check

from test_plugins import validate


def pw(name):
    return built(os.path.join(PLUGINS, name + ".wasm"))


def test_headers_added_and_removed_on_both_sides(binary):
    config = """:@PORT@ {
	wasm_plugin %s
	header X-Secret hidden
	respond "path={header.X-Pw-Path} gone={header.X-Remove-Me}"
}
""" % pw("pw_headers")
    with Server(binary, config) as s:
        r = s.request("GET", "/a/b?c=1", [("X-Remove-Me", "still here"), ("X-Other", "1")])
        check(r.status == 200, r)
        check(r.body == b"path=/a/b?c=1 gone=", "request side: %r" % r.body)
        check(r.header("X-Pw-Method") == "GET", r.headers)
        check(r.header("X-Secret") is None, "x-secret not removed: %r" % r.headers)
        check(r.header("X-Pw-Seen") not in (None, "0"), "num_headers: %r" % r.headers)


def test_local_response_answers_hello(binary):
    config = """:@PORT@ {
	wasm_plugin %s
	respond "from the handler"
}
""" % pw("pw_hello")
    with Server(binary, config) as s:
        r = s.request("GET", "/hello")
        check(r.status == 200 and r.body == b"Hello, World from proxy-wasm\n", r)
        check(r.header("X-Answered-By") == "wasm", r.headers)
        r = s.request("GET", "/other")
        check(r.status == 200 and r.body == b"from the handler", r)


def test_body_rewritten_across_chunks(binary):
    # 'cat' split over every possible chunk boundary: the file is read in
    # pieces of 16 KiB at most (the body hooks' bound), so put cats there.
    piece = 16384
    body = bytearray(b"x" * (piece * 4))
    for at in (piece - 1, 2 * piece - 2, 3 * piece - 10):
        body[at:at + 3] = b"cat"
    body[100:103] = b"cat"
    body = bytes(body)
    config = """:@PORT@ {
	root * @DIR@/www
	wasm_plugin %s
	file_server
}
""" % pw("pw_body")
    with Server(binary, config, files={"www/pets.txt": body}) as s:
        for _ in range(2):
            r = s.request("GET", "/pets.txt")
            check(r.status == 200, r)
            check(r.body == body.replace(b"cat", b"dog") + b"[pw-end]",
                  "cats left at %s" % [i for i in range(len(r.body)) if r.body[i:i + 3] == b"cat"][:5])


def test_state_shared_data_config_and_tick(binary):
    config = """{
	workers 1
}
:@PORT@ {
	wasm_plugin %s {
		config "hello config"
	}
	respond "ok"
}
""" % pw("pw_counter")
    with Server(binary, config) as s:
        first = [s.request("GET", "/") for _ in range(3)]
        for i, r in enumerate(first):
            check(r.status == 200, r)
            check(r.header("X-Vm-Count") == str(i + 1), "VM state: %r" % r.headers)
            check(r.header("X-Shared-Count") == str(i + 1), "shared data: %r" % r.headers)
            check(r.header("X-Config") == "hello config", r.headers)
        time.sleep(0.05)   # several tick periods (10 ms) pass; the next callback ticks first
        r = s.request("GET", "/")
        check(int(r.header("X-Ticks", "0")) >= 1, "no tick after a wait: %r" % r.headers)
        check(r.header("X-Shared-Count") == "4", r.headers)


def test_shared_data_is_process_wide(binary):
    # two lines (two filters, each with its own VM per worker) count into one key
    config = """:@PORT@ {
	handle /a {
		wasm_plugin %s
		respond "a"
	}
	handle /b {
		wasm_plugin %s
		respond "b"
	}
}
""" % (pw("pw_counter"), pw("pw_counter"))
    with Server(binary, config) as s:
        counts = [int(s.request("GET", p).header("X-Shared-Count", "0")) for p in ("/a", "/b", "/a", "/b")]
        check(counts == [1, 2, 3, 4], "one count across filters: %r" % counts)


def test_bad_pointers_trap_fail_open_and_the_vm_is_made_anew(binary):
    config = """{
	workers 1
}
:@PORT@ {
	wasm_plugin %s
	respond "served"
}
""" % pw("pw_bad")
    with Server(binary, config) as s:
        check(s.request("GET", "/").header("X-Calls") == "1", "first request")
        check(s.request("GET", "/").header("X-Calls") == "2", "VM state kept")
        for kind in ("log", "ret", "alloc"):
            r = s.request("GET", "/", [("X-Bad", kind)])
            check(r.status == 200 and r.body == b"served", "fail-open after %s: %r" % (kind, r))
            # the VM that trapped is gone: the next one counts from 1
            r = s.request("GET", "/")
            check(r.header("X-Calls") == "1", "VM not made anew after %s: %r" % (kind, r.headers))
        log = s.read_log()
        check(log.count("trapped in proxy_on_request_headers") == 3, log[-1500:])
        check("outside the filter's memory" in log, log[-1500:])


def test_load_errors(binary):
    code, out = validate(binary, ":8080 {\n\twasm_plugin %s {\n\t\tconfig refuse\n\t}\n\trespond ok\n}\n"
                         % pw("pw_headers"))
    check(code != 0 and "proxy_on_configure returned false" in out, out)
    code, out = validate(binary, ":8080 {\n\twasm_plugin %s\n\trespond ok\n}\n" % pw("pw_headers"))
    check(code == 0, out)
