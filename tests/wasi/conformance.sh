#!/usr/bin/env bash
# WASI preview1 conformance (tests/guests/wasi-conformance.c, and .rs):
# runs a conformance guest under `ifrit wasm run` and checks every case's
# answer against its expectation file, then (with node installed) runs it
# under node's WASI and under ifrit with the argument `node` and checks that
# each case where the two differ is one the expectation file explains.
# Usage: conformance.sh IFRIT GUESTS_DIR LABEL [GUEST EXPECT]: GUEST.wasm in
# GUESTS_DIR (default wasi-conformance, the C guest), EXPECT in this
# directory (default conformance.expect). Prints PASS/FAIL lines and the
# counts.
set -u
ifrit=$1 guests=$2 label=$3
here=$(cd "$(dirname "$0")" && pwd)
expect=$here/${5:-conformance.expect}
wasm=$guests/${4:-wasi-conformance}.wasm
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
LIMIT=60

run_ifrit() { # OUT [ARG]
    rm -rf "$work/fs"; mkdir "$work/fs"
    timeout $LIMIT "$ifrit" wasm run --dir "$work/fs::/sandbox" "$wasm" "${@:2}" </dev/null >"$1" 2>"$work/err"
}

run_ifrit "$work/ifrit.out"
rc=$?
grep -v -e '^#' -e '^node ' -e '^$' "$expect" >"$work/want"
total=$(wc -l <"$work/want")
if [ $rc != 0 ]; then
    echo "FAIL $label/conformance: exit status $rc: $(head -c 300 "$work/err")"
elif ! grep -qx "cases $((total + 1))" "$work/ifrit.out"; then
    echo "FAIL $label/conformance: the guest did not report $((total + 1)) cases: $(tail -n 1 "$work/ifrit.out")"
elif ! diff <(grep -v '^cases ' "$work/ifrit.out") "$work/want" >"$work/diff"; then
    echo "FAIL $label/conformance: $(grep -c '^<' "$work/diff") of $total cases differ from $(basename "$expect") (< ifrit, > expected): $(grep '^[<>]' "$work/diff" | head -n 8 | tr '\n' ' ')"
else
    echo "PASS $label/conformance ($total cases as expected)"
fi

command -v node >/dev/null 2>&1 || { echo "SKIP $label/conformance-node: node not installed"; exit 0; }
run_ifrit "$work/ifrit-node.out" node
rm -rf "$work/fs"; mkdir "$work/fs"
timeout $LIMIT node --no-warnings "$here/node-run.mjs" --dir "$work/fs::/sandbox" "$wasm" node </dev/null >"$work/node.out" 2>"$work/node.err"
node_rc=$?
if [ $node_rc != 0 ]; then
    echo "FAIL $label/conformance-node: node's run ended with $node_rc: $(head -c 300 "$work/node.err")"
    exit 0
fi
# Cases (NAME ANSWER) where node answers otherwise than ifrit.
unexplained=0 differ=0
while read -r name answer; do
    [ "$name" = cases ] && continue
    mine=$(awk -v n="$name" '$1 == n { print $2; exit }' "$work/ifrit-node.out")
    [ "$mine" = "$answer" ] && continue
    differ=$((differ + 1))
    if ! grep -q "^node $name $answer " "$expect"; then
        unexplained=$((unexplained + 1))
        echo "FAIL $label/conformance-node: $name: ifrit $mine, node $answer, not explained in $(basename "$expect")"
    fi
done <"$work/node.out"
skipped=$(grep -c ' skipped$' "$work/node.out")
[ $unexplained = 0 ] && echo "PASS $label/conformance-node ($(grep -vc '^cases ' "$work/node.out") cases, $skipped skipped under node, $differ where node differs, each explained)"
exit 0
