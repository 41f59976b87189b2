#!/usr/bin/env python3
"""The shared edge tests: each case file listed in tests/edge/shared.txt
(e2e case files, tests/e2e/README.md, or the edge's own in tests/edge/cases,
same format) runs against the native binary and
against the edge bundle in workerd, with the same Caddyfile. Both must meet
the case's expectations, and the edge's responses must equal the native
ones (status, body, the headers the case names, Content-Type, Location),
except the tests tests/edge/differences.txt lists with the docs/edge.md
reason: `skip:` ones are not run at the edge, `differs:` ones are held to
the case's expectations but not compared, `edge-only:` ones run at the
edge only (the native side cannot answer them yet). Prints `PASS name` / `FAIL name: why` / `SKIP name: why`.

    tests/edge/run.py --binary build/release/ifrit [FILTER...]
"""
import argparse
import gzip
import re
import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
E2E = os.path.join(ROOT, "tests", "e2e")
sys.path.insert(0, E2E)
sys.path.insert(0, HERE)

from ifrit_e2e import E2EError, Server  # noqa: E402
from workerd import Workerd  # noqa: E402

# The e2e runner's case-file reader and checks, reused as they are.
_spec = importlib.util.spec_from_file_location("e2e_run", os.path.join(E2E, "run.py"))
e2e = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(e2e)

COMPARED_HEADERS = ["content-type", "location", "etag", "last-modified", "www-authenticate", "allow"]


def read_list(name):
    """Non-comment lines of a list file; `a | b` lines become (a, b)."""
    rows = []
    with open(os.path.join(HERE, name), encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                rows.append(tuple(p.strip() for p in line.split("|", 1)) if "|" in line else line)
    return rows


def exchange(server, test, render):
    """Sends one test's request(s); returns the responses read."""
    test = dict(test)
    for key in ("request", "request_body", "raw"):
        if key in test:
            test[key] = render(test[key])
    data, methods = e2e.request_bytes(test)
    statuses = test.get("status", "").split()
    with server.conn() as c:
        c.send(data)
        return [c.read_response(methods[i] if i < len(methods) else "GET") for i in range(max(len(statuses), 1))]


def expect(test, resps, render):
    """The case's own expectations (as tests/e2e/run.py checks them)."""
    for i, want in enumerate(test.get("status", "").split()):
        if resps[i].status != int(want):
            raise E2EError("response %d: expected status %s, got %d (body %r)" % (i + 1, want, resps[i].status,
                                                                                   resps[i].body[:200]))
    last = resps[-1]
    if "headers" in test:
        e2e.check_headers(last, render(test["headers"]))
    if "body" in test and last.body != render(test["body"].rstrip("\n")).encode():
        raise E2EError("body: expected %r, got %r" % (test["body"][:300], last.body[:300]))
    if "body_like" in test:
        if not re.search(render(test["body_like"].rstrip("\n")).encode(), last.body, re.S):
            raise E2EError("body %r does not match %r" % (last.body[:300], test["body_like"]))


def decoded(resp):
    """The body, gunzipped when it says gzip and is: two compressors make
    different bytes of the same text."""
    if resp.header("content-encoding") == "gzip" and resp.body[:2] == b"\x1f\x8b":
        return gzip.decompress(resp.body)
    return resp.body


def compare(test, native, edge):
    """The edge answer must be the native one, field by field."""
    names = set(COMPARED_HEADERS)
    for line in test.get("headers", "").split("\n"):
        name = line.strip().lstrip("!").partition(":")[0].strip().lower()
        if name:
            names.add(name)
    names -= {"date", "server", "connection", "transfer-encoding", "content-length", "keep-alive"}
    if native.status != edge.status:
        raise E2EError("status: native %d, edge %d" % (native.status, edge.status))
    if decoded(native) != decoded(edge):
        raise E2EError("body: native %r, edge %r" % (native.body[:200], edge.body[:200]))
    for name in sorted(names):
        if native.header_all(name) != edge.header_all(name):
            raise E2EError("header %s: native %r, edge %r" % (name, native.header_all(name), edge.header_all(name)))


def case_path(rel):
    """An e2e case file, or one of the edge's own (tests/edge/cases)."""
    shared = os.path.join(E2E, "cases", rel)
    return shared if os.path.exists(shared) else os.path.join(HERE, "cases", rel)


def run_file(binary, rel, differences, want):
    prefix = "edge/" + rel[:-2]
    config, files, tests = e2e.parse_case_file(case_path(rel))
    tests = [t for t in tests if not want or any(w in "%s/%s" % (prefix, t["name"]) for w in want)]
    # Both the native server and workerd are spoken to over HTTP/1.1 here.
    tests = [e2e.with_proto(t, "h1") for t in tests]
    if not tests:
        return
    with Server(binary, config, files=files) as native:
        natives = {}
        for t in tests:
            if "skip" in t or differences.get("%s/%s" % (rel[:-2], t["name"]), "").startswith("edge-only:"):
                continue
            try:
                natives[t["name"]] = exchange(native, t, native.render)
            except Exception as e:  # noqa: BLE001 - reported per test below
                natives[t["name"]] = e
        try:
            wd = Workerd(ROOT, binary, native.config_path, native.dir).__enter__()
        except Exception as e:  # noqa: BLE001
            for t in tests:
                print("FAIL %s/%s: %s" % (prefix, t["name"], str(e).replace("\n", " | ")[:800]), flush=True)
            return
        try:
            for t in tests:
                name = "%s/%s" % (prefix, t["name"])
                reason = differences.get("%s/%s" % (rel[:-2], t["name"]), "")
                if "skip" in t or reason.startswith("skip:"):
                    print("SKIP %s: %s" % (name, reason[5:].strip() or t["skip"].strip()), flush=True)
                    continue
                try:
                    edge_only = reason.startswith("edge-only:")
                    nat = None if edge_only else natives[t["name"]]
                    if isinstance(nat, Exception):
                        raise E2EError("native: %s" % nat)
                    if nat:
                        expect(t, nat, native.render)
                    edge = exchange(wd, t, native.render)
                    expect(t, edge, native.render)
                    if nat and not reason.startswith("differs:"):
                        compare(t, nat[-1], edge[-1])
                    print("PASS " + name, flush=True)
                except Exception as e:  # noqa: BLE001
                    print("FAIL %s: %s" % (name, str(e).replace("\n", " | ")[:800]), flush=True)
                if wd.proc.poll() is not None:
                    print("FAIL %s: workerd exited; log: %s" % (name, wd.read_log()[-1500:]), flush=True)
                    break
        finally:
            wd.__exit__()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("filters", nargs="*")
    args = ap.parse_args()
    differences = dict(read_list("differences.txt"))
    for rel in read_list("shared.txt"):
        try:
            run_file(os.path.abspath(args.binary), rel, differences, args.filters)
        except Exception as e:  # noqa: BLE001 - one broken file is one failure
            print("FAIL edge/%s: %s" % (rel, str(e).replace("\n", " | ")[:800]), flush=True)


if __name__ == "__main__":
    main()
