# header: set, add, delete, default, replace, defer, placeholders, matcher.
--- config
{
	admin off
}
:@PORT@ {
	header X-Set one
	header +X-Multi a
	header +X-Multi b
	header /only/* X-Only yes
	header {
		X-Echo "{http.request.header.X-In}"
		-X-Remove
		?Content-Type text/x-default
		Content-Type "text/plain; charset=utf-8" "text/replaced"
	}
	header /keep Content-Type text/forced
	respond /plain "body"
	respond /keep "body"
	respond /empty 200
	respond /only/x "only"
}

=== set, add, placeholders, deferred replace
--- request
GET /plain
X-In: hello
--- status: 200
--- headers
X-Set: one
X-Multi: ~^(a|b)$
X-Echo: hello
Content-Type: text/replaced
--- body
body

=== default applies when the handler set none
--- request
GET /empty
--- status: 200
--- headers
Content-Type: text/x-default

=== a header set at once is kept by respond
--- request
GET /keep
--- status: 200
--- headers
Content-Type: text/forced

=== matcher limits the header
--- request
GET /only/x
--- status: 200
--- headers
X-Only: yes

=== without the matcher
--- request
GET /plain
--- status: 200
--- headers
!X-Only
