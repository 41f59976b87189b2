#!/usr/bin/env bash
# The counting rules of tests/run.sh (tests/tally.sh) on made-up program
# outputs, so a rule that stops catching something fails here first; and
# every entry of tests/skips-allowed.txt names a reason.
# Prints PASS/FAIL lines (see tests/run.sh).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=${IFRIT_ROOT:-$(cd "$here/../.." && pwd)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
allow=$work/allowed.txt
cat > "$allow" <<'EOF'
# comment | not an entry
spec/simd_* | SIMD is a later issue
edge/directives/respond/request placeholders | no listener at the edge
no/reason |
EOF

# expect NAME "P F S" RC OUTPUT [CI]: tally_program's totals for OUTPUT.
expect() {
    local name=$1 want=$2 rc=$3 out=$4 ci=${5:-} got
    got=$(
        CI=$ci TALLY_ALLOW=$allow
        . "$root/tests/tally.sh"
        tally_program prog "$rc" "$out" >/dev/null
        echo "$total_pass $total_fail $total_skip"
    )
    if [ "$got" = "$want" ]; then echo "PASS selfcheck/$name"
    else echo "FAIL selfcheck/$name: passed/failed/skipped $got, expected $want"; fi
}

nl=$'\n'
expect passes-count "2 0 0" 0 "PASS a${nl}PASS b"
expect fail-lines-count "1 2 0" 1 "PASS a${nl}FAIL b: x${nl}FAIL c: y"
expect silent-program-fails "0 1 0" 0 ""
expect only-noise-fails "0 1 0" 0 "starting${nl}done"
expect only-skips-fails "0 1 1" 0 "SKIP a: cannot run"
expect crash-without-fail-line-fails "1 1 0" 3 "PASS a"
expect crash-with-fail-line-counts-once "0 1 0" 1 "FAIL a: x"
expect skip-outside-ci-counts "1 0 1" 0 "PASS a${nl}SKIP other/x: tool missing"
expect skip-without-reason-fails "1 2 0" 0 "PASS a${nl}SKIP other/x${nl}SKIP other/y: "
expect ci-listed-skip-counts "1 0 1" 0 "PASS a${nl}SKIP spec/simd_lane: SIMD" true
expect ci-listed-name-with-spaces "1 0 1" 0 \
    "PASS a${nl}SKIP edge/directives/respond/request placeholders: port 0" true
expect ci-unlisted-skip-fails "1 1 0" 0 "PASS a${nl}SKIP other/x: tool missing" true
expect ci-entry-without-reason-fails "1 1 0" 0 "PASS a${nl}SKIP no/reason: x" true
expect ci-glob-is-no-prefix "1 1 0" 0 "PASS a${nl}SKIP spec/simdx: x" true
expect ci-comment-is-no-entry "1 1 0" 0 "PASS a${nl}SKIP # comment: x" true

# In CI, an allow-list entry that matched no SKIP gets a note.
notes=$(
    CI=true TALLY_ALLOW=$allow
    . "$root/tests/tally.sh"
    tally_program prog 0 "PASS a${nl}SKIP spec/simd_lane: SIMD" >/dev/null
    tally_unused_allows
)
if grep -q "'edge/directives/respond/request placeholders' matched no SKIP" <<<"$notes" && ! grep -q "spec/simd_" <<<"$notes"
then echo "PASS selfcheck/ci-unused-allow-entry-noted"
else echo "FAIL selfcheck/ci-unused-allow-entry-noted: $(tr '\n' ' ' <<<"$notes")"; fi

# The real allow list: every entry has a reason.
bad=$(grep -v '^[[:space:]]*\(#\|$\)' "$root/tests/skips-allowed.txt" | grep -v '|[[:space:]]*[^[:space:]]')
if [ -z "$bad" ]; then echo "PASS selfcheck/skips-allowed-entries-have-reasons"
else echo "FAIL selfcheck/skips-allowed-entries-have-reasons: $(head -n 3 <<<"$bad" | tr '\n' ' ')"; fi
