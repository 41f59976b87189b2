#!/usr/bin/env bash
# Section "edge" (issue 7): wrk against workerd (from npm, edge/node_modules)
# pinned to core BENCH_SERVER_CPU, serving (a) a plain JavaScript worker
# answering "hello", the floor, and (b) the edge bundle (make edge +
# ifrit edge config) whose Caddyfile answers `respond "hello"` and runs the
# fn_hello guest on /fn (on V8, through edge/wasi.mjs). Prints req/s and p99
# for each, the ratios to the plain worker (issue 7 target for respond:
# >= 0.5) and the size of ifrit.wasm.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/servers.sh"

bench_section "edge (issue 7): workerd on core $BENCH_SERVER_CPU, wrk -c$BENCH_HTTP_CONNS on core $BENCH_CLIENT_CPU, ${BENCH_HTTP_SECONDS}s per worker"
workerd=$BENCH_ROOT/edge/node_modules/.bin/workerd
for tool in wrk curl taskset node; do
    bench_have $tool || { bench_na "edge" "$tool not installed (make deps)"; exit 0; }
done
[ -x "$workerd" ] || { bench_na "edge" "workerd not installed (make deps)"; exit 0; }
make --no-print-directory -j2 edge >/dev/null 2>&1 || { bench_na "edge" "make edge failed"; exit 0; }

bench_workdir edge
mkdir -p "$BENCH_DIR/plain"
cat > "$BENCH_DIR/plain/hello.js" <<'JS'
export default { fetch: () => new Response("hello", { headers: { "Content-Type": "text/plain; charset=utf-8" } }) };
JS
cat > "$BENCH_DIR/plain/config.capnp" <<'CAPNP'
using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "plain", worker = (modules = [(name = "hello.js", esModule = embed "hello.js")],
                                         compatibilityDate = "2025-01-01"))],
  sockets = [(name = "http", address = "127.0.0.1:8080", http = (), service = "plain")],
);
CAPNP
scripts/build-guests.sh tests >/dev/null 2>&1 || { bench_na "edge" "the test guests do not build"; exit 0; }
# handle blocks: in Caddy's directive order respond would run before wasm.
printf ':8080 {\n\thandle /fn {\n\t\twasm %s\n\t}\n\thandle {\n\t\trespond "hello"\n\t}\n}\n' \
    "$BENCH_ROOT/build/guests/fn_hello.wasm" > "$BENCH_DIR/Caddyfile"
build/release/ifrit edge config --config "$BENCH_DIR/Caddyfile" --out "$BENCH_DIR/bundle" >/dev/null ||
    { bench_na "edge" "ifrit edge config failed"; exit 0; }

declare -A rps cpu errs
printf '%-8s %12s %10s %10s  %s\n' worker "req/s" p99 "cpu/req" "socket errors"
for w in plain bundle; do
    port=$(bench_free_port) || { bench_na "$w" "no free port"; continue; }
    (cd "$BENCH_DIR/$w" && exec taskset -c "$BENCH_SERVER_CPU" "$workerd" serve config.capnp \
        --socket-addr "http=127.0.0.1:$port") >"$BENCH_DIR/$w.log" 2>&1 &
    pid=$!
    bench_pids+=("$pid")
    if ! bench_wait_body "http://127.0.0.1:$port/" hello 20; then
        bench_na "$w" "did not answer hello: $(tail -n 1 "$BENCH_DIR/$w.log" | cut -c1-100)"
        bench_stop "$pid"
        continue
    fi
    t0=$(bench_cpu_ticks "$pid")
    read -r r _ p e < <(bench_wrk "http://127.0.0.1:$port/")
    rps[$w]=$r errs[$w]=$e
    cpu[$w]=$(bench_cpu_per_req $(( $(bench_cpu_ticks "$pid") - t0 )) "$r")
    printf '%-8s %12s %10s %10s  %s\n' "$w" "$r" "$p" "${cpu[$w]}" "$e"
    if [ "$w" = bundle ]; then
        t0=$(bench_cpu_ticks "$pid")
        read -r r _ p e < <(bench_wrk "http://127.0.0.1:$port/fn")
        rps[function]=$r errs[function]=$e
        cpu[function]=$(bench_cpu_per_req $(( $(bench_cpu_ticks "$pid") - t0 )) "$r")
        printf '%-8s %12s %10s %10s  %s\n' "function" "$r" "$p" "${cpu[function]}" "$e"
    fi
    bench_stop "$pid"
done
bench_errors_note
printf 'bundle/plain %s   (issue 7 target: >= 0.5)   function/plain %s\n' \
    "$(bench_ratio "${rps[bundle]:-}" "${rps[plain]:-}")" "$(bench_ratio "${rps[function]:-}" "${rps[plain]:-}")"
printf 'by CPU per request: bundle/plain %s   function/plain %s\n' \
    "$(bench_ratio "${cpu[plain]%us}" "${cpu[bundle]%us}")" "$(bench_ratio "${cpu[plain]%us}" "${cpu[function]%us}")"
awk -v b="$(stat -c %s build/edge/ifrit.wasm)" -v z="$(gzip -9c build/edge/ifrit.wasm | wc -c)" \
    'BEGIN { printf "ifrit.wasm: %d bytes (%.0f KiB; %.0f KiB gzipped, as Workers count it)\n", b, b / 1024, z / 1024 }'
