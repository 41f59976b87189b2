#!/usr/bin/env python3
"""The differential suite's cases (tests/compat) against the edge bundle:
each chosen case's Caddyfile runs in the native server and, from the same
file and directory, in workerd (`ifrit edge config`); the case's requests
go to both and the answers are compared as tests/compat compares ifrit
with Caddy (status, body after gunzip, every header but framing, Date and
Server), with ETag compared exactly (the bundle keeps each file's mtime).

Chosen: every case the edge can serve, that is whose Caddyfile names no
FastCGI responder or php-fpm (the edge has no FastCGI transport), writes
no log file (the edge's file tree is read only), needs no second
listener, and is not about connections (`servers/`, workerd's at the
edge). Cases with `@UP@`/`@UP2@` run against the same echo upstreams as
tests/compat (the bundle is made with `--outbound private` to reach
127.0.0.1); the `host:` line those upstreams echo is not compared, since
fetch() sends the upstream's own Host (docs/edge.md, What differs). A difference fails its case unless
tests/edge/compat_differences.txt lists it (`case || request || reason`,
request as written or `*`), and a listed one that no longer occurs fails
too. Prints PASS/FAIL lines and
`edge-compat: N cases, M requests, K matched, D documented differences`.

    tests/edge/compat.py --binary build/release/ifrit [--jobs 2] [FILTER...]
"""
import argparse
import glob
import importlib.util
import os
import re
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path[:0] = [HERE, os.path.join(ROOT, "tests", "e2e"), os.path.join(ROOT, "tests", "compat")]

from ifrit_e2e import E2EError, Server  # noqa: E402
from proxy_upstream import Upstream  # noqa: E402
from workerd import Workerd  # noqa: E402

# tests/compat's case reader and request sender, reused as they are.
_spec = importlib.util.spec_from_file_location("compat_run", os.path.join(ROOT, "tests", "compat", "run.py"))
compat = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(compat)

DIFFERENCES = os.path.join(HERE, "compat_differences.txt")

# What in a case's config the edge cannot serve, with the reason.
UNSERVED = {
    "@FCGI@": "a FastCGI upstream",
    "@PHPFPM": "php-fpm",
    "@OUT@": "a log file (the edge's files are read only)",
    "@PORT2@": "a second listener",
}


def unserved(case):
    if case.name.startswith("servers/"):
        return "connections are workerd's at the edge"
    if case.logs:
        return "a log file"
    return next((why for word, why in UNSERVED.items() if word in case.config), None)


def read_differences():
    """{(case, request): reason} from compat_differences.txt."""
    out = {}
    with open(DIFFERENCES, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                parts = [p.strip() for p in line.split(" || ")]
                if len(parts) != 3:
                    raise E2EError("compat_differences.txt: want `case || request || reason`: %r" % line)
                out[(parts[0], parts[1])] = parts[2]
    return out


# An echo upstream's answer (tests/compat/run.py echo_app) and its Host line.
ECHO_ANSWER = re.compile(rb"up[12] [A-Z]+ \S+\n")
ECHOED_HOST = re.compile(rb"^host: .*$", re.M)


def normalize(resp, ports):
    """(status, sorted headers, body) with the ports written @PORT@ (the
    edge's own, and the native one the Caddyfile names) and a multipart
    answer's boundary @BOUNDARY@ (random on both sides)."""
    if isinstance(resp, str):
        return resp
    body = compat.decoded_body(resp)
    for port in ports:
        body = body.replace(str(port).encode(), b"@PORT@")
    boundary = re.search(r"boundary=([^;\s]+)", resp.header("content-type") or "")
    heads = {}
    for k, v in resp.headers:
        k = k.lower()
        if k not in compat.IGNORED:
            for port in ports:
                v = v.replace(str(port), "@PORT@")
            heads.setdefault(k, []).append(v.replace(boundary.group(1), "@BOUNDARY@") if boundary else v)
    if boundary:
        body = body.replace(boundary.group(1).encode(), b"@BOUNDARY@")
    if ECHO_ANSWER.match(body):
        body = ECHOED_HOST.sub(b"host: (not compared)", body)
    return (resp.status, sorted(heads.items()), body)


def describe(a, b):
    return compat.describe(a, b).replace("(Caddy vs ifrit)", "(native vs edge)").replace("Caddy:", "native:") \
        .replace("; ifrit:", "; edge:")


def answer(port, req, ports):
    try:
        return normalize(compat.ask(port, req), ports)
    except (OSError, E2EError) as e:
        return "no answer (%s)" % e


def run_case(case, binary, subst):
    """[(request label, None or what differs)], or None when the native
    server does not load the config; raises when the edge fails to start."""
    srv = Server(binary, case.config, files=case.files)
    for k, v in subst.items():
        srv.config_template = srv.config_template.replace(k, v)
    try:
        try:
            srv.start()
        except E2EError:
            return None   # the native server refuses it (docs/caddy-differences.md)
        natives = [answer(srv.port, r, [srv.port]) for r in case.requests]
        with Workerd(ROOT, binary, srv.config_path, srv.dir) as wd:
            edges = [answer(wd.port, r, [wd.port, srv.port]) for r in case.requests]
            if wd.proc.poll() is not None:
                raise E2EError("workerd exited; log: " + wd.read_log()[-1500:])
    finally:
        srv.cleanup()
    return [(r["label"], None if a == b else describe(a, b)) for r, a, b in zip(case.requests, natives, edges)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("filters", nargs="*")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    cases = []
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "compat", "cases", "*.txt"))):
        cases += compat.parse_cases(path)
    cases = [c for c in cases if not unserved(c)]
    if args.filters:
        cases = [c for c in cases if any(f in c.name for f in args.filters)]
    documented = read_differences()
    used = set()
    totals = {"requests": 0, "matched": 0, "documented": 0}
    lock = threading.Lock()

    def one(case):
        try:
            results = run_case(case, binary, subst)
        except Exception as e:  # noqa: BLE001 - a broken case is reported, never fatal
            return "FAIL edge-compat/%s: %s: %s" % (case.name, type(e).__name__, str(e).replace("\n", " | ")[:600])
        if results is None:
            return "SKIP edge-compat/%s: the native server does not load it (docs/caddy-differences.md)" % case.name
        bad, notes = [], []
        with lock:
            totals["requests"] += len(results)
            for label, diff in results:
                if diff is None:
                    totals["matched"] += 1
                    continue
                key = next((k for k in ((case.name, label), (case.name, "*")) if k in documented), None)
                if key:
                    used.add(key)
                    totals["documented"] += 1
                    notes.append(label)
                else:
                    bad.append("%s: %s" % (label, diff))
        if bad:
            return "FAIL edge-compat/%s: %s" % (case.name, " | ".join(bad))
        return "PASS edge-compat/%s%s" % (case.name, " (documented: %s)" % ", ".join(notes) if notes else "")

    ups = [Upstream(compat.echo_app("up1")).start(), Upstream(compat.echo_app("up2")).start()]
    subst = {"@UP@": ups[0].addr, "@UP2@": ups[1].addr}
    try:
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            for line in pool.map(one, cases):
                print(line, flush=True)
    finally:
        for u in ups:
            u.stop()
    if not args.filters:
        known = {c.name for c in cases}
        for key in sorted(set(documented) - used):
            why = "no such case among those run" if key[0] not in known else "it no longer differs"
            print("FAIL edge-compat/differences: compat_differences.txt lists `%s` `%s` but %s; remove the row"
                  % (key[0], key[1], why), flush=True)
    print("edge-compat: %d cases, %d requests, %d matched, %d documented differences"
          % (len(cases), totals["requests"], totals["matched"], totals["documented"]), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
