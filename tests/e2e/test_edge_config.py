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
    check('["fn/hello.wasm", f0],' in bundle and "missing" not in bundle, bundle)
    check(open(os.path.join(out, "assets", "0"), "rb").read() == b"<h1>hi</h1>", "asset 0")
    check(open(os.path.join(out, "functions", "0.wasm"), "rb").read() == b"\0asm", "function 0")
    check(open(os.path.join(out, "Caddyfile")).read() == CONFIG, "the Caddyfile is copied")
    capnp = open(os.path.join(out, "config.capnp")).read()
    check('allow = ["public", "private"]' in capnp and 'address = "127.0.0.1:9999"' in capnp, capnp)
    for name in ("worker.js", "serve.mjs", "core.mjs", "wasi.mjs", "function.mjs", "ifrit.wasm"):
        check(os.path.exists(os.path.join(out, name)), name)
        check(("embed \"%s\"" % name) in capnp, name)
    check('(name = "assets/1", data = embed "assets/1")' in capnp, capnp)
    check('(name = "functions/0.wasm", wasm = embed "functions/0.wasm")' in capnp, capnp)


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
