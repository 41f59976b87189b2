# file_server over a big file: at the edge the bytes go from the embedded
# asset to the client in pieces (a FixedLengthStream, so Content-Length
# stays), never through the core's memory. The big file is the edge core
# itself, build/edge/ifrit.wasm (built before these tests run).
--- config
:@PORT@ {
	handle_path /big/* {
		root * @ROOT@/build/edge
		file_server
	}
}

=== a big file whole, with its length
--- request
GET /big/ifrit.wasm
--- status: 200
--- headers
Content-Length: ~^[0-9]{6,}$
Content-Type: application/wasm
--- body_like
^\x00asm

=== a range of it
--- request
GET /big/ifrit.wasm
Range: bytes=1000-299999
--- status: 206
--- headers
Content-Length: 299000
Content-Range: ~^bytes 1000-299999/

=== HEAD has the length and no body
--- request
HEAD /big/ifrit.wasm
--- status: 200
--- headers
Content-Length: ~^[0-9]{6,}$
--- body
