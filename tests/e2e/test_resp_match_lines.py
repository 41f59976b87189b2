"""Response matchers (reverse_proxy's @name header lines) test every line
of a field the upstream sent more than once, as Caddy's do: an upstream
answering `X-Up: a` and `X-Up: b` matches `header X-Up b`."""

from ifrit_e2e import Server, check

CONFIG = """{
	admin off
}
:@PORT2@ {
	header X-Up a
	header +X-Up b
	respond "from the upstream"
}
:@PORT@ {
	reverse_proxy 127.0.0.1:@PORT2@ {
		@second header X-Up b
		@absent header X-Up c
		handle_response @absent {
			respond "matched c" 500
		}
		handle_response @second {
			respond "matched the second line"
		}
	}
}
"""


def test_response_matcher_takes_every_line(binary):
    with Server(binary, CONFIG) as s:
        r = s.request("GET", "/")
        check(r.status == 200 and r.body == b"matched the second line",
              "a header matcher must see the field's second line: %d %r" % (r.status, r.body))
