# The Server field is the route layer's default, not the host's: `header`
# can remove or replace it. Responses the host makes itself still carry it,
# and so do bare error statuses (deferred edits do not reach them, as in Caddy).
--- config
{
	admin off
}
:@PORT@ {
	root * @DIR@/www
	header /hidden/* -Server
	header /named/* Server "custom"
	respond /hidden/hello "hello"
	respond /named/hello "hello"
	respond /plain "plain"
	file_server
}
--- file www/hidden/f.txt
file

=== default Server
--- request
GET /plain
--- status: 200
--- headers
Server: ifrit

=== header -Server removes it from a handler's response
--- request
GET /hidden/hello
--- status: 200
--- headers
!Server
--- body
hello

=== header -Server removes it from a file
--- request
GET /hidden/f.txt
--- status: 200
--- headers
!Server
--- body_like
^file\n

=== header Server replaces it
--- request
GET /named/hello
--- status: 200
--- headers
Server: custom

=== a refusal by the server itself carries Server
--- raw
GET /hidden/x HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n
--- status: 400
--- headers
Server: ifrit
--- closed: yes
