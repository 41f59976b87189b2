# wasm functions: natively on ifrit's own engine, at the edge on V8 through
# edge/wasi.mjs. Both protocols, args and env, and the failure statuses.
# The guests are tests/guests/fn_*.c (scripts/build-guests.sh tests).
--- config
:@PORT@ {
	wasm /hello @ROOT@/build/guests/fn_hello.wasm
	wasm /echo @ROOT@/build/guests/fn_echo.wasm
	wasm /fail @ROOT@/build/guests/fn_fail.wasm {
		max_output 32KiB
	}
	wasm /vars/* @ROOT@/build/guests/fn_cgi_vars.wasm {
		args one "two words"
		env DB_HOST db.local
		env FROM_PATH {path}
	}
	wasm /json/* @ROOT@/build/guests/fn_json_echo.wasm {
		protocol json
	}
	handle /mem/capped {
		wasm @ROOT@/build/guests/memhog.wasm {
			memory_limit 8MiB
		}
	}
	wasm /mem/free @ROOT@/build/guests/memhog.wasm
	wasm /sleep @ROOT@/build/guests/sleeper.wasm {
		timeout 300ms
	}
	wasm /fuel/* @ROOT@/build/guests/fn_hello.wasm {
		fuel 100
	}
}

=== cgi: the guest's stdout is the body, its Content-Type sniffed
--- request
GET /hello
--- status: 200
--- headers
Content-Type: text/plain; charset=utf-8
--- body_like
^hello from a function\n$

=== cgi: the request body is stdin; JSON output is sniffed as JSON
--- request
POST /echo
--- request_body
 {"a": [1, 2]}
--- status: 200
--- headers
Content-Type: application/json
--- body
 {"a": [1, 2]}

=== cgi: CGI variables, args and env (static and per request)
--- request
POST /vars/x?q=1
Content-Type: text/plain
X-Test: yes
--- request_body
payload
--- status: 200
--- body_like
^BODY=payload
REQUEST_METHOD=POST
REQUEST_URI=/vars/x\?q=1
PATH_INFO=/vars/x
QUERY_STRING=q=1
CONTENT_TYPE=text/plain
CONTENT_LENGTH=7
REMOTE_ADDR=127\.0\.0\.1
HTTP_X_TEST=yes
HTTP_USER_AGENT=\(unset\)
DB_HOST=db\.local
API_KEY=\(unset\)
FROM_PATH=/vars/x
ARG1=one
ARG2=two words$

=== a guest that answers normally
--- request
GET /fail?none
--- status: 200
--- body_like
^fine\n$

=== stderr goes to the log, stdout to the client
--- request
GET /fail?stderr
--- status: 200
--- body_like
^ok\n$

=== a trap answers 500
--- request
GET /fail?trap
--- status: 500

=== exiting non-zero without output answers 500
--- request
GET /fail?exit
--- status: 500

=== output past max_output answers 500
--- request
GET /fail?big
--- status: 500

=== json: Gojinn's contract, status and headers from the guest
--- request
POST /json/x?y=1
--- request_body
hi "there"
--- status: 201
--- headers
X-Method: POST
Content-Type: text/plain
--- body
{"method":"POST","uri":"/json/x?y=1","headers":{"Host":["localhost"],"Content-Length":["10"]},"body":"hi \"there\""}

=== json: output that is not JSON answers 502
--- request
GET /json/bad
--- status: 502

=== json: a status that is not an integer answers 502
--- request
GET /json/badstatus
--- status: 502

=== memory_limit: memory.grow past it fails in the guest (its malloc returns NULL)
--- request
GET /mem/capped
--- body_like
^malloc failed after [1-7] MiB\n$

=== the same module without memory_limit grows as it likes
--- request
GET /mem/free
--- status: 200
--- body_like
^allocated 64 MiB\n$

=== timeout: a guest that keeps calling the host is stopped at its deadline
--- request
GET /sleep
--- status: 504

=== fuel that runs out stops the guest
--- request
GET /fuel/native
--- status: 504

=== fuel is ignored at the edge: the guest runs to its end
--- request
GET /fuel/edge
--- status: 200
--- body_like
^hello from a function\n$
