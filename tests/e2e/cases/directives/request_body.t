# request_body max_size: 413 when the declared length is over the cap.
--- config
{
	admin off
}
:@PORT@ {
	request_body /small/* {
		max_size 10
	}
	respond "ok"
	handle_errors 413 {
		respond "too big: {http.error.status_code}"
	}
}

=== under the cap
--- request
POST /small/x
--- request_body
12345
--- status: 200
--- body
ok

=== over the cap
--- request
POST /small/x
--- request_body
0123456789abcdef
--- status: 413
--- body
too big: 413

=== other paths are not capped
--- request
POST /big
--- request_body
0123456789abcdef
--- status: 200
