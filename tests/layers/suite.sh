#!/usr/bin/env bash
# The layer rules of docs/architecture.md, checked by scripts/check-layers.py:
# src/ itself keeps them (no allow-list), and the checker catches each kind
# of violation planted in a small tree that uses the real table.
# Prints PASS/FAIL lines (see tests/run.sh).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=${IFRIT_ROOT:-$(cd "$here/../.." && pwd)}
check=$root/scripts/check-layers.py
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The real tree: one PASS/FAIL line per layer.
python3 "$check" --root "$root"

# tree: a fresh tree in $work/t with the real table and a few headers.
tree() {
    rm -rf "$work/t"
    mkdir -p "$work/t/docs"
    cp "$root/docs/architecture.md" "$work/t/docs/"
    local h
    for h in base/str.h config/caddyfile.h route/plan.h route/state.h route/regexp_int.h plugin/plugin.h; do
        mkdir -p "$work/t/src/$(dirname "$h")"
        : > "$work/t/src/$h"
    done
}

# plant NAME FILE INCLUDE WANT: FILE (under src/) includes INCLUDE; the
# checker must fail with a FAIL line containing WANT.
plant() {
    local name=$1 file=$2 inc=$3 want=$4 out rc
    tree
    mkdir -p "$work/t/src/$(dirname "$file")"
    printf '#include <stdio.h>\n#include "%s"\n' "$inc" > "$work/t/src/$file"
    out=$(python3 "$check" --root "$work/t" 2>&1); rc=$?
    if [ $rc = 1 ] && grep -q "^FAIL layers/.*src/$file:2: includes \"$inc\": .*$want" <<<"$out"; then
        echo "PASS layers/catches-$name"
    else
        echo "FAIL layers/catches-$name: exit $rc, expected a FAIL line for src/$file:2 saying '$want'; got: $(tr '\n' ' ' <<<"$out" | cut -c1-400)"
    fi
}

plant upward base/up.c route/plan.h "base may include only no other layer"
plant peer fn/peer.c plugin/plugin.h "fn may include only"
plant private-header server/priv.c route/state.h "state.h is private to route"
plant int-header route/other.c route/regexp_int.h "regexp_int.h is private to src/route/regexp\*"
plant int-header-across-layers plugin/regexp_x.c route/regexp_int.h "private to src/route/regexp\*"
plant unknown-layer route/unk.c nosuch/x.h "'nosuch' is no layer"
plant climbing-path route/climb.c ../base/str.h "never with ../"
plant missing-header route/miss.c base/nosuch.h "no such header"

# A layer the table does not list.
tree
mkdir -p "$work/t/src/newlayer" && printf '#include "base/str.h"\n' > "$work/t/src/newlayer/x.c"
out=$(python3 "$check" --root "$work/t" 2>&1); rc=$?
if [ $rc = 1 ] && grep -q "^FAIL layers/newlayer: src/newlayer is not in the table" <<<"$out"
then echo "PASS layers/catches-unlisted-layer"
else echo "FAIL layers/catches-unlisted-layer: exit $rc: $(tr '\n' ' ' <<<"$out" | cut -c1-400)"; fi

# What the rules allow passes: down a layer to a public header, a layer's
# own private header, X_int.h from a file named X*, a generated header.
tree
printf '#include "config/caddyfile.h"\n#include "route/state.h"\n#include "blowfish_pi.h"\n' > "$work/t/src/route/ok.c"
printf '#include "route/regexp_int.h"\n' > "$work/t/src/route/regexp_match.c"
mkdir -p "$work/t/src/server" && printf '#include "route/plan.h"\n#include "plugin/plugin.h"\n' > "$work/t/src/server/ok.c"
out=$(python3 "$check" --root "$work/t" 2>&1); rc=$?
if [ $rc = 0 ] && ! grep -q '^FAIL' <<<"$out"
then echo "PASS layers/allows-what-the-table-allows"
else echo "FAIL layers/allows-what-the-table-allows: exit $rc: $(tr '\n' ' ' <<<"$out" | cut -c1-400)"; fi

# A table without the "may include" column is a failure, not a pass.
tree
sed -i 's/| may include |/| uses |/' "$work/t/docs/architecture.md"
out=$(python3 "$check" --root "$work/t" 2>&1); rc=$?
if [ $rc = 1 ] && grep -q '^FAIL layers/table: .*no table' <<<"$out"
then echo "PASS layers/catches-missing-table"
else echo "FAIL layers/catches-missing-table: exit $rc: $(tr '\n' ' ' <<<"$out" | cut -c1-400)"; fi

# Unit tests link only the layers they test and those below (Makefile): a
# core layer's test the core library alone, a server test the server's too.
# make -n prints the link lines without building anything.
link_line() { make -C "$root" -n -B OUT=build/layers-dry "build/layers-dry/tests/$1" 2>/dev/null | grep -F "tests/unit/$1.c"; }
for t in base/test_str_int route/test_directive_register; do
    line=$(link_line "$t")
    if grep -q 'libifrit-core\.a' <<<"$line" && ! grep -qE 'libifrit-(server|tls|acme)\.a' <<<"$line"
    then echo "PASS layers/unit-links-${t%%/*}-only"
    else echo "FAIL layers/unit-links-${t%%/*}-only: the link line of $t names more than the core library (or none): $(cut -c1-300 <<<"$line")"; fi
done
line=$(link_line server/test_cmd_fmt)
if grep -q 'libifrit-server\.a' <<<"$line" && grep -q 'libifrit-core\.a' <<<"$line"
then echo "PASS layers/unit-links-server-all"
else echo "FAIL layers/unit-links-server-all: server/test_cmd_fmt's link line: $(cut -c1-300 <<<"$line")"; fi
