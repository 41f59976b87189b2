#!/usr/bin/env bash
# Section "https" (issue 16): ifrit, nginx and caddy, one worker each pinned
# to core BENCH_SERVER_CPU, serve `respond "hello"` and a 4 KiB static file
# over TLS with the same ECDSA P-256 certificate (made here with openssl);
# wrk (TLS 1.3, as it negotiates with all three) on BENCH_CLIENT_CPU.
# Prints for keep-alive requests and for new connections (one request per
# handshake, Connection: close): requests/s and the server's CPU time per
# request, and the ratios ifrit/nginx and ifrit/caddy by CPU per request
# (peer's over ifrit's: above 1, ifrit is the cheaper). Best of
# BENCH_HTTP_ROUNDS rounds, servers taking turns.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/servers.sh"

bench_section "https (issue 16): one worker on core $BENCH_SERVER_CPU, wrk -c$BENCH_HTTP_CONNS over TLS 1.3 on core $BENCH_CLIENT_CPU, ${BENCH_HTTP_SECONDS}s per route, best of $BENCH_HTTP_ROUNDS rounds"
for tool in wrk curl taskset openssl; do
    bench_have $tool || { bench_na "https" "$tool not installed (make deps)"; exit 0; }
done
bench_workdir https
www=$BENCH_DIR/www
mkdir -p "$www/static"
chmod 755 "$www" "$www/static"
awk 'BEGIN { for (i = 0; i < 64; i++) printf "%063d\n", i }' > "$www/static/4k.txt"
cert=$BENCH_DIR/cert.pem key=$BENCH_DIR/key.pem
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$key" -out "$cert" \
    -subj /CN=localhost -days 2 -addext subjectAltName=DNS:localhost,IP:127.0.0.1 >/dev/null 2>&1
chmod 600 "$key"

export BENCH_SCHEME=https BENCH_NGINX_LISTEN=" ssl"
site=$'\ttls '"$cert $key"$'\n\thandle /hello {\n\t\trespond "hello"\n\t}\n\thandle /static/* {\n\t\troot * '"$www"$'\n\t\tfile_server\n\t}'
nginx_body="ssl_certificate $cert; ssl_certificate_key $key; ssl_protocols TLSv1.2 TLSv1.3;
        location = /hello { return 200 \"hello\"; } location /static/ { root $www; }"

declare -A rps p99 cpu errs
for ((round = 1; round <= BENCH_HTTP_ROUNDS; round++)); do
for server in ifrit nginx caddy; do
    [ "$round" -gt 1 ] && [ -z "${rps[$server.hello]:-}" ] && continue
    port=$(bench_free_port) || { bench_na "$server" "no free port"; continue; }
    if ! bench_start "$server" "$server" "$port" "$BENCH_SERVER_CPU" "$site" "$nginx_body" ||
       [ "$(curl -sk "https://127.0.0.1:$port/hello")" != hello ]; then
        bench_na "$server" "did not start or serve over TLS: $(tail -n 1 "$BENCH_DIR/$server.log" | cut -c1-100)"
        [ -n "$pid" ] && bench_stop "$pid"
        continue
    fi
    busy=$pid
    if [ "$server" = nginx ]; then
        busy=$(cat /proc/"$pid"/task/*/children 2>/dev/null | awk '{ print $1; exit }')
        busy=${busy:-$pid}
    fi
    for route in hello static new; do
        path=/hello; [ $route = static ] && path=/static/4k.txt
        t0=$(bench_cpu_ticks "$busy")
        if [ $route = new ]; then
            read -r r _ p e < <(bench_wrk "https://127.0.0.1:$port$path" -H "Connection: close")
        else
            read -r r _ p e < <(bench_wrk "https://127.0.0.1:$port$path")
        fi
        bench_keep_best "$server.$route" "$r" "$p" "$(bench_cpu_per_req $(( $(bench_cpu_ticks "$busy") - t0 )) "$r")" "$e"
    done
    bench_stop "$pid"
done
done
printf '%-8s %-8s %12s %10s %10s  %s\n' route server "req/s" p99 "CPU/req" "socket errors"
for server in ifrit nginx caddy; do
    for route in hello static new; do
        [ -n "${rps[$server.$route]:-}" ] &&
            printf '%-8s %-8s %12s %10s %10s  %s\n' "$route" "$server" "${rps[$server.$route]}" "${p99[$server.$route]}" \
                "${cpu[$server.$route]}" "${errs[$server.$route]}"
    done
done
bench_errors_note
for route in hello static new; do
    printf '%-8s by CPU/req: ifrit/nginx %s   ifrit/caddy %s   (issue 16 targets: >= 1.0 and >= 2.5; new: >= 0.95 and >= 2)\n' \
        "$route" "$(bench_ratio "${cpu[nginx.$route]%us}" "${cpu[ifrit.$route]%us}")" \
        "$(bench_ratio "${cpu[caddy.$route]%us}" "${cpu[ifrit.$route]%us}")"
done
