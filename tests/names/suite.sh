#!/usr/bin/env bash
# The naming rule of docs/architecture.md ("Names"), checked by
# scripts/check-names.py: src/ itself keeps it (no allow-list), and the
# checker catches each kind of break planted in a small tree that uses the
# real layer table. Prints PASS/FAIL lines (see tests/run.sh).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=${IFRIT_ROOT:-$(cd "$here/../.." && pwd)}
check=$root/scripts/check-names.py
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The real tree: one PASS/FAIL line per layer.
python3 "$check" --root "$root"

# tree FILE TEXT: a fresh tree in $work/t with the real table and one file.
tree() {
    rm -rf "$work/t"
    mkdir -p "$work/t/docs" "$work/t/src/$(dirname "$1")"
    cp "$root/docs/architecture.md" "$work/t/docs/"
    printf '%b' "$2" > "$work/t/src/$1"
}

# plant NAME FILE TEXT WANT: the checker must fail on FILE with WANT.
plant() {
    local name=$1 file=$2 text=$3 want=$4 out rc
    tree "$file" "$text"
    out=$(python3 "$check" --root "$work/t" 2>&1); rc=$?
    if [ $rc = 1 ] && grep -q "^FAIL names/.*src/$file:[0-9]*: $want" <<<"$out"; then
        echo "PASS names/catches-$name"
    else
        echo "FAIL names/catches-$name: exit $rc, expected a FAIL line for src/$file saying '$want'; got: $(tr '\n' ' ' <<<"$out" | cut -c1-400)"
    fi
}

plant static-function route/a.c 'static int parse(void) { return 0; }\nint route_a(void) { return parse(); }\n' \
    "parse is this file's own: it is route__name"
plant static-variable server/b.c 'static int count;\nint srv_b(void) { return count; }\n' \
    "count is this file's own: it is srv__name"
plant file-macro http/c.c '#define LIMIT 4\nint http_c(void) { return LIMIT; }\n' \
    "LIMIT is this file's own: it is http__name"
plant file-type config/d.c 'typedef struct { int x; } item_t;\nint cfg_d(item_t *i) { return i->x; }\n' \
    "item_t is this file's own: it is cfg__name"
plant file-enum base/e.c 'enum { RED, GREEN };\nint ifr_e(void) { return GREEN; }\n' \
    "GREEN is this file's own: it is ifr__name"
plant exported-function fn/f.c 'int run_it(void) { return 0; }\n' \
    "run_it is exported: it is fn_name"
plant header-double-underscore wasm/g.h 'int iw__step(void);\n' \
    "iw__step is declared in a header: it is iw_name"
plant header-no-prefix tls/h.h 'typedef int store_t;\n' \
    "store_t is declared in a header: it is tls_name"

# A tree that keeps the rule passes.
tree route/ok.c 'static int route__parse(void) { return 0; }\n#define ROUTE__MAX 4\nint route_ok(void) { return route__parse() + ROUTE__MAX; }\n'
mkdir -p "$work/t/src/route" && printf '#ifndef IFRIT_ROUTE_OK_H\n#define IFRIT_ROUTE_OK_H\nint route_ok(void);\n#define X(a) a\n#undef X\n#endif\n' > "$work/t/src/route/ok.h"
out=$(python3 "$check" --root "$work/t" 2>&1); rc=$?
if [ $rc = 0 ] && grep -q "^PASS names/route" <<<"$out"; then
    echo "PASS names/accepts-a-tree-that-keeps-the-rule"
else
    echo "FAIL names/accepts-a-tree-that-keeps-the-rule: exit $rc: $(tr '\n' ' ' <<<"$out" | cut -c1-400)"
fi
