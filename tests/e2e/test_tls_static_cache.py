"""file_server answering from the bytes its open-file cache keeps of a
small file (src/route/fs_open_cache.c: a file not changed for a few
seconds), over TLS with HTTP/1.1 and HTTP/2: whole, HEAD, conditional,
one range and several, and a change to the file (same size, mtime put
back) seen at the next request."""
import os
import socket
import ssl
import time

from ifrit_e2e import IO_TIMEOUT, Conn, Server, check

CONFIG = """{
	workers 1
	storage file_system @DIR@/data
	https_port @PORT@
	http_port @PORT2@
}
localhost {
	root * @DIR@/www
	file_server
}
"""
ROOT_CRT = "data/pki/authorities/local/root.crt"
BODY = b"".join(b"%04d:" % i + b"abcdefghij\n" for i in range(256))   # 4 KiB


class TLSConn(Conn):
    def __init__(self, srv):
        ctx = ssl.create_default_context(cafile=os.path.join(srv.dir, ROOT_CRT))
        raw = socket.create_connection(("127.0.0.1", srv.port), timeout=IO_TIMEOUT)
        self.sock = ctx.wrap_socket(raw, server_hostname="localhost")
        self.buf = b""


def _get(c, headers="", method="GET"):
    c.send("%s /f.txt HTTP/1.1\r\nHost: localhost\r\n%s\r\n" % (method, headers))
    return c.read_response(method)


def _settle(srv):
    """Waits until the file's last change is a few seconds old, as the
    cache wants before it keeps a file's bytes."""
    path = os.path.join(srv.dir, "www/f.txt")
    left = os.stat(path).st_ctime + 3 - time.time()
    if left > 0:
        time.sleep(left)


def test_tls_static_cache_h1(binary):
    with Server(binary, CONFIG, files={"www/f.txt": BODY}) as srv:
        _settle(srv)
        with TLSConn(srv) as c:
            for i in range(3):   # the first opens the file; then its bytes are kept
                r = _get(c)
                check(r.status == 200 and r.body == BODY, "whole file, request %d: %d, %d bytes" % (i, r.status, len(r.body)))
            etag = r.header("ETag")
            r = _get(c, method="HEAD")
            check(r.status == 200 and r.header("Content-Length") == str(len(BODY)) and r.body == b"", "HEAD: %r" % r)
            r = _get(c, "If-None-Match: %s\r\n" % etag)
            check(r.status == 304 and r.body == b"", "If-None-Match: %r" % r)
            r = _get(c, "Range: bytes=100-199\r\n")
            check(r.status == 206 and r.body == BODY[100:200], "one range: %d %r" % (r.status, r.body[:40]))
            r = _get(c, "Range: bytes=0-4,-5\r\n")
            check(r.status == 206 and b"0000:" in r.body and BODY[-5:] in r.body
                  and r.header("Content-Type", "").startswith("multipart/byteranges"), "two ranges: %r" % r.body[:200])
            check(len(r.body) == int(r.header("Content-Length")), "multipart length as declared")
        # Changed in place: same size, and the old mtime put back.
        path = os.path.join(srv.dir, "www/f.txt")
        st = os.stat(path)
        new = BODY.upper()
        with open(path, "r+b") as f:
            f.write(new)
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        with TLSConn(srv) as c:
            r = _get(c)
            check(r.status == 200 and r.body == new, "the changed file at once: %r" % r.body[:20])
            r = _get(c, "Range: bytes=0-3\r\n")
            check(r.status == 206 and r.body == new[:4], "a range of the changed file: %r" % r.body)


def test_tls_static_cache_h2(binary):
    with Server(binary, CONFIG, files={"www/f.txt": BODY}) as srv:
        _settle(srv)
        url = "https://localhost:@PORT@/f.txt"
        cacert = os.path.join(srv.dir, ROOT_CRT)
        out = os.path.join(srv.dir, "got")
        for i in range(3):
            p = srv.curl("--http2", "--cacert", cacert, "-o", out, "-w", "%{http_version} %{http_code}", url)
            with open(out, "rb") as f:
                got = f.read()
            check(p.stdout == b"2 200" and got == BODY, "h2 whole file, request %d: %r, %d bytes" % (i, p.stdout, len(got)))
        p = srv.curl("--http2", "--cacert", cacert, "-r", "4000-4095", url)
        check(p.stdout == BODY[4000:], "h2 range: %r" % p.stdout[:40])
