"""A FastCGI responder for the compat suite's PHP cases (stdlib only,
127.0.0.1 only): it stands where php-fpm would and answers each request
with the CGI parameters it was given, so a case shows what the server sent
(SCRIPT_FILENAME, PATH_INFO, ...) and that the body reached it.

Parameters whose value differs between two servers for reasons that are no
behaviour (ports, the server's name) are left out: see SKIP."""
import socket
import struct
import threading

IO_TIMEOUT = 10.0
BEGIN_REQUEST, END_REQUEST, PARAMS, STDIN, STDOUT = 1, 3, 4, 5, 6
SKIP = {
    "REMOTE_PORT": "the client's port",
    "SERVER_PORT": "each server's own port",
    "SERVER_SOFTWARE": "each server names itself",
    "HTTP_HOST": "holds the port",
}


def _pairs(data):
    out, i = {}, 0

    def length():
        nonlocal i
        n = data[i]
        if n < 128:
            i += 1
            return n
        n = struct.unpack(">I", data[i:i + 4])[0] & 0x7FFFFFFF
        i += 4
        return n
    while i < len(data):
        nl = length()
        vl = length()
        out[data[i:i + nl].decode("latin-1")] = data[i + nl:i + nl + vl].decode("latin-1")
        i += nl + vl
    return out


def _record(kind, rid, content):
    out = b""
    for off in range(0, max(len(content), 1), 65535):
        part = content[off:off + 65535]
        out += struct.pack(">BBHHBB", 1, kind, rid, len(part), 0, 0) + part
    return out


class FastCGIServer:
    def __init__(self):
        self.sock = None

    def start(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        s.listen(64)
        self.sock = s
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    @property
    def addr(self):
        return "127.0.0.1:%d" % self.sock.getsockname()[1]

    def stop(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(c,), daemon=True).start()

    def _serve(self, c):
        c.settimeout(IO_TIMEOUT)
        f = c.makefile("rb")
        reqs = {}
        try:
            while True:
                head = f.read(8)
                if len(head) < 8:
                    return
                _, kind, rid, clen, plen, _ = struct.unpack(">BBHHBB", head)
                content = f.read(clen)
                f.read(plen)
                r = reqs.setdefault(rid, {"params": b"", "stdin": b"", "keep": False})
                if kind == BEGIN_REQUEST:
                    r["keep"] = bool(content[2] & 1)
                elif kind == PARAMS:
                    r["params"] += content
                elif kind == STDIN and clen:
                    r["stdin"] += content
                elif kind == STDIN:
                    c.sendall(self._answer(rid, _pairs(r["params"]), r["stdin"]))
                    del reqs[rid]
                    if not r["keep"]:
                        return
        except (OSError, ValueError, struct.error, IndexError):
            return
        finally:
            f.close()
            c.close()

    def _answer(self, rid, params, body):
        lines = ["%s=%s" % (k, v) for k, v in sorted(params.items()) if k not in SKIP]
        text = ("\n".join(lines) + "\n").encode() + b"stdin=" + body + b"\n"
        out = b"Content-Type: text/plain; charset=utf-8\r\nX-Powered-By: fcgi_upstream\r\n\r\n" + text
        return (_record(STDOUT, rid, out) + _record(STDOUT, rid, b"") +
                _record(END_REQUEST, rid, struct.pack(">IB3x", 0, 0)))
