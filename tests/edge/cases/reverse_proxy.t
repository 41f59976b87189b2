# reverse_proxy: natively through sockets, at the edge through fetch().
# The upstream is the second site of this same Caddyfile, served by the
# native server the test starts (the edge run reaches it on 127.0.0.1).
--- config
:@PORT@ {
	handle /down/* {
		reverse_proxy 127.0.0.1:1
	}
	handle /retry/* {
		reverse_proxy 127.0.0.1:1 127.0.0.1:@PORT2@ {
			lb_policy first
			lb_retries 1
			lb_try_interval 10ms
			fail_duration 30s
		}
	}
	reverse_proxy 127.0.0.1:@PORT2@ {
		header_up X-Up "from {http.request.method}"
		header_down X-Down yes
		header_down -X-Secret
	}
}
:@PORT2@ {
	header X-Secret hidden
	respond "upstream {http.request.method} {http.request.uri} up={http.request.header.X-Up} len={http.request.header.Content-Length}" 203
}

=== GET goes to the upstream with header_up, header_down applied
--- request
GET /path?q=1
--- status: 203
--- headers
X-Down: yes
!X-Secret
Content-Type: ~^text/plain
--- body
upstream GET /path?q=1 up=from GET len=

=== POST carries its body
--- request
POST /submit
--- request_body
hello=world
--- status: 203
--- body
upstream POST /submit up=from POST len=11

=== an upstream that refuses connections answers 502
--- request
GET /down/x
--- status: 502

=== a failed upstream is retried on the next one after lb_try_interval (fail_duration marks it down, so the policy moves on, as in Caddy)
--- request
GET /retry/x
--- status: 203
--- body
upstream GET /retry/x up= len=
