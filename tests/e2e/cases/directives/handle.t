# handle (mutually exclusive, most specific path first), handle_path
# (strips the prefix), route (literal order), fall-through, directive order.
--- config
{
	admin off
}
:@PORT@ {
	respond "fallback {path}"
	header X-Site site
	handle /api/* {
		respond "api {path}"
	}
	handle /api/admin/* {
		respond "admin"
	}
	handle /pass/* {
		header X-Passed yes
	}
	handle_path /static/* {
		respond "static {path} orig={http.request.orig_uri}"
	}
	route /ordered {
		header X-First 1
		respond "route order"
		header X-Never 1
	}
	rewrite /old /api/from-old
	rewrite /old /never
	redir /r /api/target
}

=== the longer handle path wins whatever the file order
--- request
GET /api/admin/users
--- status: 200
--- body
admin

=== handle
--- request
GET /api/list
--- status: 200
--- headers
X-Site: site
--- body
api /api/list

=== handle_path strips the prefix
--- request
GET /static/css/site.css
--- status: 200
--- body
static /css/site.css orig=/static/css/site.css

=== a handle that does not answer falls through
--- request
GET /pass/x
--- status: 200
--- headers
X-Passed: yes
--- body
fallback /pass/x

=== route keeps the written order
--- request
GET /ordered
--- status: 200
--- headers
X-First: 1
!X-Never
--- body
route order

=== rewrite runs before handle, only the first matching one
--- request
GET /old
--- status: 200
--- body
api /api/from-old

=== redir sorts before handle
--- request
GET /r
--- status: 302
--- headers
Location: /api/target
