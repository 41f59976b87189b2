"""End-to-end tests of the route directives that case files cannot express:
compressed bodies (encode, precompressed files), bcrypt logins (basic_auth),
access log lines (log), symlinks leaving the root and files changing
between requests (file_server)."""
import base64
import gzip
import json
import os
import select
import shutil
import subprocess
import time

from ifrit_e2e import Server, build_request, check
from run import Skip

TEXT = ("ifrit encodes this line. " * 200).encode()


def zstd_decompress(data):
    if not shutil.which("zstd"):
        raise Skip("zstd command not installed")
    return subprocess.run(["zstd", "-dc"], input=data, capture_output=True, check=True).stdout


ENCODE_CONFIG = """{
	admin off
}
:@PORT@ {
	root * @DIR@/www
	encode zstd gzip {
		minimum_length 100
	}
	respond /small "tiny"
	respond /json `{"k": "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv"}`
	file_server
}
"""


def test_encode_negotiation(binary):
    with Server(binary, ENCODE_CONFIG, files={"www/page.txt": TEXT, "www/pic.png": b"\x89PNG" + b"\0" * 2000}) as s:
        r = s.request("GET", "/page.txt", [("Accept-Encoding", "gzip")])
        check(r.status == 200, r)
        check(r.header("Content-Encoding") == "gzip", r.headers)
        check("Accept-Encoding" in r.header_all("Vary"), r.headers)
        check(r.header("Content-Length") is None or int(r.header("Content-Length")) == len(r.body), r.headers)
        check(gzip.decompress(r.body) == TEXT, "gzip body round-trips")
        check(r.header("ETag", "").startswith("W/"), "a strong ETag becomes weak: %r" % r.headers)

        # Highest q-value wins; zstd comes first in the config on ties.
        r = s.request("GET", "/page.txt", [("Accept-Encoding", "gzip;q=0.5, zstd;q=0.9")])
        check(r.header("Content-Encoding") == "zstd", r.headers)
        check(zstd_decompress(r.body) == TEXT, "zstd body round-trips")
        r = s.request("GET", "/page.txt", [("Accept-Encoding", "gzip, zstd")])
        check(r.header("Content-Encoding") == "zstd", r.headers)
        r = s.request("GET", "/page.txt", [("Accept-Encoding", "zstd;q=0, gzip")])
        check(r.header("Content-Encoding") == "gzip", r.headers)

        # Not accepted, too small, or not a compressible type: unchanged.
        r = s.request("GET", "/page.txt", [("Accept-Encoding", "br")])
        check(r.header("Content-Encoding") is None and r.body == TEXT, r.headers)
        r = s.request("GET", "/page.txt")
        check(r.header("Content-Encoding") is None and r.body == TEXT, r.headers)
        r = s.request("GET", "/small", [("Accept-Encoding", "gzip")])
        check(r.header("Content-Encoding") is None and r.body == b"tiny", r.headers)
        r = s.request("GET", "/pic.png", [("Accept-Encoding", "gzip")])
        check(r.header("Content-Encoding") is None, r.headers)

        # A respond body with JSON is compressed as well.
        r = s.request("GET", "/json", [("Accept-Encoding", "gzip")])
        check(r.header("Content-Encoding") == "gzip", r.headers)
        check(json.loads(gzip.decompress(r.body))["k"].startswith("vvvv"), "json survives")

        # curl agrees with what we sent.
        out = s.curl("--compressed", "-H", "Accept-Encoding: gzip", "http://127.0.0.1:@PORT@/page.txt")
        check(out.returncode == 0 and out.stdout == TEXT, out.stderr)


def test_file_server_precompressed(binary):
    config = """{
	admin off
}
:@PORT@ {
	root * @DIR@/www
	file_server {
		precompressed br zstd gzip
	}
}
"""
    files = {"www/app.js": b"plain();\n", "www/app.js.gz": gzip.compress(b"from gz();\n"),
             "www/app.js.br": b"BROTLI-BYTES"}
    with Server(binary, config, files=files) as s:
        r = s.request("GET", "/app.js", [("Accept-Encoding", "gzip")])
        check(r.header("Content-Encoding") == "gzip", r.headers)
        check(r.header("Content-Type", "").startswith("text/javascript"), r.headers)
        check("Accept-Encoding" in r.header_all("Vary"), r.headers)
        check(gzip.decompress(r.body) == b"from gz();\n", r.body)
        r = s.request("GET", "/app.js", [("Accept-Encoding", "gzip, br")])
        check(r.header("Content-Encoding") == "br" and r.body == b"BROTLI-BYTES", r.headers)
        r = s.request("GET", "/app.js")
        check(r.header("Content-Encoding") is None and r.body == b"plain();\n", r.headers)
        check("Accept-Encoding" in r.header_all("Vary"), "Vary even for the identity answer")


def test_file_server_symlinks(binary):
    config = """{
	admin off
}
:@PORT@ {
	root * @DIR@/www
	file_server browse
}
"""
    files = {"www/inside.txt": b"inside\n", "secret/outside.txt": b"secret\n", "www/sub/ok.txt": b"ok\n"}
    with Server(binary, config, files=files) as s:
        www = os.path.join(s.dir, "www")
        os.symlink(os.path.join(s.dir, "secret", "outside.txt"), os.path.join(www, "abs-out.txt"))
        os.symlink("../secret/outside.txt", os.path.join(www, "rel-out.txt"))
        os.symlink(os.path.join(s.dir, "secret"), os.path.join(www, "dir-out"))
        os.symlink("inside.txt", os.path.join(www, "alias.txt"))
        os.symlink("sub", os.path.join(www, "sub-alias"))
        for target in ("/abs-out.txt", "/rel-out.txt", "/dir-out/outside.txt", "/dir-out/",
                       "/sub/..%2f..%2fsecret/outside.txt", "/%2e%2e/secret/outside.txt",
                       "/sub/%2e%2e/%2e%2e/secret/outside.txt"):
            r = s.request("GET", target)
            check(r.status == 404, "%s: %r" % (target, r))
            check(b"secret" not in r.body, target)
        r = s.request("GET", "/alias.txt")
        check(r.status == 200 and r.body == b"inside\n", "a symlink inside the root is served: %r" % r)
        r = s.request("GET", "/sub-alias/ok.txt")
        check(r.status == 200 and r.body == b"ok\n", r)
        # Paths with a symlink leave the direct open for the walk: an
        # absolute link that stays inside, a linked index file.
        os.symlink(os.path.join(www, "inside.txt"), os.path.join(www, "abs-in.txt"))
        os.mkdir(os.path.join(www, "idx"))
        os.symlink("../inside.txt", os.path.join(www, "idx", "index.html"))
        for target in ("/abs-in.txt", "/idx/"):
            r = s.request("GET", target)
            check(r.status == 200 and r.body == b"inside\n", "%s: %r" % (target, r))
        # A FIFO is opened non-blocking (the worker never waits) and refused.
        os.mkfifo(os.path.join(www, "pipe"))
        r = s.request("GET", "/pipe")
        check(r.status == 404, "a FIFO: %r" % r)
        # The listing shows what is served and nothing else: no link out of
        # the root (nor its target's size or time), no dangling link, no FIFO.
        os.symlink("nowhere", os.path.join(www, "dangling"))
        r = s.request("GET", "/", [("Accept", "application/json")])
        check(r.status == 200, r)
        listed = {e["name"]: e for e in json.loads(r.body)}
        check(sorted(listed) == ["abs-in.txt", "alias.txt", "idx", "inside.txt", "sub", "sub-alias"],
              "listed: %r" % sorted(listed))
        check(listed["alias.txt"]["size"] == len(b"inside\n") and listed["sub-alias"]["is_dir"], listed)
        r = s.request("GET", "/")
        check(r.status == 200 and b"alias.txt" in r.body, r)
        for name in (b"abs-out", b"rel-out", b"dir-out", b"dangling", b"pipe"):
            check(name not in r.body, "%s is not listed: %r" % (name, r.body))
        for entry in listed.values():
            r = s.request("GET", "/" + entry["url"][2:])
            check(r.status in (200, 308), "every listed entry is served: %r %r" % (entry, r))


def test_file_server_sees_changes(binary):
    """file_server keeps descriptors of files it served open (one worker,
    so every request meets the same cache): each change to the file must
    show on the very next request."""
    config = """{
	admin off
	workers 1
}
:@PORT@ {
	root * @DIR@/www
	file_server
}
"""
    files = {"www/a.txt": b"first\n", "secret/a.txt": b"secret\n", "www/d/b.txt": b"inner\n"}
    with Server(binary, config, files=files) as s:
        www = os.path.join(s.dir, "www")
        path = os.path.join(www, "a.txt")

        def body(target="/a.txt"):
            return s.request("GET", target)

        check(body().body == b"first\n", "served once")
        check(body().body == b"first\n", "served again (from the kept descriptor)")
        with open(path, "r+b") as f:   # same inode, same size
            f.write(b"FIRST\n")
        r = body()
        check(r.status == 200 and r.body == b"FIRST\n", "rewritten in place: %r" % r)
        tmp = os.path.join(www, ".a.tmp")
        with open(tmp, "wb") as f:
            f.write(b"second version\n")
        os.replace(tmp, path)
        r = body()
        check(r.body == b"second version\n" and r.header("Content-Length") == "15", "replaced by rename: %r" % r)
        os.chmod(path, 0o600)
        check(body().body == b"second version\n", "after chmod")
        os.unlink(path)
        check(body().status == 404, "deleted")
        with open(path, "wb") as f:
            f.write(b"third\n")
        check(body().body == b"third\n", "created again")
        os.unlink(path)
        os.symlink(os.path.join(s.dir, "secret", "a.txt"), path)
        r = body()
        check(r.status == 404 and b"secret" not in r.body, "replaced by a symlink out of the root: %r" % r)
        check(body("/d/b.txt").body == b"inner\n", "file in a directory")
        os.rename(os.path.join(www, "d"), os.path.join(www, "d-old"))
        os.mkdir(os.path.join(www, "d"))
        with open(os.path.join(www, "d", "b.txt"), "wb") as f:
            f.write(b"new dir\n")
        check(body("/d/b.txt").body == b"new dir\n", "its directory replaced")


def hash_password(plain):
    if not shutil.which("caddy"):
        raise Skip("caddy (for hash-password) not installed")
    out = subprocess.run(["caddy", "hash-password", "--plaintext", plain], capture_output=True, check=True)
    return out.stdout.decode().strip()


def basic(user, password):
    return ("Authorization", "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode())


def test_basic_auth(binary):
    h = hash_password("s3cret")
    config = """{
	admin off
}
:@PORT@ {
	basicauth /old/* {
		carol %s
	}
	basic_auth /private/* bcrypt "Staff Only" {
		bob %s
		alice %s
	}
	respond "hello {http.auth.user.id}"
	handle_errors 401 {
		respond "who are you? {http.error.status_code}"
	}
}
""" % (base64.b64encode(h.encode()).decode(), h, h)
    with Server(binary, config) as s:
        r = s.request("GET", "/private/x")
        check(r.status == 401, r)
        check(r.header("WWW-Authenticate") == 'Basic realm="Staff Only"', r.headers)
        check(r.body == b"who are you? 401", r.body)
        r = s.request("GET", "/private/x", [basic("bob", "wrong")])
        check(r.status == 401, r)
        r = s.request("GET", "/private/x", [basic("mallory", "s3cret")])
        check(r.status == 401, "unknown user: %r" % r)
        r = s.request("GET", "/private/x", [("Authorization", "Basic !!!notbase64")])
        check(r.status == 401, r)
        r = s.request("GET", "/private/x", [basic("bob", "s3cret")])
        check(r.status == 200 and r.body == b"hello bob", r)
        r = s.request("GET", "/private/x", [basic("alice", "s3cret")])
        check(r.status == 200 and r.body == b"hello alice", r)
        r = s.request("GET", "/old/x", [basic("carol", "s3cret")])
        check(r.status == 200 and r.body == b"hello carol", "base64 hash and the basicauth name: %r" % r)
        r = s.request("GET", "/public")
        check(r.status == 200 and r.body == b"hello ", r)


def test_basic_auth_without_error_route(binary):
    h = hash_password("pw")
    config = """{
	admin off
}
:@PORT@ {
	basic_auth {
		u %s
	}
	respond "in"
}
""" % h
    with Server(binary, config) as s:
        r = s.request("GET", "/")
        check(r.status == 401, r)
        check(r.header("WWW-Authenticate") == 'Basic realm="restricted"', "the challenge survives: %r" % r.headers)


# bcrypt of "s3cret" at cost 13 (about half a second): long enough that a
# public request sent while a wrong password is being checked is answered
# first, if the check runs off the loop.
SLOW_HASH = "$2b$13$zPmO2hKLSHv5IMAGpkaNs.WcxJTUOwfbaAjtwUXfr77.bW/lE2eGC"


def wait_log_count(srv, needle, count, timeout=10):
    """Waits until needle is in the server log count times."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if srv.read_log().count(needle) >= count:
            return True
        time.sleep(0.01)
    return False


def test_basic_auth_check_does_not_block_the_worker(binary):
    config = """{
	admin off
	debug
	workers 1
}
:@PORT@ {
	basic_auth /private/* {
		bob %s
	}
	respond /public "public"
	respond "hello {http.auth.user.id}"
}
""" % SLOW_HASH
    with Server(binary, config) as s:
        for user in ("bob", "mallory"):   # a known user, and one that takes the stand-in hash
            with s.conn() as slow:
                before = s.read_log().count("checking the password of user %s" % user)
                slow.send(build_request("GET", "/private/x", [basic(user, "wrong")]))
                # The one worker has the wrong password in hand before the
                # public request is sent...
                check(wait_log_count(s, "checking the password of user %s" % user, before + 1),
                      "the check never started; log:\n" + s.read_log()[-2000:])
                r = s.request("GET", "/public")
                check(r.status == 200 and r.body == b"public", r)
                # ...and answers that one while the check still runs.
                ready, _, _ = select.select([slow.sock], [], [], 0)
                check(not ready and not slow.buf, "%s: the 401 came before the public answer" % user)
                r = slow.read_response()
                check(r.status == 401, "%s, wrong password: %r" % (user, r))
        # A client that leaves while its check runs: the check finishes on
        # its own and the server goes on (ASan: nothing touches the ended
        # exchange).
        before = s.read_log().count("checking the password of user bob")
        with s.conn() as gone:
            gone.send(build_request("GET", "/private/x", [basic("bob", "wrong")]))
            check(wait_log_count(s, "checking the password of user bob", before + 1), "the check never started")
        r = s.request("GET", "/private/x", [basic("bob", "s3cret")])
        check(r.status == 200 and r.body == b"hello bob", r)
        check("remembered login" not in s.read_log(), "the first login is checked in full")
        r = s.request("GET", "/private/x", [basic("bob", "s3cret")])
        check(r.status == 200 and r.body == b"hello bob", r)
        check(s.wait_log("basic_auth: user bob: remembered login"), "the second login comes from the cache")
        r = s.request("GET", "/private/x", [basic("bob", "s3cret!")])
        check(r.status == 401, "a different password is not the remembered one: %r" % r)
        r = s.request("GET", "/private/x", [basic("mallory", "s3cret")])
        check(r.status == 401, "the right password for an unknown user: %r" % r)


def test_access_log(binary):
    config = """{
	admin off
}
:@PORT@ {
	log {
		output file @DIR@/access.log
		format json
	}
	respond /hi "hello" 201
}
"""
    with Server(binary, config) as s:
        r = s.request("GET", "/hi?x=1", [("User-Agent", "e2e-log"), ("Authorization", "Basic c2VjcmV0")])
        check(r.status == 201, r)
        s.request("GET", "/missing")
        path = os.path.join(s.dir, "access.log")
        lines = []
        for _ in range(50):
            if os.path.exists(path):
                lines = [l for l in open(path).read().splitlines() if l]
            if len(lines) >= 2:
                break
            time.sleep(0.05)
        check(len(lines) >= 2, "two log lines: %r" % lines)
        # Two workers may write in either order: find each line by its URI.
        entries = {json.loads(l)["request"]["uri"]: json.loads(l) for l in lines}
        check("/hi?x=1" in entries and "/missing" in entries, lines)
        first = entries["/hi?x=1"]
        check(first["msg"] == "handled request" and first["logger"].startswith("http.log.access"), first)
        check(first["status"] == 201 and first["size"] == 5, first)
        check(first["request"]["method"] == "GET" and first["request"]["uri"] == "/hi?x=1", first)
        check(first["request"]["remote_ip"] == "127.0.0.1", first)
        check(first["request"]["proto"] == "HTTP/1.1", first)
        check(first["request"]["headers"]["User-Agent"] == ["e2e-log"], first)
        check(first["request"]["headers"]["Authorization"] == [], "credentials are logged with no values, as Caddy")
        check(isinstance(first["duration"], float) and first["duration"] >= 0, first)
        check(isinstance(first["ts"], float), first)
        second = entries["/missing"]
        check(second["status"] == 200 and second["size"] == 0, second)


def test_config_errors_name_the_place(binary):
    bad = """:@PORT@ {
	file_server {
		hid .git
	}
}
"""
    s = Server(binary, bad)
    s.port = 1
    s.write_config(bad, loopback=False)
    out = subprocess.run([binary, "validate", "--config", s.config_path], capture_output=True)
    shutil.rmtree(s.dir, ignore_errors=True)
    msg = (out.stdout + out.stderr).decode()
    check(out.returncode != 0, msg)
    check("Caddyfile:3:3" in msg and "hide" in msg, "file:line:col and a suggestion: %r" % msg)


def test_import_glob_matching_nothing(binary):
    """A glob matching no file, even in a directory that does not exist, is
    a warning (Caddy: "No files matching import glob pattern"); a missing
    plain file stays an error with file:line:col."""
    config = """{
	default_bind 127.0.0.1
}
import conf.d/*.caddy
import sites/*.caddy
:@PORT@ {
	respond "up"
}
"""
    with Server(binary, config, files={"sites/README": b"not a site\n"}) as s:
        r = s.request("GET", "/")
        check(r.status == 200 and r.body == b"up", r)
        log = s.read_log()
        check("Caddyfile:4:8: no files matching import glob pattern 'conf.d/*.caddy'" in log, log)
        check("'sites/*.caddy'" in log, log)
    bad = """:@PORT@ {
	import conf.d/site.caddy
}
"""
    s = Server(binary, bad)
    s.port = 1
    s.write_config(bad, loopback=False)
    out = subprocess.run([binary, "validate", "--config", s.config_path], capture_output=True)
    shutil.rmtree(s.dir, ignore_errors=True)
    msg = (out.stdout + out.stderr).decode()
    check(out.returncode != 0 and "Caddyfile:2:9" in msg and "no such file" in msg, msg)


def test_encode_match(binary):
    config = """{
	admin off
}
:@PORT@ {
	root * @DIR@/www
	encode gzip {
		minimum_length 10
		match {
			status 2xx
			header Content-Type image/*
		}
	}
	file_server
}
"""
    png = b"\x89PNG" + b"\0" * 3000
    with Server(binary, config, files={"www/pic.png": png, "www/page.txt": TEXT}) as s:
        r = s.request("GET", "/pic.png", [("Accept-Encoding", "gzip")])
        check(r.header("Content-Encoding") == "gzip" and gzip.decompress(r.body) == png, r.headers)
        r = s.request("GET", "/page.txt", [("Accept-Encoding", "gzip")])
        check(r.header("Content-Encoding") is None and r.body == TEXT, "match replaces the type list: %r" % r.headers)
        r = s.request("GET", "/missing.png", [("Accept-Encoding", "gzip")])
        check(r.status == 404 and r.header("Content-Encoding") is None, r.headers)
