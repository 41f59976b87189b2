# handle_path sorts with handle (issue 18): a catch-all `handle { }` written
# after `handle_path /static/*` must not shadow it, and within the group the
# longer path goes first whichever of the two directives it is written with
# (answers checked against Caddy 2.6.2, tests/compat/cases/handle.txt).
--- file www/index.html
<h1>home</h1>
--- file www/assets/f.txt
static file
--- config
{
	admin off
}
:@PORT@ {
	root * @DIR@/www
	handle_path /static/* {
		root * @DIR@/www/assets
		file_server
	}
	handle /static/special/* {
		respond "special {path}"
	}
	handle {
		file_server
	}
}
=== handle_path before the catch-all handle
--- request
GET /static/f.txt
--- status: 200
--- body_like
^static file\n$

=== the catch-all handle still serves the rest
--- request
GET /index.html
--- status: 200
--- body_like
^<h1>home</h1>\n$

=== the longer handle path goes before handle_path
--- request
GET /static/special/x
--- status: 200
--- body
special /static/special/x

=== a file missing under handle_path is 404, not the fallback
--- request
GET /static/index.html
--- status: 404
