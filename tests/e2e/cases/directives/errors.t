# error and handle_errors: status filters, placeholders, fall-back, a bare
# status when no error route takes it.
--- config
{
	admin off
}
:@PORT@ {
	root * @DIR@/www
	error /gone "it is gone" 410
	error /forbidden 403
	error /boom "exploded"
	error /teapot 418
	file_server /files/*
	respond /fine "ok"
	handle_errors 404 410 {
		respond "{err.status_code} {http.error.status_text}: {http.error.message}"
	}
	handle_errors 5xx {
		header X-Err yes
		respond "server error {http.error.status_code}" 503
	}
	handle_errors 403 {
		rewrite * /403.html
		file_server
	}
}
--- file www/403.html
custom forbidden page

=== error answered by handle_errors with the error's status
--- request
GET /gone
--- status: 410
--- body
410 Gone: it is gone

=== message alone means 500; explicit status in the error route wins
--- request
GET /boom
--- status: 503
--- headers
X-Err: yes
--- body
server error 500

=== file_server's 404 goes to handle_errors
--- request
GET /files/missing.txt
--- status: 404
--- body
404 Not Found: file not found

=== error page served by file_server keeps the error status
--- request
GET /forbidden
--- status: 403
--- body_like
^custom forbidden page\n+$

=== no error route for the status: bare status
--- request
GET /teapot
--- status: 418
--- body


=== no error
--- request
GET /fine
--- status: 200
--- body
ok
