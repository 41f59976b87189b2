# header [<matcher>] { ... }: the block form with an inline path, a named
# matcher or `*` in front, as Caddy accepts it.
--- config
{
	admin off
}
:@PORT@ {
	header /api/* {
		X-Api yes
		-X-Gone
	}
	@m path /m
	header @m {
		X-Named yes
	}
	header * {
		X-All yes
	}
	header X-Gone there
	respond "ok"
}

=== an inline path matcher in front of a block
--- request
GET /api/x
--- status: 200
--- headers
X-Api: yes
X-All: yes
!X-Named
!X-Gone
--- body
ok

=== a named matcher in front of a block
--- request
GET /m
--- status: 200
--- headers
X-Named: yes
X-All: yes
X-Gone: there
!X-Api
--- body
ok

=== the block applies only where its matcher matches
--- request
GET /other
--- status: 200
--- headers
X-All: yes
!X-Api
!X-Named
--- body
ok
