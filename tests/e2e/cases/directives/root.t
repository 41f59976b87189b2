# root with a matcher, {http.vars.root}, and file_server's own root.
--- config
{
	admin off
}
:@PORT@ {
	root * @DIR@/main
	root /alt/* @DIR@/other
	uri /alt/* strip_prefix /alt
	respond /where "{vars.root}"
	handle /own/* {
		uri strip_prefix own
		file_server {
			root @DIR@/own
		}
	}
	file_server
}
--- file main/a.txt
main
--- file other/a.txt
other
--- file own/a.txt
own

=== the site root
--- request
GET /a.txt
--- status: 200
--- body_like
^main\n$

=== root with a matcher (the longer path sorts first)
--- request
GET /alt/a.txt
--- status: 200
--- body_like
^other\n$

=== file_server's own root, strip_prefix without the slash
--- request
GET /own/a.txt
--- status: 200
--- body_like
^own\n$

=== the root placeholder
--- request
GET /where
--- status: 200
--- body_like
/main$
