# import with a block ({block}, {blocks.NAME}: Caddy 2.9), snippet
# arguments ({args[n]}, {args[:]}), named routes (&(name)) and invoke
# (Caddy 2.7). Caddy 2.6.2 has none of the block forms, so these are
# checked here rather than in tests/compat.
--- config
{
	admin off
}
(with-block) {
	header X-Snippet {args[0]}
	{block}
}
(layout) {
	handle /a/* {
		{blocks.first}
	}
	handle {
		{blocks.second}
	}
}
(all-args) {
	respond /args "{args[0]}|{args[1]}" {args[2:]}
}
&(api) {
	@v path /api/v1/*
	header @v X-Api v1
	respond "api {path}"
}
:@PORT@ {
	import with-block one {
		header X-From-Block yes
	}
	handle /args {
		import all-args a b 202
	}
	import layout {
		first {
			respond "first {path}"
		}
		second {
			invoke api
		}
		ignored {
			respond "never"
		}
	}
}

=== {block} pastes the import's block; {args[0]} the first argument
--- request
GET /a/x
--- status: 200
--- headers
X-Snippet: one
X-From-Block: yes
--- body
first /a/x

=== {args[2:]} expands to the rest of the arguments, each its own token
--- request
GET /args
--- status: 202
--- body
a|b

=== {blocks.second} holds an invoke of a named route, whose matchers are its own
--- request
GET /api/v1/users
--- status: 200
--- headers
X-Api: v1
--- body
api /api/v1/users

=== the named route's matcher does not match elsewhere
--- request
GET /api/v2
--- status: 200
--- headers
!X-Api
--- body
api /api/v2
