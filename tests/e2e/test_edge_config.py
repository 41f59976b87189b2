"""`ifrit edge config`, the edge bundle generator (docs/edge.md): what it
finds in a Caddyfile, what it writes, and how it fails. Serving the bundle
in workerd is tests/edge's job."""
import os
import re
import shutil
import subprocess
import tempfile

from ifrit_e2e import ROOT, check

CONFIG = """(files) {
	root * ./www/../www
}
:8080 {
	import files
	handle /fn {
		wasm fn/hello.wasm
	}
	handle /gone {
		wasm missing.wasm
	}
	handle /dyn {
		root * /srv/{host}
	}
	file_server
}
"""


def generate(binary, work, config, *extra):
    with open(os.path.join(work, "Caddyfile"), "w") as f:
        f.write(config)
    fake_wasm = os.path.join(work, "core.wasm")
    with open(fake_wasm, "wb") as f:
        f.write(b"\0asm\1\0\0\0")
    args = ["edge", "config", "--config", "Caddyfile", "--out", "out",
            "--shim", os.path.join(ROOT, "edge"), "--wasm", fake_wasm] + list(extra)
    return subprocess.run([binary] + args, cwd=work, capture_output=True, text=True, timeout=30)


def in_tmp(fn):
    def run(binary):
        work = tempfile.mkdtemp(prefix="ifrit-edgecfg-")
        try:
            fn(binary, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return run


@in_tmp
def test_edge_config_writes_the_bundle(binary, work):
    os.makedirs(os.path.join(work, "www", "sub"))
    os.makedirs(os.path.join(work, "fn"))
    for rel, data in (("www/index.html", b"<h1>hi</h1>"), ("www/sub/b.txt", b"b"), ("fn/hello.wasm", b"\0asm")):
        with open(os.path.join(work, rel), "wb") as f:
            f.write(data)
    os.utime(os.path.join(work, "www/index.html"), ns=(1700000000123456789, 1700000000123456789))
    r = generate(binary, work, CONFIG, "--outbound", "private", "--listen", "127.0.0.1:9999")
    check(r.returncode == 0, r.stderr)
    check("function module missing.wasm is not a file here" in r.stderr, r.stderr)
    check("root /srv/{host} has placeholders" in r.stderr, r.stderr)
    out = os.path.join(work, "out")
    bundle = open(os.path.join(out, "bundle.mjs")).read()
    check('["/www/index.html", a0, 1700000000123456789n],' in bundle, bundle)
    check('["/www/sub/b.txt", a1, ' in bundle, bundle)
    check('["/fn/hello.wasm", f0, 0, []],' in bundle and "missing" not in bundle, bundle)
    check(open(os.path.join(out, "assets", "0"), "rb").read() == b"<h1>hi</h1>", "asset 0")
    check(open(os.path.join(out, "functions", "0.wasm"), "rb").read() == b"\0asm", "function 0")
    check(open(os.path.join(out, "Caddyfile")).read() == CONFIG, "the Caddyfile is copied")
    capnp = open(os.path.join(out, "config.capnp")).read()
    check('allow = ["public", "private"]' in capnp and 'address = "127.0.0.1:9999"' in capnp, capnp)
    for name in ("worker.js", "serve.mjs", "core.mjs", "wasi.mjs", "function.mjs", "fields.mjs", "hostapi.mjs",
                 "hostapi_ifrit.mjs", "kv.mjs", "ifrit.wasm"):
        check(os.path.exists(os.path.join(out, name)), name)
        check(("embed \"%s\"" % name) in capnp, name)
    check('(name = "assets/1", data = embed "assets/1")' in capnp, capnp)
    check('(name = "functions/0.wasm", wasm = embed "functions/0.wasm")' in capnp, capnp)
    # Functions' KV: the Durable Object class, its binding and its disk.
    check('durableObjectNamespaces = [(className = "IfritKv"' in capnp and 'localDisk = "kv-disk"' in capnp
          and '(name = "KV", durableObjectNamespace = "IfritKv")' in capnp, capnp)
    check(os.path.isdir(os.path.join(out, "kv")), "the KV directory")


@in_tmp
def test_edge_config_lists_the_gojinn_imports_with_an_i64_result(binary, work):
    # hostapi_gojinn declares host_http_get -> i64 and host_kv_get -> i32
    # (Gojinn's Go SDK); the shim must return a BigInt for the first only.
    guest = os.path.join(ROOT, "build", "guests", "hostapi_gojinn.wasm")
    shutil.copy(guest, os.path.join(work, "g.wasm"))
    r = generate(binary, work, ":8080 {\n\twasm /g g.wasm\n}\n")
    check(r.returncode == 0, r.stderr)
    bundle = open(os.path.join(work, "out", "bundle.mjs")).read()
    check('["/g.wasm", f0, 0, ["host_http_get"]],' in bundle, bundle)


@in_tmp
def test_edge_config_file_server_without_root_serves_the_working_directory(binary, work):
    with open(os.path.join(work, "page.txt"), "w") as f:
        f.write("p")
    r = generate(binary, work, ":8080 {\n\tfile_server\n}\n")
    check(r.returncode == 0, r.stderr)
    bundle = open(os.path.join(work, "out", "bundle.mjs")).read()
    check('["/page.txt", ' in bundle and '["/Caddyfile", ' in bundle, bundle)


@in_tmp
def test_edge_config_errors(binary, work):
    r = generate(binary, work, ":8080 {\n\troot * {\n")
    check(r.returncode == 1 and re.search(r"Caddyfile:2:\d+: ", r.stderr), r.stderr)
    r = subprocess.run([binary, "edge", "config", "--config", "Caddyfile"], cwd=work,
                       capture_output=True, text=True, timeout=30)
    check(r.returncode == 2 and "usage: ifrit edge config" in r.stderr, r.stderr)
    r = subprocess.run([binary, "edge", "config", "--config", "Caddyfile", "--out", "o", "--outbound", "all"],
                       cwd=work, capture_output=True, text=True, timeout=30)
    check(r.returncode == 2, r.stderr)
    r = generate(binary, work, ":8080 {\n\trespond hi\n}\n", "--shim", os.path.join(work, "nope"))
    check(r.returncode == 1 and "cannot read" in r.stderr, r.stderr)


def module(*sections):
    return b"\0asm\1\0\0\0" + b"".join(bytes([sid, len(body)]) + body for sid, body in sections)


@in_tmp
def test_edge_config_memory_limit_caps_the_module_memory(binary, work):
    custom = (0, b"\x04name")   # a section that must come through untouched
    cases = {
        "nomax.wasm": (module(custom, (5, b"\x01\x00\x01")), module(custom, (5, b"\x01\x01\x01\x02"))),
        "bigmax.wasm": (module((5, b"\x01\x01\x01\x80\x02")), module((5, b"\x01\x01\x01\x02"))),
        "smallmax.wasm": (module((5, b"\x01\x01\x01\x01")), module((5, b"\x01\x01\x01\x01"))),
        "toobig.wasm": (module((5, b"\x01\x00\x03")), module((5, b"\x01\x00\x03"))),
        "nomemory.wasm": (module(custom), module(custom)),
    }
    lines = []
    for name, (data, _) in cases.items():
        with open(os.path.join(work, name), "wb") as f:
            f.write(data)
        lines.append("\twasm /%s %s {\n\t\tmemory_limit 128KiB\n\t}\n" % (name, name))
    lines.append("\twasm /plain nomax.wasm\n")
    r = generate(binary, work, ":8080 {\n%s}\n" % "".join(lines))
    check(r.returncode == 0, r.stderr)
    bundle = open(os.path.join(work, "out", "bundle.mjs")).read()
    for i, (name, (_, want)) in enumerate(cases.items()):
        check('["/%s", f%d, 131072, []],' % (name, i) in bundle, bundle)
        got = open(os.path.join(work, "out", "functions", "%d.wasm" % i), "rb").read()
        check(got == want, "%s: %r != %r" % (name, got, want))
    check('["/nomax.wasm", f5, 0, []],' in bundle, bundle)
    check(open(os.path.join(work, "out", "functions", "5.wasm"), "rb").read() == cases["nomax.wasm"][0], "uncapped")
    check("memory_limit cannot apply to toobig.wasm" in r.stderr and "nomemory.wasm" in r.stderr, r.stderr)
    with open(os.path.join(work, "bad.wasm"), "wb") as f:
        f.write(b"\0asm\1\0\0\0\x05\x09\x01")
    r = generate(binary, work, ":8080 {\n\twasm bad.wasm {\n\t\tmemory_limit 1MiB\n\t}\n}\n")
    check(r.returncode == 1 and "not a wasm module" in r.stderr, r.stderr)
