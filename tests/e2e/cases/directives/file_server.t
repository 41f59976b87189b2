# file_server: index, MIME, ETag and conditionals, ranges, canonical
# redirects, hide, browse, traversal attempts, methods.
--- config
{
	admin off
}
:@PORT@ {
	root * @DIR@/site
	file_server {
		hide .secret *.bak
		browse
	}
}
--- file site/index.html
<h1>home</h1>
--- file site/data.json
{"a":1}
--- file site/digits.txt
0123456789
--- file site/docs/readme.txt
readme
--- file site/docs/old.bak
backup
--- file site/.secret/key
k
--- file site/list/<x>&.txt
odd name
--- file outside.txt
not for you

=== index file with type and validators
--- request
GET /
--- status: 200
--- headers
Content-Type: text/html; charset=utf-8
ETag: ~^"[0-9a-z]+"$
Last-Modified: ~GMT$
Accept-Ranges: bytes
--- body_like
^<h1>home</h1>\n$

=== MIME type by extension
--- request
GET /data.json
--- status: 200
--- headers
Content-Type: application/json

=== single range
--- request
GET /digits.txt
Range: bytes=2-4
--- status: 206
--- headers
Content-Range: bytes 2-4/11
Content-Length: 3
--- body
234

=== suffix range
--- request
GET /digits.txt
Range: bytes=-3
--- status: 206
--- headers
Content-Range: bytes 8-10/11
--- body_like
^89\n$


=== several ranges make a multipart answer
--- request
GET /digits.txt
Range: bytes=0-0,5-6
--- status: 206
--- headers
Content-Type: ~^multipart/byteranges; boundary=
--- body_like
Content-Range: bytes 0-0/11\r\n\r\n0\r\n--.*Content-Range: bytes 5-6/11\r\n\r\n56\r\n--.*--\r\n$

=== unsatisfiable range
--- request
GET /digits.txt
Range: bytes=50-60
--- status: 416
--- headers
Content-Range: bytes */11

=== If-Range with a stale validator sends the whole file
--- request
GET /digits.txt
Range: bytes=2-4
If-Range: "stale"
--- status: 200
--- body_like
^0123456789\n$

=== If-Modified-Since in the future gives 304
--- request
GET /digits.txt
If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT
--- status: 304

=== If-None-Match star gives 304
--- request
GET /digits.txt
If-None-Match: *
--- status: 304

=== If-None-Match that does not match
--- request
GET /digits.txt
If-None-Match: "nope"
--- status: 200

=== directory without slash redirects
--- request
GET /docs?x=1
--- status: 308
--- headers
Location: /docs/?x=1
Content-Type: text/html; charset=utf-8

=== file with a trailing slash redirects
--- request
GET /digits.txt/
--- status: 308
--- headers
Location: /digits.txt

=== browse lists the directory, hiding hidden files
--- request
GET /docs/
--- status: 200
--- headers
Content-Type: text/html; charset=utf-8
--- body_like
readme\.txt(?!.*old\.bak)

=== browse escapes names
--- request
GET /list/
--- status: 200
--- body_like
href="\./%3Cx%3E%26\.txt">&lt;x&gt;&amp;\.txt<

=== hidden by name
--- request
GET /docs/old.bak
--- status: 404

=== hidden directory
--- request
GET /.secret/key
--- status: 404

=== dot-dot cannot leave the root
--- raw
GET /../outside.txt HTTP/1.1\r\nHost: localhost\r\n\r\n
--- status: 404

=== encoded slashes and dots cannot leave the root
--- request
GET /%2e%2e%2foutside.txt
--- status: 404

=== POST is not allowed
--- request
POST /digits.txt
--- request_body
x
--- status: 405
--- headers
Allow: GET, HEAD

=== HEAD has the headers and no body
--- request
HEAD /digits.txt
--- status: 200
--- headers
Content-Length: 11

=== browse answers JSON when asked
--- request
GET /docs/
Accept: application/json
--- status: 200
--- headers
Content-Type: application/json
--- body_like
^\[\{"name":"readme\.txt","size":7,"url":"\./readme\.txt","mod_time":"[^"]+ GMT","is_dir":false\}\]$
