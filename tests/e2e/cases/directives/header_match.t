# header with a `match` block (Caddy 2.7+ response matcher): the edits
# apply only to responses of those statuses / with those header values;
# `>Field` defers a set. Caddy 2.6.2 has no `match` here (it would set a
# field called Match), so this is an e2e case rather than a compat one.
--- config
{
	admin off
}
:@PORT@ {
	header {
		X-Not-Found yes
		match {
			status 404 410
		}
	}
	header {
		Cache-Control "public, max-age=60"
		match {
			status 2xx
			header Content-Type text/html*
		}
	}
	header >X-Deferred late
	header /ct Content-Type text/html
	respond /nf 404
	respond /ct "<p>html</p>"
	respond "text"
}

=== a 404 gets the field, an HTML 200 the cache header
--- request
GET /nf
--- status: 404
--- headers
X-Not-Found: yes
!Cache-Control
X-Deferred: late

=== a 200 with an HTML type matches the second block only
--- request
GET /ct
--- status: 200
--- headers
!X-Not-Found
Cache-Control: public, max-age=60

=== a plain-text 200 matches neither
--- request
GET /other
--- status: 200
--- headers
!X-Not-Found
!Cache-Control
X-Deferred: late
