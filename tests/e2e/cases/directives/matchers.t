# Named and inline matchers: path forms, method, header, header_regexp,
# query, host, protocol, remote_ip, not, path_regexp captures, AND / OR.
--- config
{
	admin off
}
:@PORT@ {
	@post {
		method POST
		path /m/*
	}
	@paths path /p/a /p/b
	@fast header X-Mode fast*
	@nomode header !X-Mode
	@debug query debug=1 debug=yes
	@local remote_ip 127.0.0.0/8 ::1
	@notlocal not remote_ip 127.0.0.0/8 ::1
	@ver path_regexp ver ^/v([0-9]+)/(?P<rest>.*)$
	@ua header_regexp agent User-Agent ^tool/([0-9]+)
	@php path *.php
	@mid path /mid/*/end
	@host {
		host LOCALHOST
		path /hostcheck
	}
	@ipin {
		path /ip
		remote_ip 127.0.0.1/32 ::1
	}
	@ipout {
		path /ip
		remote_ip 10.0.0.0/8 2001:db8::/32
	}
	@notapi not {
		path /api/*
	}
	route {
		respond @post "post"
		respond @ver "version {re.ver.1} rest {re.ver.rest}"
		respond @ua "tool {re.agent.1}"
		respond /exact "exact"
		respond /prefix* "prefix {path}"
		respond @php "php"
		respond @mid "middle"
		respond @paths "a or b"
		respond @fast "fast"
		respond @debug "debug"
		respond @ipout "outside"
		respond @ipin "inside"
		respond @host "host matched"
	}
	respond @notlocal "remote"
	respond /h11 "{http.request.proto}"
	@v2 {
		path /v2
		protocol http/2
	}
	respond @v2 "HTTP/2.0"
	respond /v2 "HTTP/1.1"
	respond /api/* "api"
	respond @notapi "not api"
}

=== method AND path
--- request
POST /m/x
--- status: 200
--- body
post

=== method mismatch falls through
--- request
GET /m/x
--- status: 200
--- body
not api

=== path_regexp numbered and named captures
--- request
GET /v3/a/b
--- status: 200
--- body
version 3 rest a/b

=== header_regexp capture
--- request
GET /x
User-Agent: tool/42
--- status: 200
--- body
tool 42

=== exact path is case-insensitive
--- request
GET /EXACT
--- status: 200
--- body
exact

=== exact path does not match a longer one
--- request
GET /exact/more
--- status: 200
--- body
not api

=== prefix wildcard
--- request
GET /prefix-and-more
--- status: 200
--- body
prefix /prefix-and-more

=== suffix wildcard
--- request
GET /dir/index.php
--- status: 200
--- body
php

=== wildcard in the middle
--- request
GET /mid/anything/end
--- status: 200
--- body
middle

=== path is matched decoded and cleaned
--- request
GET /exa%6Dple/../exact
--- status: 200
--- body
exact

=== repeated path values are OR-ed
--- request
GET /p/b
--- status: 200
--- body
a or b

=== header with prefix wildcard
--- request
GET /z
X-Mode: faster
--- status: 200
--- body
fast

=== query values are OR-ed
--- request
GET /z?debug=yes
--- status: 200
--- body
debug

=== not block
--- request
GET /api/x
--- status: 200
--- body
api

=== protocol placeholder
--- request
GET /h11
--- status: 200
--- body
@PROTO@

=== protocol matcher
--- request
GET /v2
--- status: 200
--- body
@PROTO@

=== remote_ip CIDR ranges
--- request
GET /ip
--- status: 200
--- body
inside

=== host is case-insensitive
--- request
GET /hostcheck
Host: localhost
--- status: 200
--- body
host matched
