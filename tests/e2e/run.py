#!/usr/bin/env python3
"""Runs the end-to-end tests against one ifrit binary and prints one line per
case: `PASS name`, `FAIL name: why` or `SKIP name: why`.

    tests/e2e/run.py --binary build/release/ifrit [--label release] [--protocol h2] [FILTER...]

Two kinds of tests (see tests/e2e/README.md):
  * case files cases/*.t: a Caddyfile plus requests and expected responses;
    one server per file, its tests run in order against it;
  * Python tests: functions named test_* in tests/e2e/test_*.py, each
    called with the binary path; an exception is a failure.
FILTER words keep only the tests whose full name contains one of them.
--protocol h2 runs the case files again over HTTP/2 (h2c with prior
knowledge, `servers { protocols h1 h2 h2c }` added to each config), the
same requests and expectations; cases written in HTTP/1.1's own terms
(raw bytes, pipelining, HTTP/1.0, a connection's close) stay HTTP/1.1's.
"""
import argparse
import codecs
import glob
import importlib.util
import os
import re
import signal
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ifrit_e2e import E2EError, Server, Skip, build_request  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


# -- case files ----------------------------------------------------------------

def parse_case_file(path):
    """Returns (config, files, tests): tests are dicts of section -> text."""
    config, files, tests = None, {}, []
    current, section, lines = None, None, []

    def flush():
        nonlocal config
        if section is None:
            return
        text = "\n".join(lines)
        if current is None:
            if section == "config":
                config = text + "\n"
            elif section.startswith("file "):
                files[section[5:].strip()] = text + "\n"
            else:
                raise E2EError("%s: section %r before the first ===" % (path, section))
        else:
            current[section] = text

    with open(path, encoding="utf-8") as f:
        for raw in f.read().split("\n"):
            if raw.startswith("=== "):
                flush()
                section, lines = None, []
                current = {"name": raw[4:].strip()}
                tests.append(current)
            elif raw.startswith("--- "):
                flush()
                section, lines = raw[4:].strip(), []
                if ":" in section and not section.startswith("file "):
                    # one-line form: "--- status: 200"
                    section, _, value = section.partition(":")
                    section, lines = section.strip(), [value.strip()]
            elif section is not None:
                lines.append(raw)
            elif raw.strip() and not raw.startswith("#"):
                raise E2EError("%s: text outside a section: %r" % (path, raw))
        flush()
    if config is None:
        raise E2EError("%s: no --- config section" % path)
    return config, files, tests


def strip_trailing_blank(text):
    return text.rstrip("\n")


def request_bytes(test):
    """The bytes to send for one test, and the methods of the responses."""
    if "raw" in test:
        text = "".join(line for line in test["raw"].split("\n"))
        data = codecs.escape_decode(text.encode("latin-1"))[0]
        methods = [m.decode() for m in re.findall(rb"(?:^|\r\n\r\n|\n)([A-Z]+) \S+ HTTP/", data)]
        return data, methods
    lines = strip_trailing_blank(test["request"]).split("\n")
    parts = lines[0].split()
    method, target = parts[0], parts[1]
    version = parts[2] if len(parts) > 2 else "HTTP/1.1"
    headers, host = [], "localhost"
    for line in lines[1:]:
        if not line.strip():
            continue
        k, _, v = line.partition(":")
        headers.append((k.strip(), v.strip()))
    body = None
    if "request_body" in test:
        body = codecs.escape_decode(strip_trailing_blank(test["request_body"]).encode())[0]
    if version == "HTTP/1.0":
        host = None
    return build_request(method, target, headers, body, version, host), [method]


def check_headers(resp, spec):
    for line in strip_trailing_blank(spec).split("\n"):
        line = line.strip()
        if not line:
            continue
        if line.startswith("!"):
            if resp.header(line[1:].strip()) is not None:
                raise E2EError("header %s should be absent, got %r" % (line[1:], resp.header(line[1:].strip())))
            continue
        k, _, v = line.partition(":")
        k, v = k.strip(), v.strip()
        got = resp.header(k)
        if got is None:
            raise E2EError("header %s missing (headers: %r)" % (k, resp.headers))
        if v.startswith("~"):
            if not re.search(v[1:].strip(), got):
                raise E2EError("header %s: %r does not match %r" % (k, got, v[1:].strip()))
        elif got != v:
            raise E2EError("header %s: expected %r, got %r" % (k, v, got))


# In a case's expectations, the version the request went with.
PROTO_TEXT = {"h1": "HTTP/1.1", "h2": "HTTP/2.0"}


def with_proto(test, protocol):
    return {k: v.replace("@PROTO@", PROTO_TEXT[protocol]) if isinstance(v, str) else v for k, v in test.items()}


def check_last_response(srv, test, last):
    """A case's headers, body and body_like sections against its last
    response (the same over HTTP/1.1 and HTTP/2)."""
    if "headers" in test:
        check_headers(last, srv.render(test["headers"]))
    if "body" in test:
        want = srv.render(strip_trailing_blank(test["body"])).encode()
        if last.body != want:
            raise E2EError("body: expected %r, got %r" % (want[:300], last.body[:300]))
    if "body_like" in test:
        pat = srv.render(strip_trailing_blank(test["body_like"]))
        if not re.search(pat.encode(), last.body, re.S):
            raise E2EError("body %r does not match %r" % (last.body[:300], pat))


def run_case_test(srv, test):
    test = with_proto(test, "h1")
    for key in ("request", "request_body", "raw"):
        if key in test:
            test[key] = srv.render(test[key])
    data, methods = request_bytes(test)
    statuses = strip_trailing_blank(test.get("status", "")).split()
    count = max(len(statuses), 1)
    with srv.conn() as c:
        c.send(data)
        resps = []
        for i in range(count):
            method = methods[i] if i < len(methods) else "GET"
            resps.append(c.read_response(method))
        for i, want in enumerate(statuses):
            if resps[i].status != int(want):
                raise E2EError("response %d: expected status %s, got %d (body %r)" %
                               (i + 1, want, resps[i].status, resps[i].body[:200]))
        last = resps[-1]
        check_last_response(srv, test, last)
        if "closed" in test:
            want_closed = test["closed"].strip() == "yes"
            if want_closed and not c.is_closed_by_server():
                raise E2EError("the server kept the connection open")
            if not want_closed:
                c.send(build_request("GET", "/"))
                c.read_response("GET")


def run_case_file(binary, label, path, want, protocol="h1"):
    rel = os.path.relpath(path, os.path.join(HERE, "cases"))
    prefix = "%s/%s" % (label, rel[:-2] if rel.endswith(".t") else rel)
    try:
        config, files, tests = parse_case_file(path)
    except Exception as e:  # noqa: BLE001 - a broken case file is one failure
        print("FAIL %s: %s" % (prefix, e), flush=True)
        return
    tests = [t for t in tests if selected("%s/%s" % (prefix, t["name"]), want)]
    if protocol == "h2":
        config = with_h2c(config)
        h1 = [t for t in tests if h1_only(t)]
        if h1:
            print("# %s: %d of its cases are HTTP/1.1's own (%s) and run over HTTP/1.1 only" %
                  (prefix, len(h1), ", ".join(sorted({h1_only(t) for t in h1}))), flush=True)
        tests = [t for t in tests if not h1_only(t)]
    if not tests:
        return
    try:
        srv = Server(binary, config, files=files).__enter__()
    except Exception as e:  # noqa: BLE001
        for t in tests:
            print("FAIL %s/%s: %s" % (prefix, t["name"], str(e).replace("\n", " | ")[:800]), flush=True)
        return
    try:
        for t in tests:
            name = "%s/%s" % (prefix, t["name"])
            try:
                if "skip" in t:
                    print("SKIP %s: %s" % (name, t["skip"].strip()), flush=True)
                    continue
                if protocol == "h2":
                    run_case_test_h2(srv, t)
                else:
                    run_case_test(srv, t)
                print("PASS " + name, flush=True)
            except Exception as e:  # noqa: BLE001
                print("FAIL %s: %s" % (name, str(e).replace("\n", " | ")[:800]), flush=True)
            if srv.proc.poll() is not None:
                print("FAIL %s: server exited with %s; log tail: %s" %
                      (name, srv.proc.returncode, srv.read_log()[-1500:].replace("\n", " | ")), flush=True)
                break
        # Stopped as an operator stops it: it must exit 0 with no sanitizer
        # report in its log.
        problem = srv.shutdown_problem()
        if problem is None:
            print("PASS %s/exits cleanly" % prefix, flush=True)
        else:
            print("FAIL %s/exits cleanly: %s" % (prefix, problem.replace("\n", " | ")), flush=True)
    finally:
        srv.cleanup()


# -- the same cases over HTTP/2 ----------------------------------------------------

H2C_OPTION = "\tservers {\n\t\tprotocols h1 h2 h2c\n\t}\n"


def with_h2c(config):
    """config with HTTP/2 prior knowledge on its cleartext listeners."""
    if config.lstrip().startswith("{"):
        i = config.index("{") + 1
        return config[:i] + "\n" + H2C_OPTION + config[i:]
    return "{\n" + H2C_OPTION + "}\n" + config


def h1_only(test):
    """Why a case only makes sense over HTTP/1.1, or None."""
    if "raw" in test:
        return "raw bytes"
    if "closed" in test:
        return "a connection's close"
    if len(strip_trailing_blank(test.get("status", "")).split()) > 1:
        return "pipelining"
    first = strip_trailing_blank(test.get("request", "")).split("\n")[0].split()
    if len(first) > 2 and first[2] != "HTTP/1.1":
        return first[2]
    return None


def run_case_test_h2(srv, test):
    import h2client
    test = with_proto(test, "h2")
    for key in ("request", "request_body"):
        if key in test:
            test[key] = srv.render(test[key])
    lines = strip_trailing_blank(test["request"]).split("\n")
    method, target = lines[0].split()[:2]
    headers, authority = [], "localhost"
    for line in lines[1:]:
        if not line.strip():
            continue
        k, _, v = line.partition(":")
        if k.strip().lower() == "host":
            authority = v.strip()
        else:
            headers.append((k.strip(), v.strip()))
    body = None
    if "request_body" in test:
        body = codecs.escape_decode(strip_trailing_blank(test["request_body"]).encode())[0]
        if not any(k.lower() == "content-length" for k, _ in headers):
            headers.append(("content-length", str(len(body))))
    with h2client.H2Conn(srv.port) as c:
        last = c.response(c.request(method, target, headers, body, authority=authority))
    statuses = strip_trailing_blank(test.get("status", "")).split()
    if statuses and last.status != int(statuses[0]):
        raise E2EError("expected status %s, got %d (body %r)" % (statuses[0], last.status, last.body[:200]))
    check_last_response(srv, test, last)


# -- Python tests ----------------------------------------------------------------

def run_python_module(binary, label, want, tests_dir, path):
    if tests_dir not in sys.path:
        sys.path.insert(0, tests_dir)
    mod_name = os.path.basename(path)[:-3]
    spec = importlib.util.spec_from_file_location(mod_name, path)
    mod = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(mod)
    except Exception as e:  # noqa: BLE001
        print("FAIL %s/%s: does not load: %s" % (label, mod_name, e), flush=True)
        return
    for fname in [n for n in vars(mod) if n.startswith("test_") and callable(getattr(mod, n))]:
        name = "%s/%s/%s" % (label, mod_name, fname[5:])
        if not selected(name, want):
            continue
        start = time.monotonic()
        try:
            getattr(mod, fname)(binary)
            print("PASS " + name, flush=True)
        except Skip as e:
            print("SKIP %s: %s" % (name, e), flush=True)
        except Exception as e:  # noqa: BLE001
            detail = str(e) or traceback.format_exc(limit=2)
            print("FAIL %s: %s" % (name, detail.replace("\n", " | ")[:1000]), flush=True)
        took = time.monotonic() - start
        if took >= SLOW_TEST:
            print("# %s took %.1f s" % (name, took), flush=True)


# A test taking this long gets a `# NAME took S s` line (to see where the
# suite's time goes; never a failure).
SLOW_TEST = 5.0


def selected(name, want):
    return not want or any(w in name for w in want)


def units(tests_dir, protocol, h2_label):
    """The independent pieces of a run, each one server's worth or one
    module: (kind, path, protocol). Python modules come first: they are the
    long ones, and a pool that starts them first ends sooner."""
    cases = sorted(glob.glob(os.path.join(tests_dir, "cases", "**", "*.t"), recursive=True))
    out = []
    if protocol == "h1":
        out += [("py", p, "h1") for p in sorted(glob.glob(os.path.join(tests_dir, "test_*.py")))]
    out += [("case", p, protocol) for p in cases]
    if h2_label:
        out += [("case", p, "h2") for p in cases]
    return out


def run_unit(binary, label, h2_label, want, tests_dir, kind, path, protocol):
    if kind == "py":
        run_python_module(binary, label, want, tests_dir, path)
    else:
        run_case_file(binary, h2_label if protocol == "h2" and h2_label else label, path, want, protocol)


def run_pool(args, binary, tests_dir, todo):
    """Runs each unit in a child run.py, up to args.jobs at once, and prints
    each one's lines whole as it ends (lines of two units never mix). A unit
    that outlives UNIT_TIMEOUT is killed with its servers and is one FAIL."""
    import concurrent.futures
    import subprocess

    live = set()

    def stop_all(signum, _frame):
        # run.py killed (tests/*/suite.sh's timeout): its units go with it.
        for proc in list(live):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
        os._exit(128 + signum)
    signal.signal(signal.SIGTERM, stop_all)
    signal.signal(signal.SIGINT, stop_all)

    def one(unit):
        kind, path, protocol = unit
        cmd = [sys.executable, os.path.abspath(__file__), "--binary", binary, "--label", args.label,
               "--tests-dir", tests_dir, "--protocol", protocol, "--unit", kind + ":" + path]
        if args.h2_label:
            cmd += ["--h2-label", args.h2_label]
        start = time.monotonic()
        proc = subprocess.Popen(cmd + args.filters, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                start_new_session=True)
        live.add(proc)
        try:
            out, _ = proc.communicate(timeout=UNIT_TIMEOUT)
            text = out.decode("utf-8", "replace")
            if proc.returncode != 0:
                text += "FAIL %s/%s: its runner exited with status %d\n" % (
                    args.label, os.path.relpath(path, tests_dir), proc.returncode)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
            text = out.decode("utf-8", "replace") + "FAIL %s/%s: still running after %d s, killed\n" % (
                args.label, os.path.relpath(path, tests_dir), UNIT_TIMEOUT)
        live.discard(proc)
        took = time.monotonic() - start
        if not re.search(r"^(PASS|FAIL|SKIP) ", text, re.M):
            return text   # the filters left nothing of it to run
        rel = os.path.relpath(path, tests_dir)
        return text + "# %s %s (%s) took %.1f s\n" % (kind, rel, protocol, took)

    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for fut in concurrent.futures.as_completed([pool.submit(one, u) for u in todo]):
            sys.stdout.write(fut.result())
            sys.stdout.flush()


# A bound on one unit's wall time in a parallel run (not a performance
# threshold: the longest module takes a few minutes under ASan on a loaded
# machine; a unit that hangs must not hold the whole suite).
UNIT_TIMEOUT = 600


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--label", default="e2e")
    ap.add_argument("--tests-dir", default=HERE,
                    help="the folder whose cases/**/*.t and test_*.py run (default: tests/e2e)")
    ap.add_argument("--protocol", choices=("h1", "h2"), default="h1",
                    help="h2: the case files only, over HTTP/2 with prior knowledge")
    ap.add_argument("--h2-label", default=None,
                    help="also run the case files over HTTP/2, their names under this label")
    ap.add_argument("--jobs", type=int, default=1,
                    help="run this many case files / test modules at once, each in its own process")
    ap.add_argument("--unit", default=None, help=argparse.SUPPRESS)   # KIND:PATH, for --jobs' children
    ap.add_argument("filters", nargs="*")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    tests_dir = os.path.abspath(args.tests_dir)
    if args.unit:
        kind, _, path = args.unit.partition(":")
        run_unit(binary, args.label, args.h2_label, args.filters, tests_dir, kind, path, args.protocol)
        return
    todo = units(tests_dir, args.protocol, args.h2_label)
    if args.jobs > 1:
        run_pool(args, binary, tests_dir, todo)
        return
    for kind, path, protocol in todo:
        run_unit(binary, args.label, args.h2_label, args.filters, tests_dir, kind, path, protocol)


if __name__ == "__main__":
    main()
