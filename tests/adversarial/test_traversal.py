"""Issue 14 (robustness), the path-traversal category that held: every form
of stepping out of a file_server root (../, %2e%2e, encoded slashes and
backslashes, double encoding, NUL, overlong UTF-8, absolute paths and
absolute-form targets, symlinks out of the root, a directory symlink, a
chain of symlinks, hidden files and the Caddyfile itself), straight and
through handle_path, try_files and rewrite with attacker-chosen candidates.
Nothing outside the root is ever served: each answer is a refusal (400 or
404) and no body holds the secret's bytes; the files inside the root still
are served, symlinks inside it included."""
import json
import os
import urllib.parse

from ifrit_e2e import Server, build_request, check

SECRET = b"TOPSECRET-outside-the-root\n"
PASSWD = b"root:"

CONFIG = """{
	admin off
	auto_https off
}
:@PORT@ {
	root * @DIR@/www
	handle_path /hp/* {
		file_server {
			hide .hidden
		}
	}
	handle /tf/* {
		try_files {query.f} =404
		file_server {
			hide .hidden
		}
	}
	handle /rw/* {
		rewrite * {query.p}
		file_server {
			hide .hidden
		}
	}
	handle {
		file_server browse {
			hide .hidden
		}
	}
}
"""

FILES = {
    "secret.txt": SECRET,
    "www/index.html": b"<h1>home</h1>\n",
    "www/sub/a.txt": b"inside\n",
    "www/.hidden": SECRET,
}

# Targets sent as they are (the request line); each would name a file
# outside www/ if the server joined it naively.
TARGETS = [
    "/../secret.txt",
    "/../../../../../../etc/passwd",
    "/" + "../" * 60 + "etc/passwd",
    "/%2e%2e/secret.txt",
    "/%2E%2E/secret.txt",
    "/.%2e/secret.txt",
    "/%2e./secret.txt",
    "/..%2fsecret.txt",
    "/..%2Fsecret.txt",
    "/%2e%2e%2fsecret.txt",
    "/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/%252e%252e%252fsecret.txt",
    "/%252e%252e/secret.txt",
    "/..%252fsecret.txt",
    "/..\\secret.txt",
    "/..%5csecret.txt",
    "/..%5Csecret.txt",
    "/%5c..%5csecret.txt",
    "/%2e%2e%5csecret.txt",
    "/..%00/secret.txt",
    "/../secret.txt%00",
    "/../secret.txt%00.html",
    "/%00../secret.txt",
    "/%c0%ae%c0%ae/secret.txt",
    "/%c0%ae%c0%ae%c0%afsecret.txt",
    "/..%c0%afsecret.txt",
    "/..%c1%9csecret.txt",
    "/%e0%80%ae%e0%80%ae/secret.txt",
    "/%f0%80%80%ae%f0%80%80%ae/secret.txt",
    "/..%e2%88%95secret.txt",
    "/..%ef%bc%8fsecret.txt",
    "//../secret.txt",
    "/./../secret.txt",
    "/sub/../../secret.txt",
    "/sub/%2e%2e/%2e%2e/secret.txt",
    "/sub/..%2f..%2fsecret.txt",
    "/sub/./.././../secret.txt",
    "/.../secret.txt",
    "/....//secret.txt",
    "/;/../secret.txt",
    "/..;/secret.txt",
    "/%2fetc%2fpasswd",
    "//etc/passwd",
    "///etc/passwd",
    "/@DIR@/secret.txt",
    "/%2f@DIR@/secret.txt",
    "/link_out",
    "/link_abs",
    "/link_chain",
    "/dir_out/secret.txt",
    "/dir_out/www/../secret.txt",
    "/sub/link_up/secret.txt",
    "/.hidden",
    "/sub/../.hidden",
    "/%2ehidden",
    "/hp/../secret.txt",
    "/hp/%2e%2e/secret.txt",
    "/hp/..%2fsecret.txt",
    "/hp/link_out",
    "/hp/dir_out/secret.txt",
    "/hp//etc/passwd",
    "http://a/../secret.txt",
    "http://a/%2e%2e/secret.txt",
    "http://a//etc/passwd",
]

# Candidates an attacker puts in try_files (f) and rewrite (p).
CANDIDATES = [
    "../secret.txt",
    "/../secret.txt",
    "/../../../../etc/passwd",
    "%2e%2e/secret.txt",
    "/%2e%2e%2fsecret.txt",
    "/..\\secret.txt",
    "/link_out",
    "/link_abs",
    "/link_chain",
    "/dir_out/secret.txt",
    "@DIR@/secret.txt",
    "/etc/passwd",
    "//etc/passwd",
    "/.hidden",
    "/sub/../../secret.txt",
]


def make_links(srv):
    www = os.path.join(srv.dir, "www")
    os.symlink("../secret.txt", os.path.join(www, "link_out"))
    os.symlink("/etc/passwd", os.path.join(www, "link_abs"))
    os.symlink("link_hop", os.path.join(www, "link_chain"))
    os.symlink("sub/../link_out", os.path.join(www, "link_hop"))
    os.symlink("..", os.path.join(www, "dir_out"))
    os.symlink("../..", os.path.join(www, "sub", "link_up"))
    os.symlink("sub/a.txt", os.path.join(www, "link_in"))
    os.symlink("sub", os.path.join(www, "dir_in"))


def raw_get(srv, target):
    with srv.conn() as c:
        c.send(b"GET " + srv.render(target).encode("latin-1") + b" HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        return c.read_response()


def leaked(r):
    return SECRET.strip() in r.body or PASSWD in r.body


def test_traversal_targets_are_refused(binary):
    """Issue 14, path traversal: each target of TARGETS, straight and under
    handle_path, is 400 or 404 and never carries the secret or
    /etc/passwd; the server keeps serving the files inside the root."""
    bad = []
    with Server(binary, CONFIG, files=FILES) as srv:
        make_links(srv)
        for target in TARGETS:
            r = raw_get(srv, target)
            if r.status not in (400, 404) or leaked(r):
                bad.append("%s: %d %r" % (target, r.status, r.body[:80]))
        for target, body in (("/sub/a.txt", b"inside\n"), ("/link_in", b"inside\n"), ("/dir_in/a.txt", b"inside\n"),
                             ("/hp/sub/a.txt", b"inside\n"), ("/%73ub/a.txt", b"inside\n"),
                             ("/sub/../sub/a.txt", b"inside\n")):
            r = raw_get(srv, target)
            if r.status != 200 or r.body != body:
                bad.append("inside %s: %d %r" % (target, r.status, r.body[:80]))
    check(not bad, "%d of %d wrong:\n%s" % (len(bad), len(TARGETS) + 6, "\n".join(bad)))


def test_traversal_through_try_files_and_rewrite(binary):
    """Issue 14, path traversal: attacker-chosen try_files candidates and
    rewrite targets (query placeholders) never reach outside the root; a
    candidate inside it still works."""
    bad = []
    with Server(binary, CONFIG, files=FILES) as srv:
        make_links(srv)
        for cand in CANDIDATES:
            q = urllib.parse.quote(srv.render(cand), safe="")
            for target in ("/tf/x?f=" + q, "/rw/x?p=" + q):
                r = raw_get(srv, target)
                if r.status not in (400, 404) or leaked(r):
                    bad.append("%s (%r): %d %r" % (target, cand, r.status, r.body[:80]))
        for target in ("/tf/x?f=/sub/a.txt", "/rw/x?p=/sub/a.txt", "/tf/x?f=/link_in"):
            r = raw_get(srv, target)
            if r.status != 200 or r.body != b"inside\n":
                bad.append("inside %s: %d %r" % (target, r.status, r.body[:80]))
    check(not bad, "%d wrong:\n%s" % (len(bad), "\n".join(bad)))


def test_listing_leaves_out_what_leads_outside(binary):
    """Issue 14, path traversal: the browse listing (JSON) of the root shows
    the symlinks inside it and none of those that lead out, nor the hidden
    file."""
    with Server(binary, CONFIG, files=FILES) as srv:
        make_links(srv)
        r = srv.request("GET", "/sub/", headers=[("Accept", "application/json")])
        check(r.status == 200, r)
        names = {e["name"].rstrip("/") for e in json.loads(r.body)}
        check("a.txt" in names and "link_up" not in names, names)
        os.remove(os.path.join(srv.dir, "www", "index.html"))
        r = srv.request("GET", "/", headers=[("Accept", "application/json")])
        check(r.status == 200, r)
        names = {e["name"].rstrip("/") for e in json.loads(r.body)}
        check({"sub", "link_in", "dir_in"} <= names, names)
        for out in ("link_out", "link_abs", "link_chain", "link_hop", "dir_out", ".hidden", "secret.txt"):
            check(out not in names, "%s listed: %s" % (out, sorted(names)))


def test_caddyfile_in_the_root_is_never_served(binary):
    """Issue 14, path traversal (hidden files): with the root at the
    Caddyfile's own directory, the Caddyfile is not served under any
    spelling."""
    cfg = "{\n\tadmin off\n\tauto_https off\n}\n:@PORT@ {\n\troot * @DIR@\n\tfile_server\n}\n"
    with Server(binary, cfg, files={"page.txt": b"page\n"}) as srv:
        check(srv.request("GET", "/page.txt").body == b"page\n", "the root is not served")
        for target in ("/Caddyfile", "/%43addyfile", "/./Caddyfile", "/x/../Caddyfile", "//Caddyfile", "/Caddyfile/"):
            with srv.conn() as c:
                c.send(build_request("GET", target))
                r = c.read_response()
            check(r.status in (400, 404) and b"admin off" not in r.body, "%s: %r" % (target, r))


def test_handle_path_beside_a_catch_all_handle(binary):
    """Issue 14, path traversal (the configs above rely on it): handle_path
    sorts with handle, as in Caddy, so Caddy's own example (a handle_path
    for a prefix beside a catch-all `handle { }`) strips and serves the
    prefix instead of the catch-all shadowing it (it did before the fix in
    src/route/plan_build.c)."""
    cfg = """{
	admin off
	auto_https off
}
:@PORT@ {
	root * @DIR@/www
	handle {
		respond "catch-all {path}"
	}
	handle_path /hp/* {
		file_server
	}
	handle /h/* {
		respond "h {path}"
	}
}
"""
    with Server(binary, cfg, files=FILES) as srv:
        for target, body in (("/hp/sub/a.txt", b"inside\n"), ("/h/x", b"h /h/x"), ("/y", b"catch-all /y")):
            r = srv.request("GET", target)
            check(r.status == 200 and r.body == body, "%s: %r" % (target, r))
