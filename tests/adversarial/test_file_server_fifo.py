"""Issue 14 (robustness), item 4's rule at request time: a special file
where file_server looks for a precompressed sibling must not block the
worker.

With `precompressed`, file_server opens NAME.gz / NAME.br next to the file
a client asks for. A FIFO there blocked the worker thread in that open
(waiting for a writer), so with `workers 1` that request and every one
after it got no answer. Now the sibling is opened O_NONBLOCK and, not being
a regular file, skipped: the plain file is served. The client's waits are
bounded (IO_TIMEOUT) and the FIFO is released afterwards."""
import errno
import os
import stat

from ifrit_e2e import IO_TIMEOUT, E2EError, Server, check

CONFIG = """{
	admin off
	workers 1
	grace_period 1s
}
:@PORT@ {
	root * @DIR@/site
	file_server {
		precompressed br gzip
	}
}
"""


def get(srv, path, encoding):
    try:
        return srv.request("GET", path, [("Accept-Encoding", encoding)] if encoding else None)
    except (OSError, E2EError) as e:
        raise E2EError("%s (%s) got no answer within %ss (%s): the worker is wedged" % (path, encoding, IO_TIMEOUT, e))


def test_a_fifo_or_device_as_precompressed_sibling_is_skipped(binary):
    files = {"site/index.html": "the page\n", "site/app.js": "var x;\n"}
    with Server(binary, CONFIG, files=files) as srv:
        site = os.path.join(srv.dir, "site")
        fifo = os.path.join(site, "index.html.gz")
        os.mkfifo(fifo)
        os.mkfifo(os.path.join(site, "index.html.br"))
        # A device as a sibling too, when this user may make one (/dev/zero's).
        targets = [("/index.html", b"the page\n")]
        try:
            os.mknod(os.path.join(site, "app.js.gz"), stat.S_IFCHR | 0o666, os.makedev(1, 5))
            targets.append(("/app.js", b"var x;\n"))
        except OSError as e:
            check(e.errno in (errno.EPERM, errno.EACCES), e)
        try:
            for path, body in targets:
                for encoding in ("gzip", "br", "br, gzip", None):
                    r = get(srv, path, encoding)
                    check(r.status == 200 and r.body == body and r.header("Content-Encoding") is None,
                          (path, encoding, r))
        finally:
            for name in ("index.html.gz", "index.html.br"):
                try:
                    os.close(os.open(os.path.join(site, name), os.O_WRONLY | os.O_NONBLOCK))
                except OSError:
                    pass
