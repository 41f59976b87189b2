# encode: a HEAD gets the head its GET would; only compressed answers (and
# 304s to a client accepting a format) carry Vary: Accept-Encoding, as
# Caddy's; an existing Vary is extended, not repeated. (Bodies: test_directives.py.)
--- config
{
	admin off
}
:@PORT@ {
	root * @DIR@/www
	header /origin/* Vary Origin
	encode gzip {
		minimum_length 100
	}
	file_server
}
--- file www/page.txt
ifrit encodes this line. ifrit encodes this line. ifrit encodes this line. ifrit encodes this line. ifrit encodes this line. ifrit encodes this line. ifrit encodes this line. ifrit encodes this line. ifrit encodes this line. ifrit encodes this line. ifrit encodes this line. ifrit encodes this line. ifrit encodes this line. ifrit encodes this line. ifrit encodes this line. ifrit encodes this line. ifrit encodes this line. ifrit encodes this line. ifrit encodes this line. ifrit encodes this line.
--- file www/small.txt
tiny
--- file www/origin/page.txt
ifrit encodes this line. ifrit encodes this line. ifrit encodes this line. ifrit encodes this line. ifrit encodes this line. ifrit encodes this line. ifrit encodes this line. ifrit encodes this line. ifrit encodes this line. ifrit encodes this line. ifrit encodes this line. ifrit encodes this line. ifrit encodes this line. ifrit encodes this line. ifrit encodes this line. ifrit encodes this line. ifrit encodes this line. ifrit encodes this line. ifrit encodes this line. ifrit encodes this line.
--- file www/pic.png
not really a png, but served as image/png and long enough to be compressed if it were text

=== HEAD: Content-Encoding and Vary as for GET, no length, no body
--- request
HEAD /page.txt
Accept-Encoding: gzip
--- status: 200
--- headers
Content-Encoding: gzip
Vary: Accept-Encoding
ETag: ~^W/
!Content-Length
!Accept-Ranges
--- body_like
^$

=== GET of the same file is compressed
--- request
GET /page.txt
Accept-Encoding: gzip
--- status: 200
--- headers
Content-Encoding: gzip
Vary: Accept-Encoding

=== a client without Accept-Encoding gets the identity body, no Vary
--- request
GET /page.txt
--- status: 200
--- headers
!Content-Encoding
!Vary
Content-Length: 500
--- body_like
^(ifrit encodes this line\. ?){20}\n$

=== a client accepting none of ours: no Vary either
--- request
HEAD /page.txt
Accept-Encoding: br
--- status: 200
--- headers
!Content-Encoding
!Vary
Content-Length: 500

=== too short for minimum_length: not compressed, no Vary
--- request
GET /small.txt
Accept-Encoding: gzip
--- status: 200
--- headers
!Content-Encoding
!Vary
Content-Length: 5
--- body_like
^tiny\n$

=== HEAD of a short file: the same
--- request
HEAD /small.txt
Accept-Encoding: gzip
--- status: 200
--- headers
!Content-Encoding
!Vary
Content-Length: 5

=== a type never compressed does not vary
--- request
GET /pic.png
Accept-Encoding: gzip
--- status: 200
--- headers
!Content-Encoding
!Vary

=== a 304 carries the Vary of its 200 (Caddy 2.7.5+; 2.6.2 sends none)
--- request
GET /page.txt
Accept-Encoding: gzip
If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT
--- status: 304
--- headers
Vary: Accept-Encoding

=== an existing Vary gets the token appended
--- request
HEAD /origin/page.txt
Accept-Encoding: gzip
--- status: 200
--- headers
Content-Encoding: gzip
Vary: Origin, Accept-Encoding
