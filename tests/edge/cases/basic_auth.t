# basic_auth: bcrypt through crypt(3) natively, the core's own bcrypt at the
# edge. The hashes: bob's was made by `caddy hash-password` (Go's bcrypt,
# $2a$, Caddy's default cost 14), the others by crypt(3) ($2b$, $2y$, $2a$;
# a UTF-8 password; one past bcrypt's 72 bytes). carol comes first: an
# unknown user is checked against the first hash, the cheap one.
--- config
:@PORT@ {
	basic_auth /private/* bcrypt "Staff Only" {
		carol $2y$04$Jx7Tn2Lq9Wm4Rb8Vc1Zp3OqKNRDurOqpzUEckD7gejaTK1hA8vBaG
		alice $2b$10$Qm8Lq3ZtW1yVn5Rk7Hc2UeB99oScfRnD1V891I4f41ytcuBzCUqpe
		bob $2a$14$A0hE3/YurMUT6fIrzI14jOPilQCSzKFpLO.04fYPlE1DJGYw/RGs6
		dan $2a$05$Pq2Wn7Lx4Tm9Rb1Vc8Zk5evKG4DTEqGb2z6rOeSrryjtkhIQUtBaW
	}
	respond "hello {http.auth.user.id}"
}

=== no credentials: 401 with the realm
--- request
GET /private/x
--- status: 401
--- headers
WWW-Authenticate: Basic realm="Staff Only"

=== a hash made by caddy hash-password
--- request
GET /private/x
Authorization: Basic Ym9iOnMzY3JldA==
--- status: 200
--- body
hello bob

=== the same credentials again
--- request
GET /private/again
Authorization: Basic Ym9iOnMzY3JldA==
--- status: 200
--- body
hello bob

=== wrong password
--- request
GET /private/x
Authorization: Basic Ym9iOndyb25n
--- status: 401

=== $2b$ hash
--- request
GET /private/x
Authorization: Basic YWxpY2U6czNjcmV0
--- status: 200
--- body
hello alice

=== $2y$ hash and a UTF-8 password
--- request
GET /private/x
Authorization: Basic Y2Fyb2w6w5xuw69jb2RlIHDDpHNzd29yZA==
--- status: 200
--- body
hello carol

=== bytes past the 72nd do not count
--- request
GET /private/x
Authorization: Basic ZGFuOnh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHRhaWw=
--- status: 200
--- body
hello dan

=== one byte short of 72 does not match
--- request
GET /private/x
Authorization: Basic ZGFuOnh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4
--- status: 401

=== unknown user
--- request
GET /private/x
Authorization: Basic bWFsbG9yeTpzM2NyZXQ=
--- status: 401

=== outside the matcher no login is asked
--- request
GET /public
--- status: 200
--- body
hello 
