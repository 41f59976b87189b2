#!/usr/bin/env bash
# Section "http2" (issue 17): ifrit, nginx and caddy, one worker each pinned
# to core BENCH_SERVER_CPU, serve `respond "hello"`, a 4 KiB static file
# and 50 small assets over HTTP/2 on TLS (ALPN h2) with the same ECDSA
# P-256 certificate (made here with openssl); h2load (nghttp2-client) on
# BENCH_CLIENT_CPU. Routes (BENCH_H2_ROUTES, default "hello static page"):
#   hello, static  100 connections x 10 concurrent streams each
#   page           a page load's shape: one connection, 50 concurrent
#                  streams over 50 different small assets (1-4 KiB)
#   grpc           gRPC-style unary calls through the proxy: POST with a
#                  length-prefixed message, content-type application/grpc
#                  and te: trailers, 100 connections x 10 streams, to
#                  ifrit `reverse_proxy h2c://`, nginx `grpc_pass
#                  grpc://`, caddy `reverse_proxy h2c://`, all in front of
#                  the same h2c upstream (tests/tools/h2c_grpc_responder,
#                  nghttp2, one message and grpc-status 0 per call) on
#                  core BENCH_UPSTREAM_CPU (default BENCH_CLIENT_CPU)
# Prints requests/s and the server's CPU time per request (the proxy's
# only, for grpc), and the ratios ifrit/nginx and ifrit/caddy by CPU per
# request (peer's over ifrit's: above 1, ifrit is the cheaper). Best of
# BENCH_HTTP_ROUNDS rounds, servers taking turns.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/servers.sh"

bench_section "http2 (issue 17): one worker on core $BENCH_SERVER_CPU, h2load over TLS on core $BENCH_CLIENT_CPU, ${BENCH_HTTP_SECONDS}s per route, best of $BENCH_HTTP_ROUNDS rounds"
for tool in h2load curl taskset openssl; do
    bench_have $tool || { bench_na "http2" "$tool not installed (make deps)"; exit 0; }
done
bench_workdir http2
www=$BENCH_DIR/www
mkdir -p "$www/static" "$www/page"
chmod 755 "$www" "$www/static" "$www/page"
awk 'BEGIN { for (i = 0; i < 64; i++) printf "%063d\n", i }' > "$www/static/4k.txt"
uris=$BENCH_DIR/page-uris.txt
: > "$uris"
for i in $(seq 1 50); do
    head -c $((1024 + (i * 61) % 3072)) /dev/urandom | base64 > "$www/page/a$i.txt"
done
routes=${BENCH_H2_ROUTES:-hello static page grpc}
# The gRPC route's upstream, shared by the three proxies.
responder=$BENCH_TOOLS_OUT/tools/h2c_grpc_responder
up_port=""
if [[ " $routes " == *" grpc "* ]]; then
    if make --no-print-directory -s BUILD=release OUT="$BENCH_TOOLS_OUT" "$responder" >"$BENCH_DIR/responder.build.log" 2>&1 &&
       up_port=$(bench_free_port); then
        taskset -c "${BENCH_UPSTREAM_CPU:-$BENCH_CLIENT_CPU}" "$responder" "$up_port" >"$BENCH_DIR/responder.log" 2>&1 &
        bench_pids+=("$!")
    else
        bench_na "grpc" "tests/tools/h2c_grpc_responder does not build (see $BENCH_DIR/responder.build.log)"
        routes=${routes/grpc/}
        up_port=""
    fi
fi
printf '\0\0\0\0\4ping' > "$BENCH_DIR/grpc-request.bin"
cert=$BENCH_DIR/cert.pem key=$BENCH_DIR/key.pem
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$key" -out "$cert" \
    -subj /CN=localhost -days 2 -addext subjectAltName=DNS:localhost,IP:127.0.0.1 >/dev/null 2>&1
chmod 600 "$key"

export BENCH_SCHEME=https BENCH_NGINX_LISTEN=" ssl http2"
site=$'\ttls '"$cert $key"$'\n\thandle /hello {\n\t\trespond "hello"\n\t}\n\thandle /static/* {\n\t\troot * '"$www"$'\n\t\tfile_server\n\t}\n\thandle /page/* {\n\t\troot * '"$www"$'\n\t\tfile_server\n\t}\n\thandle /test.Echo/* {\n\t\treverse_proxy h2c://127.0.0.1:'"${up_port:-1}"$'\n\t}'
nginx_body="ssl_certificate $cert; ssl_certificate_key $key; ssl_protocols TLSv1.2 TLSv1.3;
        http2_max_concurrent_streams 250;
        location = /hello { return 200 \"hello\"; } location /static/ { root $www; } location /page/ { root $www; }
        location /test.Echo/ { grpc_pass grpc://grpc_up; }"
# nginx keeps upstream connections only with an upstream block (grpc_pass
# carries one call per connection at a time; ifrit and caddy multiplex).
nginx_http="upstream grpc_up { server 127.0.0.1:${up_port:-1}; keepalive 64; }"

# bench_h2load URL_OR_FILE CONNS STREAMS [H2LOAD_ARGS...]: warm-up, then the
# measured run; prints "req/s failed" (failed: requests that did not
# succeed, "-" for none).
bench_h2load() {
    local target=(-i "$1") c=$2 m=$3
    shift 3
    [[ "${target[1]}" == https://* ]] && target=("${target[1]}")
    # -N and timeout: a peer that stops answering ends the run ("failed")
    # instead of hanging the section.
    local limit=$((BENCH_HTTP_SECONDS + BENCH_HTTP_WARMUP + 10))
    timeout "$limit" taskset -c "$BENCH_CLIENT_CPU" h2load -t1 -c"$c" -m"$m" -N5 -D"$BENCH_HTTP_WARMUP" "$@" "${target[@]}" >/dev/null 2>&1
    timeout "$limit" taskset -c "$BENCH_CLIENT_CPU" h2load -t1 -c"$c" -m"$m" -N5 -D"$BENCH_HTTP_SECONDS" "$@" "${target[@]}" 2>&1 | awk '
        /^finished in/ { for (i = 1; i <= NF; i++) if ($(i + 1) ~ /^req\/s/) rps = $i }
        /^requests:/ { failed = $10 + $12 + $14 }
        /^status codes:/ { bad = $7 + $9 }
        END { n = failed + bad; print (rps != "" ? rps : "failed"), (n ? n : "-") }'
}

declare -A rps p99 cpu errs
for ((round = 1; round <= BENCH_HTTP_ROUNDS; round++)); do
for server in ifrit nginx caddy; do
    [ "$round" -gt 1 ] && [ -z "${rps[$server.hello]:-}" ] && continue
    port=$(bench_free_port) || { bench_na "$server" "no free port"; continue; }
    if ! bench_start "$server" "$server" "$port" "$BENCH_SERVER_CPU" "$site" "$nginx_body" "$nginx_http" ||
       [ "$(curl -sk --http2 -w '%{http_version}' -o /dev/null "https://127.0.0.1:$port/hello")" != 2 ]; then
        bench_na "$server" "did not start or serve HTTP/2 over TLS: $(tail -n 1 "$BENCH_DIR/$server.log" | cut -c1-100)"
        [ -n "$pid" ] && bench_stop "$pid"
        continue
    fi
    busy=$pid
    if [ "$server" = nginx ]; then
        busy=$(cat /proc/"$pid"/task/*/children 2>/dev/null | awk '{ print $1; exit }')
        busy=${busy:-$pid}
    fi
    : > "$uris"
    for i in $(seq 1 50); do echo "https://127.0.0.1:$port/page/a$i.txt" >> "$uris"; done
    for route in $routes; do
        t0=$(bench_cpu_ticks "$busy")
        case $route in
        static) read -r r e < <(bench_h2load "https://127.0.0.1:$port/static/4k.txt" 100 10) ;;
        page) read -r r e < <(bench_h2load "$uris" 1 50) ;;
        grpc) read -r r e < <(bench_h2load "https://127.0.0.1:$port/test.Echo/Unary" 100 10 \
                                  -d "$BENCH_DIR/grpc-request.bin" -H 'content-type: application/grpc' -H 'te: trailers') ;;
        *) read -r r e < <(bench_h2load "https://127.0.0.1:$port/hello" 100 10) ;;
        esac
        bench_keep_best "$server.$route" "$r" "-" "$(bench_cpu_per_req $(( $(bench_cpu_ticks "$busy") - t0 )) "$r")" "$e"
    done
    bench_stop "$pid"
done
done
printf '%-8s %-8s %12s %10s  %s\n' route server "req/s" "CPU/req" "failed requests"
for server in ifrit nginx caddy; do
    for route in $routes; do
        [ -n "${rps[$server.$route]:-}" ] &&
            printf '%-8s %-8s %12s %10s  %s\n' "$route" "$server" "${rps[$server.$route]}" "${cpu[$server.$route]}" \
                "${errs[$server.$route]}"
    done
done
us() { local v=${1:-}; echo "${v%us}"; }
for route in $routes; do
    printf '%-8s by CPU/req: ifrit/nginx %s   ifrit/caddy %s   (issue 17 targets: >= 1.0 and >= 2.5)\n' \
        "$route" "$(bench_ratio "$(us "${cpu[nginx.$route]:-}")" "$(us "${cpu[ifrit.$route]:-}")")" \
        "$(bench_ratio "$(us "${cpu[caddy.$route]:-}")" "$(us "${cpu[ifrit.$route]:-}")")"
done
