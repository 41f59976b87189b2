#!/usr/bin/env bash
# Section "https" (issue 16): ifrit, nginx and caddy, one worker each pinned
# to core BENCH_SERVER_CPU, serve `respond "hello"` and a 4 KiB static file
# over TLS with the same ECDSA P-256 certificate (made here with openssl);
# wrk (TLS 1.3, as it negotiates with all three) on BENCH_CLIENT_CPU.
# Prints for keep-alive requests and for new connections (one request per
# handshake, Connection: close): requests/s and the server's CPU time per
# request, and the ratios ifrit/nginx and ifrit/caddy by CPU per request
# (peer's over ifrit's: above 1, ifrit is the cheaper). Best of
# BENCH_HTTP_ROUNDS rounds, servers taking turns. Route 1m is a 1 MiB file
# over TLS (CPU per request: the encryption's cost), on the path ifrit's
# start-up log names (kTLS available or unavailable, and why). Then the idle RSS of each server with a TLS
# site of 100 certificates loaded (100 names, one ECDSA P-256 key and
# certificate each), after one request. BENCH_HTTPS_ROUTES picks routes
# (default "hello static new 1m"); BENCH_HTTPS_RSS=0 skips the RSS part.
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
head -c 1048576 /dev/urandom > "$www/static/1m.bin"
routes=${BENCH_HTTPS_ROUTES:-hello static new 1m}
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
    for route in $routes; do
        case $route in
        static) path=/static/4k.txt ;;
        1m) path=/static/1m.bin ;;
        *) path=/hello ;;
        esac
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
    for route in $routes; do
        [ -n "${rps[$server.$route]:-}" ] &&
            printf '%-8s %-8s %12s %10s %10s  %s\n' "$route" "$server" "${rps[$server.$route]}" "${p99[$server.$route]}" \
                "${cpu[$server.$route]}" "${errs[$server.$route]}"
    done
done
bench_errors_note
us() { local v=${1:-}; echo "${v%us}"; }   # "12.3us" -> 12.3; "" stays ""
for route in $routes; do
    printf '%-8s by CPU/req: ifrit/nginx %s   ifrit/caddy %s   (issue 16 targets: >= 1.0 and >= 2.5; new: >= 0.95 and >= 2)\n' \
        "$route" "$(bench_ratio "$(us "${cpu[nginx.$route]:-}")" "$(us "${cpu[ifrit.$route]:-}")")" \
        "$(bench_ratio "$(us "${cpu[caddy.$route]:-}")" "$(us "${cpu[ifrit.$route]:-}")")"
done

# The 1 MiB route with and without kTLS: ifrit asks OpenSSL for kTLS by
# itself where the kernel has the tls ULP and says so at start (docs/tls.md,
# "Connections"), so its 1m row above ran on the path that line names.
case " $routes " in *" 1m "*)
    ktls=$(grep -ho '"kTLS [a-z]*' "$BENCH_DIR"/ifrit*.log 2>/dev/null | head -n 1 | cut -c2-)
    ulps=$(cat /proc/sys/net/ipv4/tcp_available_ulp 2>/dev/null)
    if [ "$ktls" = "kTLS available" ]; then
        bench_na "1m without kTLS" "ifrit's 1m row above ran with kTLS (its log: kTLS available); there is no switch to turn it off"
    else
        bench_na "1m with kTLS" "ifrit's 1m row above is the buffered path (its log: ${ktls:-no kTLS line}; tcp_available_ulp: '${ulps:-none}')"
    fi ;;
esac

# Idle RSS with 100 certificates: ifrit and caddy get 100 site blocks
# (name1.test .. name100.test, `tls CERT KEY` each), nginx 100 server blocks.
[ "${BENCH_HTTPS_RSS:-1}" = 1 ] || exit 0
certs=$BENCH_DIR/certs
mkdir -p "$certs"
for i in $(seq 1 100); do
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$certs/$i.key" -out "$certs/$i.crt" \
        -subj "/CN=name$i.test" -days 2 -addext "subjectAltName=DNS:name$i.test" >/dev/null 2>&1 ||
        { bench_na "rss" "openssl could not make certificate $i"; exit 0; }
done
chmod 600 "$certs"/*.key
declare -A rss
for server in ifrit nginx caddy; do
    port=$(bench_free_port) || { bench_na "$server rss" "no free port"; continue; }
    log=$BENCH_DIR/$server-rss.log
    pid=""
    case $server in
    ifrit|caddy)
        conf=$BENCH_DIR/$server-rss.Caddyfile
        if [ $server = ifrit ]; then printf '{\n\tworkers 1\n\tadmin off\n\tauto_https off\n\tdefault_bind 127.0.0.1\n}\n' > "$conf"
        else printf '{\n\tadmin off\n\tauto_https off\n\tdefault_bind 127.0.0.1\n\tstorage file_system %s\n}\n' "$BENCH_DIR/caddy-rss-data" > "$conf"; fi
        for i in $(seq 1 100); do
            printf 'https://name%s.test:%s {\n\ttls %s %s\n\trespond "hi"\n}\n' "$i" "$port" "$certs/$i.crt" "$certs/$i.key" >> "$conf"
        done
        if [ $server = ifrit ]; then
            [ -x "$IFRIT" ] || { bench_na "ifrit rss" "no $IFRIT: run make first"; continue; }
            taskset -c "$BENCH_SERVER_CPU" "$IFRIT" run --config "$conf" >"$log" 2>&1 &
        else
            bench_have caddy || { bench_na "caddy rss" "caddy not installed (make deps)"; continue; }
            GOMAXPROCS=1 HOME=$BENCH_DIR XDG_DATA_HOME=$BENCH_DIR XDG_CONFIG_HOME=$BENCH_DIR taskset -c "$BENCH_SERVER_CPU" \
                caddy run --config "$conf" --adapter caddyfile >"$log" 2>&1 &
        fi
        pid=$! ;;
    nginx)
        bench_have nginx || { bench_na "nginx rss" "nginx not installed (make deps)"; continue; }
        more=""
        for i in $(seq 2 100); do
            more+="server { listen 127.0.0.1:$port ssl; server_name name$i.test; ssl_certificate $certs/$i.crt; ssl_certificate_key $certs/$i.key; return 200 \"hi\"; }
    "
        done
        bench_nginx_conf "$BENCH_DIR/nginx-rss.conf" nginx-rss "$port" \
            "server_name name1.test; ssl_certificate $certs/1.crt; ssl_certificate_key $certs/1.key; return 200 \"hi\";" "$more"
        taskset -c "$BENCH_SERVER_CPU" nginx -c "$BENCH_DIR/nginx-rss.conf" -e "$BENCH_DIR/nginx-rss/error.log" >"$log" 2>&1 &
        pid=$! ;;
    esac
    bench_pids+=("$pid")
    ok=""
    for _ in $(seq 1 100); do
        body=$(curl -sk --max-time 1 --resolve "name50.test:$port:127.0.0.1" "https://name50.test:$port/")
        [ "$body" = hi ] && { ok=1; break; }
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if [ -z "$ok" ]; then
        bench_na "$server rss" "did not serve name50.test over TLS: $(tail -n 1 "$log" | cut -c1-100)"
    else
        sleep 1   # idle: let start-up work settle
        rss[$server]=$(bench_rss_kib "$pid")
    fi
    bench_stop "$pid"
done
printf '%-8s %14s\n' server "idle RSS (KiB), 100 certificates"
for server in ifrit nginx caddy; do
    [ -n "${rss[$server]:-}" ] && printf '%-8s %14s\n' "$server" "${rss[$server]}"
done
printf 'RSS ratios: nginx/ifrit %s   caddy/ifrit %s   (above 1: ifrit uses less)\n' \
    "$(bench_ratio "${rss[nginx]:-}" "${rss[ifrit]:-}")" "$(bench_ratio "${rss[caddy]:-}" "${rss[ifrit]:-}")"
