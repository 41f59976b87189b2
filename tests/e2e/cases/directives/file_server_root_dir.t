# file_server with the Caddyfile's own directory as the root: the Caddyfile
# is never served (as in Caddy), other files are.
--- config
{
	admin off
}
:@PORT@ {
	file_server
}
--- file page.txt
page

=== the working directory is the default root
--- request
GET /page.txt
--- status: 200
--- body_like
^page\n$

=== the Caddyfile is hidden
--- request
GET /Caddyfile
--- status: 404
