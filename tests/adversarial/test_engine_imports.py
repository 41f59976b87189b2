"""Issue 14 (robustness), item 1: host-function imports with the wrong
signature. A guest that imports wasi_snapshot_preview1.fd_write (four i32
parameters) as () -> () and calls it from a function with 4,095 locals made
the host function read its arguments past the caller's frame (ASan: a
heap-buffer-overflow read past the value stack), in `ifrit validate`,
`ifrit run` (the load-time snapshot runs _start), `ifrit wasm run` and
through plugins (a header getter imported with the wrong type). Each must be
refused at load with the spec's "incompatible import type" naming the
import, with no sanitizer report, and a server must keep serving its old
configuration when a reload brings such a guest.

The guests are written here as bytes: the text format has no repeat count
for locals."""
import os
import subprocess
import tempfile
import shutil

from ifrit_e2e import IO_TIMEOUT, SANITIZER_REPORT, Server, check, free_port

LOCALS = 4095


def leb(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def vec(items):
    return leb(len(items)) + b"".join(items)


def name(s):
    return leb(len(s)) + s.encode()


def section(sid, payload):
    return bytes([sid]) + leb(len(payload)) + payload


def functype(params, results):
    return b"\x60" + vec([bytes([t]) for t in params]) + vec([bytes([t]) for t in results])


I32 = 0x7F


def module(import_module, import_name, import_type, func_type, export, tail=b""):
    """One imported function (type 0) called by one exported function
    (type 1) that has LOCALS i32 locals; `tail` is code after the call.
    The module has one page of memory, exported as "memory"."""
    types = section(1, vec([import_type, func_type]))
    imports = section(2, vec([name(import_module) + name(import_name) + b"\x00\x00"]))
    funcs = section(3, vec([b"\x01"]))
    memory = section(5, vec([b"\x00\x01"]))
    exports = section(7, vec([name(export) + b"\x00\x01", name("memory") + b"\x02\x00"]))
    body = vec([leb(LOCALS) + bytes([I32])]) + b"\x10\x00" + tail + b"\x0b"
    code = section(10, vec([leb(len(body)) + body]))
    return b"\0asm\x01\0\0\0" + types + imports + funcs + memory + exports + code


# fd_write is (i32, i32, i32, i32) -> i32 in WASI; imported as () -> ().
FD_WRITE_WRONG = module("wasi_snapshot_preview1", "fd_write", functype([], []), functype([], []), "_start")
# header_get is (i32 x5) -> i32; imported as () -> (), called from on_request.
HEADER_GET_WRONG = module("ifrit", "header_get", functype([], []), functype([], [I32]), "on_request",
                          tail=b"\x41\x00")


def no_sanitizer_report(text, what):
    found = SANITIZER_REPORT.search(text)
    check(not found, "%s: sanitizer report: %s" % (what, text[max(0, found.start() - 200):found.start() + 1500]
                                                    if found else ""))


def refused(text, import_name):
    return "incompatible import type" in text and import_name in text


def run_cli(binary, args, files, config=None):
    """Runs binary with args in a temp dir holding files (and a Caddyfile
    from config); returns (exit code, output), the code None when it was
    still running after IO_TIMEOUT."""
    d = tempfile.mkdtemp(prefix="ifrit-adv-imports-")
    try:
        for rel, content in files.items():
            with open(os.path.join(d, rel), "wb") as f:
                f.write(content)
        if config is not None:
            with open(os.path.join(d, "Caddyfile"), "w") as f:
                f.write(config.replace("@PORT@", str(free_port())))
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
        p = subprocess.Popen([binary] + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=d, env=env)
        try:
            out, _ = p.communicate(timeout=IO_TIMEOUT)
        except subprocess.TimeoutExpired:
            # still running: `run` started serving (a bound, not a threshold)
            p.kill()
            out, _ = p.communicate()
            return None, out.decode("utf-8", "replace")
        return p.returncode, out.decode("utf-8", "replace")
    finally:
        shutil.rmtree(d, ignore_errors=True)


FN_CONFIG = ":@PORT@ {\n\twasm ./bad.wasm\n}\n"
PLUGIN_CONFIG = ":@PORT@ {\n\twasm_plugin ./bad.wasm\n\trespond \"ok\"\n}\n"


def test_fd_write_wrong_type_validate(binary):
    rc, out = run_cli(binary, ["validate", "--config", "Caddyfile"], {"bad.wasm": FD_WRITE_WRONG}, FN_CONFIG)
    no_sanitizer_report(out, "validate")
    check(rc not in (0, None), "validate accepted a () -> () fd_write import: %s" % out[-1500:])
    check(refused(out, "wasi_snapshot_preview1.fd_write"), "validate's error should name the import: %s" % out[-1500:])


def test_fd_write_wrong_type_wasm_run(binary):
    rc, out = run_cli(binary, ["wasm", "run", "bad.wasm"], {"bad.wasm": FD_WRITE_WRONG})
    no_sanitizer_report(out, "wasm run")
    check(rc not in (0, None), "wasm run ran a () -> () fd_write import: %s" % out[-1500:])
    check(refused(out, "wasi_snapshot_preview1.fd_write"), "wasm run's error should name the import: %s" % out[-1500:])


def test_fd_write_wrong_type_run_refuses_to_start(binary):
    rc, out = run_cli(binary, ["run", "--config", "Caddyfile"], {"bad.wasm": FD_WRITE_WRONG}, FN_CONFIG)
    no_sanitizer_report(out, "run")
    check(rc is not None, "run started serving with a () -> () fd_write import: %s" % out[-1500:])
    check(rc != 0, "run exited 0 with a () -> () fd_write import: %s" % out[-1500:])
    check(refused(out, "wasi_snapshot_preview1.fd_write"), "run's error should name the import: %s" % out[-1500:])


def _reload_refused(binary, config, guest, import_name):
    good = ":@PORT@ {\n\trespond \"ok\"\n}\n"
    with Server(binary, good, files={"bad.wasm": guest}) as s:
        check(s.request("GET", "/").body == b"ok", "the good config serves")
        s.reload(config)
        check(s.wait_log("reload refused", timeout=IO_TIMEOUT), "reload should be refused: %s" % s.read_log()[-2000:])
        log = s.read_log()
        check(refused(log, import_name), "the refusal should name the import: %s" % log[-2000:])
        r = s.request("GET", "/")
        check(r.status == 200 and r.body == b"ok", "the old config keeps serving: %r" % r)


def test_fd_write_wrong_type_reload_is_refused(binary):
    _reload_refused(binary, FN_CONFIG, FD_WRITE_WRONG, "wasi_snapshot_preview1.fd_write")


def test_plugin_header_get_wrong_type_validate(binary):
    rc, out = run_cli(binary, ["validate", "--config", "Caddyfile"], {"bad.wasm": HEADER_GET_WRONG}, PLUGIN_CONFIG)
    no_sanitizer_report(out, "validate")
    check(rc not in (0, None), "validate accepted a () -> () header_get import: %s" % out[-1500:])
    check(refused(out, "ifrit.header_get"), "validate's error should name the import: %s" % out[-1500:])


def test_plugin_header_get_wrong_type_reload_is_refused(binary):
    _reload_refused(binary, PLUGIN_CONFIG, HEADER_GET_WRONG, "ifrit.header_get")
