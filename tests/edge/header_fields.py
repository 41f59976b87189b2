"""Repeated request fields natively and at the edge (issue 18, docs/edge.md
"Repeated request fields"). workerd hands the core one field `a, b` for a
field sent twice; the shim (edge/fields.mjs) splits it again where the
field's reading allows. Each request goes to the native server and to the
bundle in workerd with the same Caddyfile:

- recovered (native and edge must agree): X-Token sent twice, through a
  `header X-Token second` matcher, `{header.X-Token}` and a json-protocol
  function's header array; two Cookie fields; two X-Forwarded-For fields;
  a value holding a quoted ", ", a (comment) with ", ", JSON, or a date; a
  registered list field (Accept-Encoding) on one line; a field sent once;
  two Set-Cookie request fields (workerd keeps them apart), an
  upstream's two Set-Cookie fields reaching the client as two, and two
  X-Forwarded-Proto and X-Forwarded-For lines passed on by reverse_proxy
  from a trusted peer (the last Proto, every For entry); an upstream's
  field sent twice reaching the client as two lines, each edited by
  header_down;
- not recoverable (checked to be exactly what docs/edge.md says): an
  extension field written on one line with ", " (`X-Token: first,
  second`) reaches the core as two fields, and a registered field sent
  twice stays one.

Prints PASS/FAIL lines.

Usage: tests/edge/header_fields.py --binary build/release/ifrit"""
import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path[:0] = [HERE, os.path.join(ROOT, "tests", "e2e")]

from ifrit_e2e import Conn, Server  # noqa: E402
from proxy_upstream import Reply, Upstream  # noqa: E402
from workerd import Workerd  # noqa: E402

CADDYFILE = """:@PORT@ {
	@cookie_b header Cookie b=2
	@token_second header X-Token second
	handle /cookie {
		respond "a=[{cookie.a}] b=[{cookie.b}] all=[{header.Cookie}]"
	}
	handle /cookie-match {
		respond @cookie_b "matched"
		respond "no match"
	}
	handle /token-match {
		respond @token_second "matched"
		respond "no match"
	}
	handle /show {
		respond "[{header.X-Token}] [{header.X-Forwarded-For}] [{header.Accept-Encoding}] [{header.X-Note}]"
	}
	handle /set-cookie {
		respond "[{header.Set-Cookie}]"
	}
	handle /up/* {
		reverse_proxy @UPSTREAM@
	}
	handle /rp/* {
		reverse_proxy @UPSTREAM@ {
			header_down X-Up b B
		}
	}
	handle /fwd/* {
		reverse_proxy @ECHO@ {
			trusted_proxies private_ranges
		}
	}
	handle /json/* {
		wasm @ROOT@/build/guests/fn_json_echo.wasm {
			protocol json
		}
	}
}
"""

TWICE = [("X-Token", "first"), ("X-Token", "second")]
ONE_LINE = [("X-Token", "first, second")]

# (what, target, header lines, expected at the edge: None when it must
# equal the native answer, else the (status, body) docs/edge.md describes)
REQUESTS = (
    ("X-Token sent twice: header matcher", "/token-match", TWICE, None),
    ("X-Token sent twice: placeholder", "/show", TWICE, None),
    ("X-Token sent twice: json function", "/json/t", TWICE, None),
    ("X-Token sent once", "/show", [("X-Token", "first")], None),
    ("X-Token sent once: json function", "/json/t", [("X-Token", "first")], None),
    ("two Cookie fields", "/cookie", [("Cookie", "a=1"), ("Cookie", "b=2")], None),
    ("one Cookie field", "/cookie", [("Cookie", "a=1; b=2")], None),
    ("header matcher on the second Cookie", "/cookie-match", [("Cookie", "a=1"), ("Cookie", "b=2")], None),
    ("two X-Forwarded-For fields", "/show", [("X-Forwarded-For", "10.0.0.1"), ("X-Forwarded-For", "10.0.0.2")], None),
    ("a quoted comma stays", "/show", [("X-Note", '"a, b"')], None),
    ("a comment's comma stays", "/show", [("X-Note", "agent (KHTML, like Gecko)")], None),
    ("a date stays", "/show", [("X-Note", "Mon, 07 Dec 2026 10:00:00 GMT")], None),
    ("a JSON value stays", "/show", [("X-Note", '{"a": 1, "b": [2, 3]}')], None),
    ("a registered list on one line stays", "/show", [("Accept-Encoding", "gzip, deflate, br")], None),
    ("a registered list: json function", "/json/e", [("Accept-Encoding", "gzip, deflate, br")], None),
    ("two Set-Cookie request fields with dates", "/set-cookie",
     [("Set-Cookie", "a=1; Expires=Mon, 07 Dec 2026 10:00:00 GMT"), ("Set-Cookie", "b=2")], None),
    ("an upstream's two Set-Cookie fields reach the client apart", "/up/cookies", [], None),
    ("an upstream's field sent twice reaches the client as two, each edited by header_down", "/rp/x", [], None),
    ("two X-Forwarded-Proto and X-Forwarded-For fields through reverse_proxy", "/fwd/x",
     [("X-Forwarded-Proto", "https"), ("X-Forwarded-Proto", "http"),
      ("X-Forwarded-For", "10.0.0.1"), ("X-Forwarded-For", "10.0.0.2")], None),
    ("X-Token on one line with a comma (not recoverable)", "/show", ONE_LINE,
     (200, b"[first,second] [] [] []")),
    ("X-Token on one line: matcher (not recoverable)", "/token-match", ONE_LINE, (200, b"matched")),
    ("a registered field sent twice (not recoverable)", "/show",
     [("Accept-Encoding", "gzip"), ("Accept-Encoding", "br")], (200, b"[] [] [gzip, br] []")),
)


def ask(port, target, fields):
    c = Conn(port)
    try:
        head = "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" % target
        head += "".join("%s: %s\r\n" % kv for kv in fields) + "\r\n"
        c.send(head.encode())
        return c.read_response()
    finally:
        c.close()


def seen(target, r):
    """What matters of answer r: for the json function, the request
    document's field arrays other than Host (the edge names the fields in
    another order, and Host is the listener's); for the upstream, the
    Set-Cookie fields the client got; else status and body."""
    if target.startswith("/up/"):
        return r.status, r.header_all("set-cookie")
    if target.startswith("/rp/"):
        return r.status, r.header_all("x-up")
    if not target.startswith("/json/"):
        return r.status, r.body
    try:
        fields = json.loads(r.body).get("headers", {})
    except ValueError:
        return r.status, r.body
    return r.status, sorted((k.lower(), v) for k, v in fields.items() if k.lower() not in ("host", "connection"))


def echo_forwarded(req):
    """The X-Forwarded-Proto and X-Forwarded-For lines the upstream got
    (the proxy, trusting 127.0.0.1, passes the client's on)."""
    lines = ["%s: %s" % (k.lower(), v) for k, v in req.headers
             if k.lower() in ("x-forwarded-proto", "x-forwarded-for")]
    return Reply(200, {"Content-Type": "text/plain"}, ("\n".join(sorted(lines)) + "\n").encode())


# The upstream's answer: two Set-Cookie fields, one with a date, and an
# extension field sent twice.
UPSTREAM_ANSWER = (b"HTTP/1.1 200 OK\r\nSet-Cookie: s=1; Expires=Tue, 08 Dec 2026 10:00:00 GMT; Path=/\r\n"
                   b"Set-Cookie: t=2\r\nX-Up: a\r\nX-Up: b\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    binary = os.path.abspath(ap.parse_args().binary)
    guest = os.path.join(ROOT, "build", "guests", "fn_json_echo.wasm")
    if not os.path.exists(guest):
        print("FAIL edge/header-fields: no %s (scripts/build-guests.sh tests builds it)" % guest, flush=True)
        return
    up = Upstream(lambda req: Reply(raw=UPSTREAM_ANSWER)).start()
    echo = Upstream(echo_forwarded).start()
    try:
        with Server(binary, CADDYFILE.replace("@UPSTREAM@", up.addr).replace("@ECHO@", echo.addr)) as native:
            want = [seen(t, ask(native.port, t, f)) for _, t, f, _ in REQUESTS]
            try:
                with Workerd(ROOT, binary, native.config_path, native.dir) as wd:
                    got = [seen(t, ask(wd.port, t, f)) for _, t, f, _ in REQUESTS]
            except Exception as e:  # noqa: BLE001 - reported, never fatal
                print("FAIL edge/header-fields: %s: %s" % (type(e).__name__, e), flush=True)
                return
    finally:
        up.stop()
        echo.stop()
    cookies = want[[t for _, t, _, _ in REQUESTS].index("/up/cookies")]
    if len(cookies[1]) != 2:
        print("FAIL edge/header-fields/upstream: natively the client got %r, not two Set-Cookie fields" % (cookies,))
    for (what, _, _, edge_says), w, g in zip(REQUESTS, want, got):
        if edge_says is None:
            ok, why = w == g and w[0] in (200, 201), "native %r, edge %r" % (w, g)
        else:
            # The edge answers as docs/edge.md says, and natively differently
            # (else the case would not show a loss).
            ok = g == edge_says and w != g
            why = "native %r, edge %r; docs/edge.md says the edge gives %r" % (w, g, edge_says)
        print("PASS edge/header-fields/%s" % what if ok else "FAIL edge/header-fields/%s: %s" % (what, why),
              flush=True)


if __name__ == "__main__":
    main()
