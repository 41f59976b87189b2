# respond: status, body, placeholders, close; Caddy's empty 200 default.
--- config
{
	admin off
}
:@PORT@ {
	respond /hello "hello {method} {path} {query.name}"
	respond /created "made" 201
	respond /status 404
	respond /close "bye" {
		close
	}
	respond /block {
		body "from block"
	}
	respond /env "home={env.IFRIT_E2E_NOPE}|{unknown.placeholder}"
	respond /json `{"ok": true, "path": "{path}"}`
	respond /notjson "{not json"
	respond /hdr "ua={http.request.header.User-Agent} host={host} port={port} scheme={scheme} uri={uri}"
}

=== body with placeholders
--- request
GET /hello?name=ifrit
--- status: 200
--- headers
Content-Type: text/plain; charset=utf-8
Content-Length: 22
--- body
hello GET /hello ifrit

=== body and status
--- request
GET /created
--- status: 201
--- body
made

=== status alone has an empty body
--- request
GET /status
--- status: 404
--- body


=== close asks for the connection to be closed
--- request
GET /close
--- status: 200
--- headers
Connection: close
--- body
bye
--- closed: yes

=== body subdirective
--- request
GET /block
--- status: 200
--- body
from block

=== unset env is empty, unknown placeholders stay as written
--- request
GET /env
--- status: 200
--- body
home=|{unknown.placeholder}

=== request placeholders
--- request
GET /hdr?a=b
User-Agent: e2e/1
--- status: 200
--- body_like
^ua=e2e/1 host=localhost port=\d+ scheme=http uri=/hdr\?a=b$

=== nothing matches: empty 200
--- request
GET /nothing
--- status: 200
--- headers
Content-Length: 0
--- body


=== a JSON object body is application/json
--- request
GET /json
--- status: 200
--- headers
Content-Type: application/json
--- body
{"ok": true, "path": "/json"}

=== text that only looks like JSON stays text/plain
--- request
GET /notjson
--- status: 200
--- headers
Content-Type: text/plain; charset=utf-8
