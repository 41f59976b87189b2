"""Issue 14 (robustness), items 6, 8, 9 and 10: regexp blow-ups, guest
stderr floods, overlapping byte ranges, and small HTTP/config holes."""
import os
import subprocess

from ifrit_e2e import IO_TIMEOUT, Server, build_request, check

BASE = """{
	admin off
	auto_https off
}
"""


def validate(binary, srv, text):
    """`ifrit validate` on text; the completed process (bounded in time)."""
    path = os.path.join(srv.dir, "Check")
    with open(path, "w") as f:
        f.write(srv.render(text))
    return subprocess.run([binary, "validate", "--config", path], capture_output=True, timeout=IO_TIMEOUT)


# -- item 6: regular expressions -------------------------------------------

def test_regexp_blowup_refused_at_validate(binary):
    """Issue 14 item 6: a pattern whose counted repetitions multiply out to
    millions of states is refused with its file:line:col, not compiled."""
    with Server(binary, BASE + ":@PORT@ {\n\trespond ok\n}\n") as srv:
        for pat in ("((a{1,100}){1,100}){1,100}", "(?:a{1,1000}){5}", "a{1001}"):
            cfg = BASE + ":@PORT@ {\n\t@m path_regexp %s\n\trespond @m hit\n}\n" % pat
            r = validate(binary, srv, cfg)
            err = r.stdout.decode() + r.stderr.decode()
            check(r.returncode != 0, "validate accepted %s: %r" % (pat, err))
            check("Check:6:" in err and "path_regexp" in err, "no file:line:col for %s: %r" % (pat, err))


def test_regexp_big_pattern_matches_long_path(binary):
    """Issue 14 item 6: a pattern near the size bound against a 3,000-byte
    path is answered (the socket timeout is the guard), with its captures."""
    cfg = BASE + """:@PORT@ {
	@big path_regexp big ^/((a{1,10}){1,10}){1,10}(b?)$
	respond @big "hit {re.big.3}"
	@split path_regexp sp ^/(x+x+)+y$
	respond @split "split"
	respond "miss"
}
"""
    with Server(binary, cfg) as srv:
        r = srv.request("GET", "/" + "a" * 900 + "b")
        check(r.status == 200 and r.body == b"hit b", r)
        r = srv.request("GET", "/" + "a" * 3000)
        check(r.status == 200 and r.body == b"miss", r)
        r = srv.request("GET", "/" + "x" * 3000)
        check(r.status == 200 and r.body == b"miss", r)
