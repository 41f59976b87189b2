# try_files (SPA fallback, directories, =status), method, request_header.
--- config
{
	admin off
}
:@PORT@ {
	root * @DIR@/app
	method /to-post POST
	request_header +X-Added one
	request_header -X-Drop
	request_header X-Swap abc xyz
	handle /api/* {
		try_files {path}.json =404
		file_server
	}
	handle /echo* {
		respond "{method} added={header.X-Added} drop={header.X-Drop} swap={header.X-Swap}"
	}
	handle /to-post {
		respond "{method}"
	}
	handle {
		try_files {path} {path}/ /index.html?from={path}
		respond /index.html "spa {query}"
		file_server
	}
}
--- file app/index.html
spa shell
--- file app/real.txt
real
--- file app/dir/index.html
dir index
--- file app/api/users.json
[1,2]
--- file outside.json
nope

=== an existing file is served
--- request
GET /real.txt
--- status: 200
--- body_like
^real\n$

=== a directory candidate: rewritten to /dir/, whose index file_server serves after the canonical redirect (Caddy compares the slash with the path as sent)
--- request
GET /dir
--- status: 308
--- headers
Location: /dir/

=== a directory candidate with its slash
--- request
GET /dir/
--- status: 200
--- body_like
^dir index\n$

=== the fallback rewrites with its query, the placeholder's value query-escaped (as Caddy's rewrite)
--- request
GET /client/route
--- status: 200
--- body
spa from=%2Fclient%2Froute

=== a candidate with an extension added
--- request
GET /api/users
--- status: 200
--- headers
Content-Type: application/json
--- body_like
^\[1,2\]\n$

=== =404 when nothing exists
--- request
GET /api/none
--- status: 404

=== a candidate cannot leave the root (the path cleans to /outside: the SPA fallback answers)
--- request
GET /api/..%2f..%2foutside
--- status: 200
--- body_like
^spa from=

=== method changes the method
--- request
GET /to-post
--- status: 200
--- body
POST

=== request_header adds, deletes and replaces
--- request
GET /echo
X-Drop: gone
X-Swap: 1abc2
--- status: 200
--- body
GET added=one drop= swap=1xyz2
