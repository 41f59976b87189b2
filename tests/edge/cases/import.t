# `import` of other files: `ifrit edge config` bundles every file the
# Caddyfile imports (relative ones resolve from the Caddyfile's directory,
# here @DIR@, at the edge as natively), globs included.
--- config
(local) {
	header X-Snippet "{args[0]}"
}
:@PORT@ {
	import conf/routes.caddy
	import conf/more/*.caddy
	respond "fallback"
}
--- file conf/routes.caddy
import local from-routes
handle /routed {
	respond "routed by an imported file"
}
--- file conf/more/a.caddy
handle /a {
	respond "a from a glob import"
}
--- file conf/more/b.caddy
handle /b {
	import ../snippets.caddy
	respond "b"
}
--- file conf/snippets.caddy
header X-Nested yes

=== a route from an imported file, with an imported snippet's header
--- request
GET /routed
--- status: 200
--- headers
X-Snippet: from-routes
--- body
routed by an imported file

=== a route from a glob import
--- request
GET /a
--- status: 200
--- body
a from a glob import

=== an import inside an imported file resolves from the importing file's directory
--- request
GET /b
--- status: 200
--- headers
X-Nested: yes
--- body
b
