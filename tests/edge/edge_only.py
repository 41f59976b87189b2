"""Edge checks that the shared case list cannot make (tests/edge/run.py
compares one Caddyfile's answers natively and in workerd):
  - function modules named by relative paths (`wasm ./functions/x.wasm`,
    as docs/functions.md writes them) answer the same natively and in
    workerd, whether `ifrit edge config` is given the Caddyfile by an
    absolute path or by its name from its own directory;
  - `tls` is refused natively (no TLS there yet) and accepted at the edge
    with a logged notice (docs/edge.md).
Prints PASS/FAIL lines.

Usage: tests/edge/edge_only.py --binary build/release/ifrit"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path[:0] = [HERE, os.path.join(ROOT, "tests", "e2e")]

from ifrit_e2e import Conn, Server  # noqa: E402
from workerd import Workerd  # noqa: E402

CADDYFILE = """:@PORT@ {
	handle /dot {
		wasm ./functions/fn_hello.wasm
	}
	handle /bare {
		wasm fn_hello.wasm
	}
	handle /up {
		wasm sub/../functions/fn_hello.wasm
	}
	respond "site"
}
"""
PATHS = ("/dot", "/bare", "/up", "/")


def answers(port):
    out = []
    for path in PATHS:
        c = Conn(port)
        try:
            c.send(b"GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path.encode())
            r = c.read_response()
            out.append((path, r.status, r.body))
        finally:
            c.close()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    binary = os.path.abspath(ap.parse_args().binary)
    with open(os.path.join(ROOT, "build", "guests", "fn_hello.wasm"), "rb") as f:
        module = f.read()
    files = {"functions/fn_hello.wasm": module, "fn_hello.wasm": module, "sub/keep": b""}
    with Server(binary, CADDYFILE, files=files) as native:
        want = answers(native.port)
        ok = all(status == 200 for _, status, _ in want)
        print("PASS edge/relative-paths/native" if ok else "FAIL edge/relative-paths/native: %r" % want, flush=True)
        for label, config in (("absolute", native.config_path), ("from-its-directory", "Caddyfile")):
            try:
                with Workerd(ROOT, binary, config, native.dir) as wd:
                    got = answers(wd.port)
                why = None if got == want else "native %r, edge %r" % (want, got)
            except Exception as e:  # noqa: BLE001 - one failure per variant
                why = "%s: %s" % (type(e).__name__, e)
            print("PASS edge/relative-paths/%s" % label if why is None else
                  "FAIL edge/relative-paths/%s: %s" % (label, why), flush=True)
    check_tls(binary)


TLS_CADDYFILE = """:8080 {
	tls internal
	respond "behind the edge's TLS"
}
"""


def check_tls(binary):
    work = tempfile.mkdtemp(prefix="ifrit-edge-tls-")
    try:
        with open(os.path.join(work, "Caddyfile"), "w") as f:
            f.write(TLS_CADDYFILE)
        r = subprocess.run([binary, "validate", "--config", "Caddyfile"], cwd=work, capture_output=True,
                           text=True, timeout=30)
        # Natively the site has TLS but no host name to issue a certificate for.
        ok = r.returncode == 1 and "Caddyfile:2:2: tls: a TLS site without a host name" in r.stderr
        print("PASS edge/tls/refused-natively" if ok else "FAIL edge/tls/refused-natively: %r" % r.stderr, flush=True)
        try:
            with Workerd(ROOT, binary, "Caddyfile", work) as wd:
                c = Conn(wd.port)
                try:
                    c.send(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    resp = c.read_response()
                finally:
                    c.close()
                log = wd.read_log()
            why = None
            if resp.status != 200 or resp.body != b"behind the edge's TLS":
                why = "answer %d %r" % (resp.status, resp.body[:80])
            elif "Caddyfile:2: tls ignored: the edge terminates TLS" not in log:
                why = "no notice in the log: %s" % log[-500:]
        except Exception as e:  # noqa: BLE001
            why = "%s: %s" % (type(e).__name__, e)
        print("PASS edge/tls/ignored-at-the-edge" if why is None else "FAIL edge/tls/ignored-at-the-edge: %s" % why,
              flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
