# Server basics: framing, HEAD, HTTP/1.0, keep-alive, pipelining, Date/Server.
--- config
{
	admin off
	auto_https off
}
:@PORT@ {
	respond /hello "hello"
	respond /empty 204
	respond "fallback"
}

=== GET with Content-Length, Date and Server
--- request
GET /hello
--- status: 200
--- headers
Content-Length: 5
Server: ~ifrit|Caddy
Date: ~^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT$
--- body
hello

=== HEAD has the same headers and no body
--- request
HEAD /hello
--- status: 200
--- headers
Content-Length: 5
--- closed: no

=== 204 has no body and no Content-Length
--- request
GET /empty
--- status: 204
--- headers
!Content-Length
!Transfer-Encoding

=== HTTP/1.0 without keep-alive is closed after the response
--- request
GET /hello HTTP/1.0
--- status: 200
--- body
hello
--- closed: yes

=== HTTP/1.0 with keep-alive stays open
--- request
GET /hello HTTP/1.0
Connection: keep-alive
--- status: 200
--- headers
Connection: ~(?i)keep-alive
--- closed: no

=== Connection close is honoured
--- request
GET /hello
Connection: close
--- status: 200
--- headers
Connection: close
--- closed: yes

=== pipelined requests are answered in order
--- raw
GET /hello HTTP/1.1\r\nHost: a\r\n\r\n
HEAD /hello HTTP/1.1\r\nHost: a\r\n\r\n
GET /empty HTTP/1.1\r\nHost: a\r\n\r\n
GET /other HTTP/1.1\r\nHost: a\r\n\r\n
--- status: 200 200 204 200
--- body
fallback
--- closed: no

=== empty lines before a request are ignored
--- raw
\r\nGET /hello HTTP/1.1\r\nHost: a\r\n\r\n
--- status: 200
--- body
hello

=== request body sent with a request the handler ignores is skipped
--- raw
POST /hello HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nabcde
GET /hello HTTP/1.1\r\nHost: a\r\n\r\n
--- status: 200 200
--- body
hello

=== chunked request body the handler ignores is skipped
--- raw
POST /hello HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n
GET /empty HTTP/1.1\r\nHost: a\r\n\r\n
--- status: 200 204
