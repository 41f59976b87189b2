#!/usr/bin/env bash
# Section "functions" (issue 4), a hook until the wasm directive exists.
# To measure once it does: on one worker, wrk against a `respond` route, a
# hello function in cgi mode and Gojinn's JSON tax calculation in json mode
# (req/s, p50, p99, function/respond); the per-request sandbox cost with and
# without a snapshot from an in-process loop; the 500-function idle RSS.
set -u
. "$(dirname "$0")/lib.sh"
bench_section "functions (issue 4): wasm directive vs respond, sandbox cost, idle RSS"
if why=$(bench_ifrit_accepts $'\twasm ./hello.wasm'); then
    bench_na "functions" "the wasm directive exists; this measurement is not written yet (docs/benchmarks.md)"
else
    bench_na "functions" "$why"
fi
