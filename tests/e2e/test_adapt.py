"""`ifrit adapt` against `caddy adapt` (Debian's caddy, 2.6.2) on corpus
Caddyfiles from tests/compat: the parts ifrit's model maps onto Caddy's
JSON must agree: each server's listen addresses, and its route tree (each
route's matcher names, with the values of path, host and method, and its
handler names, subroutes recursively). Handler options are not compared
(ifrit adapt does not write them)."""
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile

from ifrit_e2e import ROOT, check
from run import Skip

# tests/compat/run.py, for its corpus parser (e2e has a run.py of its own).
sys.path.insert(0, os.path.join(ROOT, "tests", "compat"))
_spec = importlib.util.spec_from_file_location("compat_run", os.path.join(ROOT, "tests", "compat", "run.py"))
compat_run = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(compat_run)

CADDY = shutil.which("caddy") or "/usr/bin/caddy"
# Corpus cases whose whole route tree maps (no handle_path or try_files,
# which Caddy expands into routes of its own).
CASES = [
    "published/hugo-blog", "published/api-versioning", "published/cors-preflight",
    "published/old-paths-redirects", "published/lowercase-host-vhosts", "published/block-bad-bots",
    "setups/snippet-security-headers", "setups/error-custom-statuses", "matchers2/method-sets",
    "vars/map-host-to-backend-name", "published/json-api-errors", "setups/log-level-and-skip",
]


def corpus():
    out = {}
    for name in sorted(os.listdir(os.path.join(ROOT, "tests", "compat", "cases"))):
        for c in compat_run.parse_cases(os.path.join(ROOT, "tests", "compat", "cases", name)):
            out[c.name] = c
    return out


def reduce_routes(routes):
    return [reduce_route(r) for r in routes or []]


def reduce_route(r):
    match = []
    for m in r.get("match", []):
        match.append(sorted((k, sorted(v) if k in ("path", "host", "method") else None) for k, v in m.items()))
    return (match, [reduce_handler(h) for h in r.get("handle", [])])


def reduce_handler(h):
    return (h["handler"], reduce_routes(h.get("routes")) if h["handler"] == "subroute" else None)


def servers(doc):
    out = {}
    for srv in doc.get("apps", {}).get("http", {}).get("servers", {}).values():
        out[tuple(sorted(srv["listen"]))] = reduce_routes(srv.get("routes"))
    return out


def adapt(cmd, path):
    out = subprocess.run(cmd + ["adapt", "--config", path], capture_output=True, timeout=60,
                         env=dict(os.environ, HOME=os.path.dirname(path)))
    if out.returncode != 0:
        raise AssertionError("%s adapt failed: %s" % (cmd[0], out.stderr.decode()[-500:]))
    return json.loads(out.stdout)


def test_adapt_matches_caddy_on_the_corpus(binary):
    if not os.path.exists(CADDY):
        raise Skip("no Caddy at %s (Debian's caddy package)" % CADDY)
    cases = corpus()
    with tempfile.TemporaryDirectory(prefix="ifrit-adapt-") as d:
        for name in CASES:
            text = cases[name].config
            for k, v in {"@PORT@": "18080", "@PORT2@": "18081", "@DIR@": d, "@OUT@": d,
                         "@UP@": "127.0.0.1:19001", "@UP2@": "127.0.0.1:19002", "@FCGI@": "127.0.0.1:19003"}.items():
                text = text.replace(k, v)
            path = os.path.join(d, "Caddyfile")
            with open(path, "w") as f:
                f.write(text)
            want, got = servers(adapt([CADDY], path)), servers(adapt([binary], path))
            check(want == got, "%s: caddy adapt %r\n  ifrit adapt %r" % (name, want, got))


def test_adapt_pretty_is_the_same_json(binary):
    with tempfile.TemporaryDirectory(prefix="ifrit-adapt-") as d:
        path = os.path.join(d, "Caddyfile")
        with open(path, "w") as f:
            f.write("{\n\tadmin off\n}\n:18080 {\n\t@a path /a \"/b c\"\n\trespond @a \"x\"\n\thandle {\n\t\tfile_server\n\t}\n}\n")
        plain = subprocess.run([binary, "adapt", "--config", path], capture_output=True, timeout=30)
        pretty = subprocess.run([binary, "adapt", "--config", path, "--pretty"], capture_output=True, timeout=30)
        check(plain.returncode == 0 and pretty.returncode == 0, plain.stderr + pretty.stderr)
        check(json.loads(plain.stdout) == json.loads(pretty.stdout), (plain.stdout, pretty.stdout))
        check(b"\n\t\t" in pretty.stdout and b"\n" not in plain.stdout.rstrip(b"\n"), pretty.stdout)
        bad = subprocess.run([binary, "adapt", "--config", os.path.join(d, "none")], capture_output=True, timeout=30)
        check(bad.returncode == 1 and b"none" in bad.stderr, bad.stderr)
