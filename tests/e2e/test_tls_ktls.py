"""kTLS (docs/tls.md, "Connections"): the server says once at start which
path TLS connections take, kTLS when the kernel's tls upper layer
protocol and OpenSSL allow it, else the buffered path with the reason;
a reload does not say it again, and the TLS listener's "listening on"
line names the same path. The expected answer comes from the same
question asked of the kernel here (setsockopt TCP_ULP "tls" on an
established loopback connection)."""
import errno
import socket

from ifrit_e2e import Server, check

TCP_ULP = 31
CONFIG = """{
	workers 1
	storage file_system @DIR@/data
	https_port @PORT@
	http_port @PORT2@
}
localhost {
	respond "%s"
}
"""


def _kernel_has_tls_ulp():
    l = socket.socket()
    l.bind(("127.0.0.1", 0))
    l.listen(1)
    c = socket.create_connection(l.getsockname())
    s, _ = l.accept()
    try:
        s.setsockopt(socket.IPPROTO_TCP, TCP_ULP, b"tls")
        return True, ""
    except OSError as e:
        return False, e.errno
    finally:
        for x in (s, c, l):
            x.close()


def test_tls_ktls_path_logged_once(binary):
    has, err = _kernel_has_tls_ulp()
    with Server(binary, CONFIG % "one") as srv:
        if has:
            check(srv.wait_log('"kTLS available: '), "kTLS announced: %s" % srv.read_log()[-600:])
            needle = "kTLS available: "
        else:
            check(srv.wait_log('"kTLS unavailable: '), "the buffered path announced: %s" % srv.read_log()[-600:])
            needle = "kTLS unavailable: "
            if err == errno.ENOENT:
                check("the kernel has no tls upper layer protocol" in srv.read_log(), "the reason: %s" % srv.read_log()[-600:])
        p = srv.curl("-k", "https://localhost:@PORT@/")
        check(p.stdout == b"one", "served over TLS: %r" % p.stdout)
        # The TLS listener's own line names the same path.
        listening = "(TLS, kTLS offered: " if has else "(TLS, buffered: no kTLS)"
        check(listening in srv.read_log(), "the listener line says %r: %s" % (listening, srv.read_log()[-600:]))
        srv.reload(CONFIG % "two")
        for _ in range(100):
            if srv.curl("-k", "https://localhost:@PORT@/").stdout == b"two":
                break
        else:
            check(False, "the reload took: %s" % srv.read_log()[-600:])
        check(srv.read_log().count(needle) == 1, "said once, not again at the reload: %d" % srv.read_log().count(needle))
