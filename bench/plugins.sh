#!/usr/bin/env bash
# Section "plugins" (issue 6): one ifrit worker (core BENCH_SERVER_CPU), wrk
# (core BENCH_CLIENT_CPU) against the same `respond "hello"` route behind 0,
# 1 and 5 no-op plugins and behind one header-injecting plugin, all in one
# server so every route is measured in the same run: requests/s, p99 and
# the ratio to the route without plugins (issue 6 target: one no-op plugin
# costs at most 10%), behind one no-op proxy-wasm filter and one Dwaar
# plugin component (gate.c: on-request answers continue here; issue 21: at
# least 0.9 too). Then the in-process cost of one hook call, of ifrit's
# ABI, of a proxy-wasm header callback and of a component's on-request
# (tests/tools/bench_plugin_hook; target under 5 us).
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/servers.sh"

bench_section "plugins (issue 6): one worker on core $BENCH_SERVER_CPU, wrk -c$BENCH_HTTP_CONNS on core $BENCH_CLIENT_CPU, ${BENCH_HTTP_SECONDS}s per route"
for tool in wrk curl taskset; do
    bench_have $tool || { bench_na "plugins" "$tool not installed (make deps)"; exit 0; }
done
scripts/build-guests.sh tests >/dev/null || { bench_na "plugins" "plugins do not build (scripts/build-guests.sh tests)"; exit 0; }
plugins=$BENCH_ROOT/build/plugins
noop=$plugins/noop.wasm
if ! why=$(bench_ifrit_accepts $'\twasm_plugin '"$noop"$'\n\trespond "hello"'); then
    bench_na "plugins" "$why"
    exit 0
fi
bench_workdir plugins

# One handle block per variant; plugins in a handle block wrap only it.
handle() { # PATH PLUGIN...
    local path=$1 p
    shift
    printf '\thandle %s {\n' "$path"
    for p in "$@"; do printf '\t\twasm_plugin %s\n' "$p"; done
    printf '\t\trespond "hello"\n\t}\n'
}
site=$(handle /p0; handle /p1 "$noop"; handle /p5 "$noop" "$noop" "$noop" "$noop" "$noop"
       handle /hdr "$plugins/add_header.wasm"; handle /pw "$plugins/pw_noop.wasm"
       handle /cmp "$plugins/gate.component.wasm")
port=$(bench_free_port) || { bench_na "plugins" "no free port"; exit 0; }
declare -A rps errs
if bench_start ifrit plugins "$port" "$BENCH_SERVER_CPU" "$site" "" &&
   [ "$(curl -s "http://127.0.0.1:$port/p5")" = "hello" ]; then
    printf '%-26s %12s %10s %8s  %s\n' route "req/s" p99 "vs none" "socket errors"
    for route in p0 p1 p5 hdr pw cmp; do
        read -r r _ p e < <(bench_wrk "http://127.0.0.1:$port/$route")
        rps[$route]=$r errs[$route]=$e
        case $route in
            p0) label="no plugin" ;; p1) label="1 no-op plugin" ;;
            p5) label="5 no-op plugins" ;; hdr) label="1 header-injecting plugin" ;;
            pw) label="1 no-op proxy-wasm filter" ;; cmp) label="1 Dwaar component" ;;
        esac
        printf '%-26s %12s %10s %8s  %s\n' "$label" "$r" "$p" "$(bench_ratio "$r" "${rps[p0]:-}")" "$e"
    done
    bench_errors_note
    bench_stop "$pid"
    echo "(issue 6 target: 1 no-op plugin >= 0.90 of no plugin; issue 21: the same for a proxy-wasm filter and a component)"
else
    bench_na "plugins wrk" "ifrit did not start: $(tail -n 1 "$BENCH_DIR/plugins.log" | cut -c1-100)"
    [ -n "$pid" ] && bench_stop "$pid"
fi

tool=$BENCH_TOOLS_OUT/tools/bench_plugin_hook
if make --no-print-directory OUT="$BENCH_TOOLS_OUT" "$tool" >"$BENCH_DIR/tool.log" 2>&1; then
    "$tool" "$noop" "$plugins/add_header.wasm" "$plugins/pw_noop.wasm" "$plugins/gate.component.wasm" 2>&1 | sed 's/^/  /'
    echo "(issue 6 target: a hook call under 5 us; Dwaar's figure is under 100 us; pw_noop.wasm: a proxy-wasm"
    echo " request headers callback with its stream context made and ended; gate.component.wasm: a Dwaar"
    echo " component's on-request in a fresh instance of the whole component; issue 21: both under 5 us too)"
else
    bench_na "hook cost" "bench_plugin_hook does not build: $(tail -n 1 "$BENCH_DIR/tool.log" | cut -c1-100)"
fi
