"""End-to-end tests of Gojinn's per-function traffic options (issue 20):
api_key (X-API-Key or a Bearer token, else 401), cors_origin (headers for
a listed Origin, a preflight answered 204 without running the guest) and
rate_limit (a token bucket per client: its key, else its address; over it
429). Rates are set so low that no refill can happen while a test runs:
outcomes, not timings."""
import os

from ifrit_e2e import GUESTS, Server, built, check


def guest(name):
    return built(os.path.join(GUESTS, name + ".wasm"))


def config(body):
    return "{\n\tadmin off\n\tworkers 1\n}\n:@PORT@ {\n%s\n}\n" % body


def test_hostapi_traffic_api_key_cors_and_rate_limit(binary):
    hello, fail = guest("fn_hello"), guest("fn_fail")
    cfg = config("""
	wasm /keyed %s {
		api_key k-one
		api_key k-two
	}
	wasm /limited %s {
		rate_limit 0.001 2
	}
	wasm /per-key %s {
		api_key k-one
		api_key k-two
		rate_limit 0.001 1
	}
	wasm /cors %s {
		cors_origin https://app.example
	}
	wasm /cors-any %s {
		cors_origin *
	}
""" % (hello, hello, hello, fail, hello))
    ok = b"hello from a function\n"
    with Server(binary, cfg) as s:
        check(s.request("GET", "/keyed").status == 401, "no key")
        check(s.request("GET", "/keyed", headers=[("X-API-Key", "k-three")]).status == 401, "a wrong key")
        check(s.request("GET", "/keyed", headers=[("X-API-Key", "k-on")]).status == 401, "a prefix of a key")
        r = s.request("GET", "/keyed", headers=[("X-API-Key", "k-one")])
        check(r.status == 200 and r.body == ok, r)
        r = s.request("GET", "/keyed", headers=[("Authorization", "Bearer k-two")])
        check(r.status == 200 and r.body == ok, r)
        check(s.wait_log("refused (401): its API key is not one of the function's"), "no 401 line")
        # Burst 2, then nothing for 1000 s.
        check([s.request("GET", "/limited").status for _ in range(3)] == [200, 200, 429], "rate_limit")
        check(s.wait_log("refused (429): over rate_limit 0.001/s"), "no 429 line")
        # Per key: each key its own bucket.
        check(s.request("GET", "/per-key", headers=[("X-API-Key", "k-one")]).status == 200, "k-one")
        check(s.request("GET", "/per-key", headers=[("X-API-Key", "k-one")]).status == 429, "k-one again")
        check(s.request("GET", "/per-key", headers=[("X-API-Key", "k-two")]).status == 200, "k-two has its own")
        # CORS: the preflight never runs the guest (this one always fails).
        r = s.request("OPTIONS", "/cors", headers=[("Origin", "https://app.example"),
                                                  ("Access-Control-Request-Method", "POST")])
        check(r.status == 204 and r.header("Access-Control-Allow-Origin") == "https://app.example", r)
        check("X-API-Key" in (r.header("Access-Control-Allow-Headers") or ""), r.headers)
        check(r.header("Access-Control-Allow-Credentials") == "true", r.headers)
        r = s.request("OPTIONS", "/cors", headers=[("Origin", "https://evil.example")])
        check(r.status == 204 and r.header("Access-Control-Allow-Origin") is None, r)
        r = s.request("GET", "/cors-any", headers=[("Origin", "https://any.example")])
        check(r.status == 200 and r.body == ok and r.header("Access-Control-Allow-Origin") == "https://any.example", r)
        r = s.request("GET", "/cors-any")
        check(r.status == 200 and r.header("Access-Control-Allow-Origin") is None, "no Origin, no CORS headers")
