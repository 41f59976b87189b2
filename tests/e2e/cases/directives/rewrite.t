# redir, rewrite, uri.
--- config
{
	admin off
}
:@PORT@ {
	redir /temp /target
	redir /perm /target{uri} permanent
	redir /code /target 307
	redir /html "https://example.com/?a=<b>&c" html
	rewrite /rw /echo?from=rw
	rewrite /keepq /echo
	uri /strip/* strip_prefix /strip
	uri /suffix/* strip_suffix .html
	uri /rep/* replace aa b 1
	uri /re/* path_regexp /re/([a-z]+)/([0-9]+) /echo-$2-${1}
	respond "path={path} query={query}"
}

=== temporary redirect by default
--- request
GET /temp
--- status: 302
--- headers
Location: /target

=== permanent with placeholders
--- request
GET /perm?x=1
--- status: 301
--- headers
Location: /target/perm?x=1

=== explicit code
--- request
GET /code
--- status: 307
--- headers
Location: /target

=== html redirect escapes the target
--- request
GET /html
--- status: 200
--- headers
Content-Type: text/html; charset=utf-8
--- body_like
URL='https://example.com/\?a=&lt;b&gt;&amp;c'

=== rewrite with a query replaces the query
--- request
GET /rw?orig=1
--- status: 200
--- body
path=/echo query=from=rw

=== rewrite without a query keeps it
--- request
GET /keepq?orig=1
--- status: 200
--- body
path=/echo query=orig=1

=== uri strip_prefix
--- request
GET /strip/a/b
--- status: 200
--- body
path=/a/b query=

=== uri strip_suffix
--- request
GET /suffix/page.html
--- status: 200
--- body
path=/suffix/page query=

=== uri replace with a limit
--- request
GET /rep/aa-aa
--- status: 200
--- body
path=/rep/b-aa query=

=== uri path_regexp with group references
--- request
GET /re/abc/42
--- status: 200
--- body
path=/echo-42-abc query=
