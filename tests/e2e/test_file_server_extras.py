"""file_server { etag_file_extensions } and browse { sort; file_limit }
(Caddy 2.8, newer than the Caddy of tests/compat; issue 18)."""
import json
import os
import subprocess

from ifrit_e2e import Server, check

GLOBAL = "{\n\tadmin off\n}\n"


def test_etag_file_extensions(binary):
    """The ETag comes from the first sidecar PATH+EXT that exists, newlines
    taken out; it drives If-None-Match. A file without a sidecar keeps the
    computed ETag; a precompressed answer takes its sibling's sidecar; a
    sidecar that is a symlink is refused (500) rather than read."""
    config = GLOBAL + """:@PORT@ {
	root * @DIR@/www
	file_server {
		etag_file_extensions .sha .etag
		precompressed gzip
	}
}
"""
    files = {"www/app.js": "console.log(1)\n", "www/app.js.etag": "\"from-etag\"\n",
             "www/both.css": "a{}\n", "www/both.css.sha": "\"from-sha\"", "www/both.css.etag": "\"second\"",
             "www/plain.txt": "plain\n", "www/z.js": "z\n", "www/z.js.gz": "not really gzip",
             "www/z.js.gz.etag": "\"gz-side\"", "www/z.js.etag": "\"plain-side\"",
             "www/secret.txt": "s\n", "outside.txt": "\"leaked\"\n"}
    srv = Server(binary, config, files=files)
    srv.write_files(files)
    os.symlink(os.path.join(srv.dir, "outside.txt"), os.path.join(srv.dir, "www", "secret.txt.etag"))
    with srv as s:
        r = s.request("GET", "/app.js")
        check(r.status == 200 and r.header("ETag") == "\"from-etag\"", "sidecar .etag: %r" % r)
        r = s.request("GET", "/app.js", headers=[("If-None-Match", "\"from-etag\"")])
        check(r.status == 304, "If-None-Match with the sidecar's tag: %r" % r)
        r = s.request("GET", "/both.css")
        check(r.header("ETag") == "\"from-sha\"", "the first extension listed wins: %r" % r)
        r = s.request("GET", "/plain.txt")
        etag = r.header("ETag") or ""
        check(r.status == 200 and etag.startswith("\"") and etag not in ("\"from-etag\"", "\"\""),
              "no sidecar: the computed ETag: %r" % r)
        r = s.request("GET", "/z.js", headers=[("Accept-Encoding", "gzip")])
        check(r.header("Content-Encoding") == "gzip" and r.header("ETag") == "\"gz-side\"",
              "precompressed: the sibling's sidecar: %r" % r)
        r = s.request("GET", "/z.js")
        check(r.header("ETag") == "\"plain-side\"", "uncompressed: its own sidecar: %r" % r)
        r = s.request("GET", "/secret.txt")
        check(r.status == 500 and b"leaked" not in r.body and "leaked" not in str(r.headers),
              "a symlinked sidecar is not read: %r" % r)


def test_etag_file_extensions_config_errors(binary):
    """Value errors name the option, at its file:line:col."""
    for block, want in (("etag_file_extensions", "expected at least 1 argument"),
                        ("etag_file_extensions ../x", "cannot hold '/'")):
        config = GLOBAL + ":8080 {\n\tfile_server {\n\t\t%s\n\t}\n}\n" % block
        srv = Server(binary, config)
        try:
            srv.write_config(srv.config_template, loopback=False)
            p = subprocess.run([binary, "validate", "--config", srv.config_path], capture_output=True, timeout=30)
            err = p.stderr.decode()
            check(p.returncode != 0 and want in err and "Caddyfile:6:" in err, "%s: %r" % (block, err))
        finally:
            srv.cleanup()


def _names(s, target):
    r = s.request("GET", target, headers=[("Accept", "application/json")])
    check(r.status == 200, "listing %s: %r" % (target, r))
    return [e["name"] for e in json.loads(r.body)]


def test_browse_sort_and_file_limit(binary):
    """browse { sort size desc } orders by size, largest first, directories
    (by name) at the end once reversed; sort namedirfirst puts directories
    first and compares names without case; file_limit caps the entries."""
    files = {"www/b.txt": "bb\n", "www/A.txt": "a\n", "www/c.txt": "cccccc\n", "www/sub/x": "x\n"}

    def run(browse_block):
        config = GLOBAL + ":@PORT@ {\n\troot * @DIR@/www\n\tfile_server {\n\t\tbrowse {\n\t\t\t%s\n\t\t}\n\t}\n}\n" % browse_block
        with Server(binary, config, files=files) as s:
            return _names(s, "/")
    got = run("sort size desc")
    check(got == ["c.txt", "b.txt", "A.txt", "sub"], "sort size desc: %r" % got)
    got = run("sort namedirfirst")
    check(got == ["sub", "A.txt", "b.txt", "c.txt"], "sort namedirfirst: %r" % got)
    got = run("sort name desc")
    check(got == ["sub", "c.txt", "b.txt", "A.txt"], "sort name desc: %r" % got)
    got = run("file_limit 2")
    check(len(got) == 2, "file_limit 2: %r" % got)


def test_browse_option_errors(binary):
    for opt, want in (("sort bytes", "unknown browse sort field 'bytes'"),
                      ("sort size up", "expected asc or desc, got 'up'"),
                      ("file_limit 0", "file_limit"),
                      ("reveal_symlinks", "'reveal_symlinks' is not supported by ifrit yet")):
        srv = Server(binary, GLOBAL + ":8080 {\n\tfile_server {\n\t\tbrowse {\n\t\t\t%s\n\t\t}\n\t}\n}\n" % opt)
        try:
            srv.write_config(srv.config_template, loopback=False)
            p = subprocess.run([binary, "validate", "--config", srv.config_path], capture_output=True, timeout=30)
            err = p.stderr.decode()
            check(p.returncode != 0 and want in err and "Caddyfile:7:" in err, "%s: %r" % (opt, err))
        finally:
            srv.cleanup()
