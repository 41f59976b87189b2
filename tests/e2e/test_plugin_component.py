"""End-to-end tests of Dwaar plugin components under wasm_plugin: the
components scripts/build-guests.sh makes from tests/plugins/components
(gate.c wrapped by jco's wasm-tools for both shapes of Dwaar's world, and
gate.js built by componentize-js), compared with the reference host (jco
transpile under node) on a list of requests; respond's 503, fail-open and
auto-disable, the limits, load errors."""
import json
import os
import subprocess
import tempfile

from ifrit_e2e import IO_TIMEOUT, PLUGINS, ROOT, Server, built, check

NPM = os.path.join(ROOT, "tests", "guests", "npm")

# Requests, and what the gate decides for each (tests/plugins/components/gate.c).
REQUESTS = [
    {"method": "GET", "path": "/", "headers": []},
    {"method": "GET", "path": "/deny/x", "headers": []},
    {"method": "GET", "path": "/a?q=1", "headers": [["X-Action", "skip"]]},
    {"method": "GET", "path": "/", "headers": [["x-action", "respond"]]},
    {"method": "POST", "path": "/", "headers": []},
    {"method": "GET", "path": "/", "headers": [["X-Block", "1"], ["Accept", "*/*"]]},
    {"method": "PUT", "path": "/denied", "headers": [["X-Action", "other"]]},
]

# A core plugin after the component: it runs unless the component's skip
# stopped the chain, so continue and skip answer differently. The hook's
# wall-clock bound is raised from the default 50 ms: a fresh instance of the
# 12 MB JavaScript component under ASan, beside the suite's other tests,
# can take longer, and a timeout fails open (the action would read
# "continue"); this test compares actions, not speed.
CONFIG = """:@PORT@ {
	wasm_plugin @ROOT@/build/plugins/@NAME@.component.wasm {
		fuel 200000000
		timeout_ms 10000
	}
	wasm_plugin @ROOT@/build/plugins/add_header.wasm
	respond "seen={header.X-Plugin}"
}
"""


def component(name):
    return built(os.path.join(PLUGINS, name + ".component.wasm"))


def reference_actions(name):
    """The actions the reference host (jco transpile + node) gives REQUESTS."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump([dict(r, tls=False, ip="127.0.0.1",
                        headers=[["host", "127.0.0.1"]] + r["headers"]) for r in REQUESTS], f)
    try:
        out = subprocess.run(["node", os.path.join(ROOT, "tests", "plugins", "components", "reference_host.mjs"),
                              NPM, component(name), f.name], capture_output=True, timeout=120)
        check(out.returncode == 0, "reference host failed: %s" % out.stderr.decode()[-1500:])
        return json.loads(out.stdout)
    finally:
        os.unlink(f.name)


def ifrit_action(r):
    """The action the component took in ifrit, from the response."""
    if r.status == 503 and r.body == b"plugin short-circuit":
        return "respond"
    if r.status == 200 and r.body == b"seen=":
        return "skip"
    if r.status == 200 and r.body == b"seen=injected":
        return "continue"
    return "unexpected %r" % r


def same_as_reference(binary, name):
    built(os.path.join(PLUGINS, "add_header.wasm"))
    want = reference_actions(name)
    check(len(want) == len(REQUESTS), want)
    # the list must exercise every action, or the comparison proves little
    check(set(want) == {"continue", "respond", "skip"}, want)
    with Server(binary, CONFIG.replace("@NAME@", name)) as s:
        got = [ifrit_action(s.request(q["method"], q["path"], [tuple(h) for h in q["headers"]]))
               for q in REQUESTS]
        log = s.read_log()
    check(got == want, "ifrit %s, reference host %s; log: %s" % (got, want, log[-1500:]))


def test_c_component_current_shape_matches_reference(binary):
    same_as_reference(binary, "gate")


def test_c_component_headers_shape_matches_reference(binary):
    same_as_reference(binary, "gate_headers")


def test_javascript_component_matches_reference(binary):
    same_as_reference(binary, "gate_js")


def test_javascript_component_importing_wasi_matches_reference(binary):
    # componentize-js with stdio and clocks on: the component imports WASI
    # preview2's cli, io, clocks and filesystem interfaces, which ifrit links
    # to stubs that deny, so it loads and decides as under node.
    same_as_reference(binary, "gate_js_wasi")


def test_c_component_with_wasi_libc_matches_reference(binary):
    # gate.c with wasi-libc and the preview1 adapter: it imports
    # wasi:cli/environment, exit, stdin, stdout, stderr, wasi:io/error,
    # streams, wasi:clocks/wall-clock, wasi:filesystem/types and preopens.
    same_as_reference(binary, "gate_libc")


def test_wasi_stubs_deny(binary):
    # gate_libc's /wasi/... paths answer skip when WASI denied what libc
    # asked (respond when it did not); exit traps the hook: fail-open.
    component("gate_libc")
    built(os.path.join(PLUGINS, "add_header.wasm"))
    with Server(binary, CONFIG.replace("@NAME@", "gate_libc")) as s:
        for what in ("print", "env", "file", "time"):
            r = s.request("GET", "/wasi/" + what)
            check(ifrit_action(r) == "skip", "/wasi/%s: %s" % (what, ifrit_action(r)))
        r = s.request("GET", "/wasi/exit")
        check(ifrit_action(r) == "continue", "exit fails open: %s" % ifrit_action(r))
        check("wasi:cli/exit called" in s.read_log(), s.read_log()[-1500:])
        check(ifrit_action(s.request("GET", "/")) == "continue", "the next call runs")


def test_traps_fail_open_and_disable(binary):
    component("gate")
    built(os.path.join(PLUGINS, "add_header.wasm"))
    config = """:@PORT@ {
	handle /spin* {
		wasm_plugin @ROOT@/build/plugins/gate.component.wasm {
			fuel 100000
		}
		respond "spin: continued"
	}
	handle /trap* {
		wasm_plugin @ROOT@/build/plugins/gate.component.wasm
		wasm_plugin @ROOT@/build/plugins/add_header.wasm
		respond 204
	}
	handle {
		wasm_plugin @ROOT@/build/plugins/gate.component.wasm
		wasm_plugin @ROOT@/build/plugins/add_header.wasm
		respond "seen={header.X-Plugin}"
	}
}
"""
    with Server(binary, config) as s:
        r = s.request("GET", "/spin")
        check(r.status == 200 and r.body == b"spin: continued", r)
        check(s.wait_log("out of fuel"), "no fuel trap logged")
        # on-request and on-response (of a 204, which has no body to call
        # on-body for) both trap: five requests make the ten traps in a row
        # that disable the plugin
        for _ in range(7):
            r = s.request("GET", "/trap")
            check(r.status == 204 and r.header("X-Plugin-Seen") == "yes", "fail-open: %r" % r)
        check(s.wait_log("disabled after 10 consecutive traps"), "no disable line")
        log = s.read_log()
        traps = log.count("unreachable executed")
        check(traps == 10, "a disabled plugin must not run: %d traps" % traps)
        # the other lines count their own traps and still run
        r = s.request("GET", "/deny")
        check(r.status == 503 and r.body == b"plugin short-circuit", r)
        r = s.request("GET", "/spin")
        check(s.wait_log("(2 consecutive)"), "the /spin line must count its own traps")


def test_no_state_between_calls(binary):
    """gate's /count continues on an instance's first call only (a counter in
    its memory): every request, each hook call from the snapshot, must see
    it first; a /trap in between (its instance dropped) changes nothing."""
    component("gate")
    config = """:@PORT@ {
	wasm_plugin @ROOT@/build/plugins/gate.component.wasm
	respond "counted"
}
"""
    with Server(binary, config) as s:
        for i in range(12):
            if i == 6:
                r = s.request("GET", "/trap")
                check(r.status == 200 and r.body == b"counted", "fail-open: %r" % r)
            r = s.request("GET", "/count")
            check(r.status == 200 and r.body == b"counted", "call %d saw an earlier call's count: %r" % (i, r))
        # what the host lowered into the guest's memory for a long path is
        # gone for the next call: /peek finds the heap past its own use zero
        r = s.request("GET", "/count/" + "a" * 3000)
        check(r.status == 200, r)
        r = s.request("GET", "/peek")
        check(r.status == 200 and r.body == b"counted", "an earlier call's lowered path is still in memory: %r" % r)


def test_load_errors(binary):
    def validate(files):
        d = tempfile.mkdtemp(prefix="ifrit-e2e-component-")
        for rel, content in files.items():
            with open(os.path.join(d, rel), "wb") as f:
                f.write(content)
        with open(os.path.join(d, "Caddyfile"), "w") as f:
            f.write(":8080 {\n\twasm_plugin ./p.wasm\n\trespond ok\n}\n")
        p = subprocess.run([binary, "validate", "--config", os.path.join(d, "Caddyfile")],
                           capture_output=True, timeout=IO_TIMEOUT, cwd=d)
        return p.returncode, (p.stdout + p.stderr).decode("utf-8", "replace")

    with open(component("gate"), "rb") as f:
        gate = f.read()
    code, out = validate({"p.wasm": gate[: len(gate) // 2]})
    check(code != 0 and "p.wasm" in out and "not a valid WebAssembly component" in out, out)
    # a component with a start section: refused, naming it
    code, out = validate({"p.wasm": b"\0asm\x0d\0\x01\0" + b"\x09\x03\x00\x00\x00"})
    check(code != 0 and "component start functions are not supported" in out and "at byte 8" in out, out)
    # a component that exports no hook of Dwaar's
    with open(os.path.join(ROOT, "tests", "fuzz", "corpus", "fuzz_component", "types.wasm"), "rb") as f:
        code, out = validate({"p.wasm": f.read()})
    check(code != 0 and "exports none of on-request, on-response, on-body" in out, out)
    code, out = validate({"p.wasm": gate})
    check(code == 0, out)
