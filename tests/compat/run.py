#!/usr/bin/env python3
"""The differential suite: every case's Caddyfile runs in Caddy and in ifrit,
the same requests go to both, and the answers are compared (status, body,
headers). Prints `PASS compat/NAME` or `FAIL compat/NAME: why` per case and
a summary line. A difference fails its case unless docs/caddy-differences.md
lists it (case and request) with its reason; a listed difference that no
longer occurs fails too, so the list stays true.

    tests/compat/run.py --binary build/release/ifrit [--caddy /usr/bin/caddy] [FILTER...]

Case format and the compared headers: tests/compat/README.md.
"""
import argparse
import codecs
import glob
import json
import gzip
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
import ifrit_e2e  # noqa: E402
from ifrit_e2e import Conn, E2EError, Server, build_request, free_port  # noqa: E402
from proxy_upstream import Reply, Upstream  # noqa: E402
import fcgi_upstream  # noqa: E402
import php_fpm  # noqa: E402

ROOT = ifrit_e2e.ROOT
DIFFERENCES = os.path.join(ROOT, "docs", "caddy-differences.md")
IO_TIMEOUT = 10.0      # bound on one socket wait (not a performance threshold)
START_TIMEOUT = 20.0   # bound on waiting for Caddy to listen

# Response headers never compared, and why (README.md repeats this list):
IGNORED = {
    "date": "the time of the answer",
    "server": "each server names itself",
    "content-length": "framing: one may chunk what the other sizes; the bodies are compared",
    "transfer-encoding": "framing, as Content-Length",
    "connection": "connection management, not the answer",
    "keep-alive": "connection management",
}
# Compared for presence only: both send it or neither does.
PRESENCE_ONLY = {
    "etag": "Caddy's ETag is its own encoding of mtime and size; only that there is one matters",
}


# -- the corpus ------------------------------------------------------------------

class Case:
    def __init__(self, name, path):
        self.name, self.path = name, path
        self.config, self.files, self.requests = None, {}, []
        self.logs = {}   # a log file under @OUT@ -> the field paths compared, line by line


def parse_request(line, where):
    """`METHOD TARGET | Name: value | ... | <BODY`: one request."""
    parts = [p.strip() for p in line.split(" | ")]
    head = parts[0].split()
    if len(head) != 2:
        raise E2EError("%s: a request is `METHOD TARGET [| Header: v]... [| <body]`: %r" % (where, line))
    headers, body = [], None
    for p in parts[1:]:
        if p.startswith("<"):
            body = codecs.decode(p[1:], "unicode_escape").encode("latin-1")
        elif ":" in p:
            k, _, v = p.partition(":")
            headers.append((k.strip(), v.strip()))
        else:
            raise E2EError("%s: neither a header nor a <body: %r" % (where, p))
    return {"method": head[0], "target": head[1], "headers": headers, "body": body, "label": line}


def parse_cases(path):
    cases, case, section, lines = [], None, None, []

    def flush():
        if case is None or section is None:
            return
        text = "\n".join(lines)
        if section == "config":
            case.config = text.rstrip("\n") + "\n"
        elif section.startswith("file "):
            case.files[section[5:].strip()] = text + "\n" if lines else ""   # no lines: an empty file
        elif section.startswith("log "):
            case.logs[section[4:].strip()] = [f for ln in lines for f in ln.split() if not ln.startswith("#")]
        elif section == "requests":
            for i, ln in enumerate(lines):
                if ln.strip() and not ln.lstrip().startswith("#"):
                    case.requests.append(parse_request(ln.strip(), "%s (%s)" % (path, case.name)))
        else:
            raise E2EError("%s (%s): unknown section %r" % (path, case.name, section))

    with open(path, encoding="utf-8") as f:
        for raw in f.read().split("\n"):
            if raw.startswith("### case "):
                flush()
                case, section, lines = Case(raw[9:].strip(), path), None, []
                cases.append(case)
            elif raw.startswith("--- "):
                flush()
                section, lines = raw[4:].strip(), []
            elif section is not None:
                lines.append(raw)
            elif raw.strip() and not raw.startswith("#"):
                raise E2EError("%s: text outside a section: %r" % (path, raw))
        flush()
    for c in cases:
        if c.config is None or not c.requests:
            raise E2EError("%s (%s): a case needs --- config and --- requests" % (path, c.name))
    return cases


def parse_differences(path):
    """The table rows of docs/caddy-differences.md: {(case, request): reason}.
    request is the case's request line as written, `load` (ifrit refuses the
    config) or `*` (every request)."""
    out = {}
    row = re.compile(r"^\|\s*`([^`]+)`\s*\|\s*`([^`]+)`\s*\|(.*)\|\s*$")
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = row.match(line)
            if m:
                # a `|` in a request line is written `\|` in the table
                out[(m.group(1), m.group(2).replace("\\|", "|"))] = m.group(3).strip()
    return out


# -- the servers -------------------------------------------------------------------

class Caddy:
    """Caddy on a free port with the case's Caddyfile; its state in a temp dir."""

    def __init__(self, caddy, config, files_dir, subst):
        self.caddy, self.config, self.files_dir, self.subst = caddy, config, files_dir, subst
        self.state = tempfile.mkdtemp(prefix="ifrit-compat-caddy-")
        self.proc = None

    def start(self):
        last = ""
        for _ in range(3):   # another process may take the free port first
            self.port, self.port2 = free_port(), free_port()
            path = os.path.join(self.state, "Caddyfile")
            with open(path, "w") as f:
                # 127.0.0.1 only, as ifrit's side (the harness's loopback_only)
                f.write(ifrit_e2e.loopback_only(render(self.config, self.port, self.port2, self.files_dir,
                                                       self.state, self.subst)))
            env = dict(os.environ, HOME=self.state, XDG_CONFIG_HOME=os.path.join(self.state, "config"),
                       XDG_DATA_HOME=os.path.join(self.state, "data"))
            log = open(os.path.join(self.state, "caddy.log"), "wb")
            self.proc = subprocess.Popen([self.caddy, "run", "--adapter", "caddyfile", "--config", path],
                                         stdout=log, stderr=subprocess.STDOUT, cwd=self.files_dir, env=env)
            log.close()
            if wait_listening(self.proc, self.port):
                return
            last = self.log()
            self.stop()
            if "address already in use" not in last:
                break
        raise E2EError("Caddy did not start: " + last[-1500:])

    def log(self):
        with open(os.path.join(self.state, "caddy.log"), "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=IO_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.state, ignore_errors=True)


def wait_listening(proc, port):
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.01)
    return False


def render(text, port, port2, files_dir, out_dir, subst):
    text = text.replace("@PORT@", str(port)).replace("@PORT2@", str(port2))
    text = text.replace("@DIR@", files_dir).replace("@OUT@", out_dir)
    for k, v in subst.items():
        text = text.replace(k, v)
    return text


# -- the upstreams both servers proxy to ------------------------------------------

# Request headers the echo upstream leaves out of its answer, and why:
ECHO_SKIP = {
    "connection": "hop-by-hop",
    "keep-alive": "hop-by-hop",
    "accept-encoding": "Go's transport (Caddy's) adds gzip on its own and undoes it",
    "user-agent": "not sent by the suite; Go's transport adds its own when absent",
}


def echo_app(name):
    """Answers with its name, what it saw (headers sorted) and the body; the
    query may ask for a status (`status=404`) or response headers
    (`set=Name:Value`, repeatable)."""
    def app(req):
        status, extra = 200, {"Content-Type": "text/plain; charset=utf-8", "X-Upstream": name}
        query = req.target.partition("?")[2]
        for kv in query.split("&"):
            k, _, v = kv.partition("=")
            if k == "status" and v.isdigit():
                status = int(v)
            elif k == "set" and ":" in v:
                hk, _, hv = v.partition(":")
                extra[hk] = hv.replace("+", " ")
        lines = ["%s %s %s" % (name, req.method, req.target)]
        lines += sorted("%s: %s" % (k.lower(), v) for k, v in req.headers if k.lower() not in ECHO_SKIP)
        body = ("\n".join(lines) + "\n").encode() + req.body
        return Reply(status, extra, b"" if status in (204, 304) else body)
    return app


# -- one case -----------------------------------------------------------------------

def ask(port, req):
    headers = list(req["headers"])
    host = None if any(k.lower() == "host" for k, _ in headers) else "localhost:%d" % port
    with Conn(port, timeout=IO_TIMEOUT) as c:
        c.send(build_request(req["method"], req["target"], headers, req["body"], host=host))
        return c.read_response(req["method"])


def decoded_body(resp):
    """The body, gunzipped when the answer says gzip: two compressors give
    different bytes for the same content (Go's and zlib), so the content is
    what is compared (Content-Encoding itself still is)."""
    coding = [v.strip().lower() for k, v in resp.headers if k.lower() == "content-encoding"]
    if coding == ["gzip"]:
        try:
            return gzip.decompress(resp.body)
        except (OSError, EOFError):
            return resp.body
    return resp.body


def normalize(resp, port):
    """(status, headers, body) with the server's own port written @PORT@."""
    if isinstance(resp, str):
        return resp
    p = str(port).encode()
    heads = {}
    for k, v in resp.headers:
        k = k.lower()
        if k in IGNORED:
            continue
        heads.setdefault(k, []).append("(present)" if k in PRESENCE_ONLY else v.replace(str(port), "@PORT@"))
    return (resp.status, sorted(heads.items()), decoded_body(resp).replace(p, b"@PORT@"))


def describe(a, b):
    """What differs between Caddy's answer a and ifrit's b, in a few words."""
    if isinstance(a, str) or isinstance(b, str):
        return "Caddy: %s; ifrit: %s" % (a if isinstance(a, str) else a[0], b if isinstance(b, str) else b[0])
    out = []
    if a[0] != b[0]:
        out.append("status %d vs %d" % (a[0], b[0]))
    ha, hb = dict(a[1]), dict(b[1])
    for k in sorted(set(ha) | set(hb)):
        if ha.get(k) != hb.get(k):
            out.append("%s %r vs %r" % (k, ha.get(k), hb.get(k)))
    if a[2] != b[2]:
        out.append("body %r vs %r" % (a[2][:120], b[2][:120]))
    return "; ".join(out) + " (Caddy vs ifrit)"


def log_fields(path, fields, port):
    """The fields (paths like request>uri) of each JSON line of the log
    file at path, as a list of tuples (JSON text, the server's port written
    @PORT@); a missing field is null, a line that is not JSON its text."""
    out = []
    try:
        with open(path, encoding="utf-8") as f:
            lines = [ln for ln in f.read().splitlines() if ln.strip()]
    except OSError as e:
        return "no log file (%s)" % e.strerror
    for ln in lines:
        try:
            entry = json.loads(ln)
        except ValueError:
            out.append(ln)
            continue
        row = []
        for path_ in fields:
            v = entry
            for k in path_.split(">"):
                v = v.get(k) if isinstance(v, dict) else None
            row.append(json.dumps(v, sort_keys=True).replace(str(port), "@PORT@"))
        out.append(tuple(row))
    return out


def compare_logs(case, caddy_dir, caddy_port, ifrit_dir, ifrit_port):
    """(label, difference or None) for each `--- log FILE` of the case, read
    after both servers stopped (so every line is written)."""
    results = []
    for name, fields in sorted(case.logs.items()):
        a = log_fields(os.path.join(caddy_dir, name), fields, caddy_port)
        b = log_fields(os.path.join(ifrit_dir, name), fields, ifrit_port)
        diff = None
        if a != b:
            diff = "log %s: Caddy %r vs ifrit %r" % (name, a if isinstance(a, str) else a[:4],
                                                     b if isinstance(b, str) else b[:4])
        results.append(("log " + name, diff))
    return results


def run_case(case, binary, caddy, subst):
    """Returns a list of (request label, None when equal else the difference)
    and the load problem (ifrit refused the config) or None."""
    results = []
    srv = Server(binary, case.config, files=case.files)
    # @OUT@ is each server's own directory for files it writes (logs).
    srv.config_template = case.config.replace("@OUT@", "@DIR@/out-ifrit")
    for k, v in subst.items():
        srv.config_template = srv.config_template.replace(k, v)
    os.makedirs(os.path.join(srv.dir, "out-ifrit"), exist_ok=True)
    try:
        try:
            srv.start()
        except E2EError as e:
            log = srv.read_log().strip().splitlines()
            return [], "ifrit refused the config: " + (log[-1] if log else str(e))[:300]
        cad = Caddy(caddy, case.config, srv.dir, subst)
        problem = None
        try:
            cad.start()
            for req in case.requests:
                try:
                    a = normalize(ask(cad.port, req), cad.port)
                except (OSError, E2EError) as e:
                    a = "no answer (%s)" % e
                try:
                    b = normalize(ask(srv.port, req), srv.port)
                except (OSError, E2EError) as e:
                    b = "no answer (%s)" % e
                results.append((req["label"], None if a == b else describe(a, b)))
            # Both stopped first: their log lines are all written then.
            cad.stop()
            problem = srv.shutdown_problem()
            if case.logs:
                results += compare_logs(case, cad.state, cad.port, os.path.join(srv.dir, "out-ifrit"), srv.port)
        finally:
            cad.cleanup()
        if problem:
            results.append(("shutdown", "ifrit: " + problem[:500]))
    finally:
        srv.cleanup()
    return results, None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--caddy", default=shutil.which("caddy") or "/usr/bin/caddy")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--missing-rows", action="store_true",
                    help="print each undocumented difference as a table row for docs/caddy-differences.md")
    ap.add_argument("filters", nargs="*")
    args = ap.parse_args()
    args.binary = os.path.abspath(args.binary)
    if not os.path.exists(args.caddy):
        print("SKIP compat: no Caddy at %s (Debian's caddy package; scripts/install-deps.sh installs it)" % args.caddy)
        return 0
    cases = []
    for path in sorted(glob.glob(os.path.join(HERE, "cases", "*.txt"))):
        cases += parse_cases(path)
    names = [c.name for c in cases]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        print("FAIL compat/corpus: case names used twice: %s" % ", ".join(dup))
    if args.filters:
        cases = [c for c in cases if any(f in c.name for f in args.filters)]
    documented = parse_differences(DIFFERENCES)
    used = set()
    rows = []

    ups = [Upstream(echo_app("up1")).start(), Upstream(echo_app("up2")).start()]
    fcgi = fcgi_upstream.FastCGIServer().start()
    subst = {"@UP@": ups[0].addr, "@UP2@": ups[1].addr, "@FCGI@": fcgi.addr}
    # Debian's php-fpm for the PHP cases, one pool both servers share.
    fpm = None
    if any("@PHPFPM" in c.config for c in cases):
        try:
            fpm = php_fpm.PhpFpm(children=4).start()
            subst.update({"@PHPFPM@": fpm.addr, "@PHPFPM_SOCK@": fpm.sock})
        except ifrit_e2e.Skip as e:
            print("SKIP compat/php: %s" % e)
            cases = [c for c in cases if "@PHPFPM" not in c.config]
    totals = {"requests": 0, "matched": 0, "documented": 0, "logs": 0}
    lock = threading.Lock()

    def one(case):
        try:
            results, refused = run_case(case, args.binary, args.caddy, subst)
        except Exception as e:  # noqa: BLE001 - a broken case is reported, never fatal
            return "FAIL compat/%s: %s: %s" % (case.name, type(e).__name__, str(e)[:500])
        bad, notes = [], []
        with lock:
            totals["requests"] += len(case.requests)
            totals["logs"] += len(case.logs)
            if refused:
                for key in ((case.name, "load"), (case.name, "*")):
                    if key in documented:
                        used.add(key)
                        totals["documented"] += len(case.requests)
                        return "PASS compat/%s (documented: ifrit refuses it)" % case.name
                if args.missing_rows:
                    rows.append("| `%s` | `load` | %s |" % (case.name, refused))
                return "FAIL compat/%s: %s (not in docs/caddy-differences.md)" % (case.name, refused)
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
                    if args.missing_rows:
                        rows.append("| `%s` | `%s` | %s |" % (case.name, label.replace("|", "\\|"), diff))
        if bad:
            return "FAIL compat/%s: %s" % (case.name, " | ".join(bad))
        return "PASS compat/%s%s" % (case.name, " (documented: %s)" % ", ".join(notes) if notes else "")

    try:
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            for line in pool.map(one, cases):
                print(line, flush=True)
    finally:
        for u in ups:
            u.stop()
        fcgi.stop()
        if fpm:
            fpm.cleanup()

    for r in rows:
        print(r)
    if not args.filters:
        known = {c.name for c in cases}
        for key in sorted(set(documented) - used):
            why = "no such case" if key[0] not in known else "it no longer differs"
            print("FAIL compat/differences: docs/caddy-differences.md lists `%s` `%s` but %s; remove the row"
                  % (key[0], key[1], why))
    print("compat: %d cases, %d requests, %d log files compared, %d matched, %d documented differences"
          % (len(cases), totals["requests"], totals["logs"], totals["matched"], totals["documented"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
