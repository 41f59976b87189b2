# encode: natively zlib compresses; at the edge the core negotiates the same
# way and workerd compresses (docs/edge.md). Compressed bytes differ between
# the two compressors, so tests/edge/run.py compares gzip bodies decoded.
# zstd is not offered at the edge: a client that prefers it gets gzip there.
--- config
:@PORT@ {
	encode gzip {
		minimum_length 100
	}
	root * @DIR@/www
	handle /text {
		respond "ifrit encodes this line. ifrit encodes this line. ifrit encodes this line. ifrit encodes this line. ifrit encodes this line."
	}
	handle /small {
		respond "tiny"
	}
	handle {
		file_server {
			precompressed gzip
		}
	}
}
--- file www/page.txt
plain page
--- file www/page.txt.gz
not really gzip but served as the page's gzip sidecar

=== gzip when the client accepts it
--- request
GET /text
Accept-Encoding: gzip, deflate
--- status: 200
--- headers
Content-Encoding: gzip
Vary: Accept-Encoding
Content-Type: text/plain; charset=utf-8
--- body_like
^\x1f\x8b

=== no encoding without Accept-Encoding
--- request
GET /text
--- status: 200
--- headers
!Content-Encoding
--- body
ifrit encodes this line. ifrit encodes this line. ifrit encodes this line. ifrit encodes this line. ifrit encodes this line.

=== below minimum_length stays plain
--- request
GET /small
Accept-Encoding: gzip
--- status: 200
--- headers
!Content-Encoding
--- body
tiny

=== a precompressed sidecar goes out byte for byte
--- request
GET /page.txt
Accept-Encoding: gzip
--- status: 200
--- headers
Content-Encoding: gzip
--- body_like
^not really gzip but served as the page's gzip sidecar\n+$
