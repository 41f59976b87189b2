# Caddy's common placeholders: client_ip, escaped and prefixed URI parts,
# the original URI's parts, and request durations (in a deferred header:
# the time until the response head; the client reads µ as two latin-1
# characters, hence `..s`).
--- config
{
	admin off
}
:@PORT@ {
	header X-Took {http.request.duration} {
		defer
	}
	header X-Took-Ms {http.request.duration_ms} {
		defer
	}
	rewrite /old/* /new{?query}
	method /as-post POST
	respond /as-post "{orig_method} became {method}"
	respond "ip={client_ip} vars={http.vars.client_ip} path={%path} query={%query} q={?query} uri={%uri} orig={orig_path}|{orig_dir}|{orig_file}|{orig_?query} local={http.request.local.port}"
}

=== placeholders users reach for
--- request
GET /a%20b/c.txt?x=1&y=a%2Fb
--- status: 200
--- headers
X-Took: ~^[0-9.]+(ns|..s|ms|s)$
X-Took-Ms: ~^[0-9]+(\.[0-9]{1,6})?$
--- body
ip=127.0.0.1 vars=127.0.0.1 path=%2Fa+b%2Fc.txt query=x%3D1%26y%3Da%252Fb q=?x=1&y=a%2Fb uri=%2Fa%2520b%2Fc.txt%3Fx%3D1%26y%3Da%252Fb orig=/a b/c.txt|/a b/|c.txt|?x=1&y=a%2Fb local=@PORT@

=== a rewrite keeps the original parts, {?query} is empty without a query
--- request
GET /old/page.html?k=v
--- status: 200
--- body
ip=127.0.0.1 vars=127.0.0.1 path=%2Fnew query=k%3Dv q=?k=v uri=%2Fnew%3Fk%3Dv orig=/old/page.html|/old/|page.html|?k=v local=@PORT@

=== no query
--- request
GET /plain
--- status: 200
--- body
ip=127.0.0.1 vars=127.0.0.1 path=%2Fplain query= q= uri=%2Fplain orig=/plain|/|plain| local=@PORT@

=== {orig_method} is the method before a method directive changed it
--- request
GET /as-post
--- status: 200
--- body
GET became POST
