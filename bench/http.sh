#!/usr/bin/env bash
# Section "http" (issue 2): ifrit, nginx and caddy, one worker each pinned to
# core BENCH_SERVER_CPU, serve the same `respond "hello"` route and the same
# 4 KiB static file. wrk (pinned to BENCH_CLIENT_CPU, keep-alive,
# BENCH_HTTP_CONNS connections) warms each up, then measures for
# BENCH_HTTP_SECONDS. Prints requests/s, p99 latency, the server's CPU
# time per request and wrk's socket errors for each, the ratios ifrit/nginx and ifrit/caddy by
# requests/s (the issue's targets) and by CPU per request (peer's CPU over
# ifrit's: what the server itself costs, which wrk's own core limits less),
# and ifrit's idle RSS after start-up. The servers take turns for
# BENCH_HTTP_ROUNDS rounds; each figure is the server's best round.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/servers.sh"

bench_section "http (issue 2): one worker on core $BENCH_SERVER_CPU, wrk -c$BENCH_HTTP_CONNS on core $BENCH_CLIENT_CPU, ${BENCH_HTTP_SECONDS}s per route, best of $BENCH_HTTP_ROUNDS rounds"
for tool in wrk curl taskset; do
    bench_have $tool || { bench_na "http" "$tool not installed (make deps)"; exit 0; }
done

bench_workdir http
www=$BENCH_DIR/www
mkdir -p "$www/static"
chmod 755 "$www" "$www/static"
# 4 KiB of printable text, the same bytes for every server.
awk 'BEGIN { for (i = 0; i < 64; i++) printf "%063d\n", i }' > "$www/static/4k.txt"

site=$'\thandle /hello {\n\t\trespond "hello"\n\t}\n\thandle /static/* {\n\t\troot * '"$www"$'\n\t\tfile_server\n\t}'
nginx_body="location = /hello { return 200 \"hello\"; } location /static/ { root $www; }"

declare -A rps p99 cpu errs
for ((round = 1; round <= BENCH_HTTP_ROUNDS; round++)); do
for server in ifrit nginx caddy; do
    [ "$round" -gt 1 ] && [ -z "${rps[$server.hello]:-}" ] && continue   # it did not start before
    port=$(bench_free_port) || { bench_na "$server" "no free port"; continue; }
    if ! bench_start "$server" "$server" "$port" "$BENCH_SERVER_CPU" "$site" "$nginx_body" ||
       [ "$(curl -s "http://127.0.0.1:$port/hello")" != hello ] ||
       ! cmp -s <(curl -s "http://127.0.0.1:$port/static/4k.txt") "$www/static/4k.txt"; then
        bench_na "$server" "did not start or serve both routes: $(tail -n 1 "$BENCH_DIR/$server.log" | cut -c1-100)"
        [ -n "$pid" ] && bench_stop "$pid"
        continue
    fi
    if [ "$server" = ifrit ] && [ "$round" = 1 ]; then
        sleep 0.5
        ifrit_rss=$(bench_rss_kib "$pid")
    fi
    # The process that serves: nginx's worker, not its master.
    busy=$pid
    if [ "$server" = nginx ]; then
        busy=$(cat /proc/"$pid"/task/*/children 2>/dev/null | awk '{ print $1; exit }')
        busy=${busy:-$pid}
    fi
    for route in hello static; do
        path=/hello; [ $route = static ] && path=/static/4k.txt
        t0=$(bench_cpu_ticks "$busy")
        read -r r _ p e < <(bench_wrk "http://127.0.0.1:$port$path")
        bench_keep_best "$server.$route" "$r" "$p" "$(bench_cpu_per_req $(( $(bench_cpu_ticks "$busy") - t0 )) "$r")" "$e"
    done
    bench_stop "$pid"
done
done
printf '%-8s %-8s %12s %10s %10s  %s\n' route server "req/s" p99 "CPU/req" "socket errors"
for server in ifrit nginx caddy; do
    for route in hello static; do
        [ -n "${rps[$server.$route]:-}" ] &&
            printf '%-8s %-8s %12s %10s %10s  %s\n' "$route" "$server" "${rps[$server.$route]}" "${p99[$server.$route]}" \
                "${cpu[$server.$route]}" "${errs[$server.$route]}"
    done
done
bench_errors_note
for route in hello static; do
    printf '%-8s ifrit/nginx %s   ifrit/caddy %s   (issue 2 targets: >= 1.0 and >= 2.5)\n' "$route" \
        "$(bench_ratio "${rps[ifrit.$route]:-}" "${rps[nginx.$route]:-}")" \
        "$(bench_ratio "${rps[ifrit.$route]:-}" "${rps[caddy.$route]:-}")"
done
# By CPU per request: the peer's over ifrit's, so above 1 still means
# ifrit is the cheaper server.
for route in hello static; do
    printf '%-8s by CPU/req: ifrit/nginx %s   ifrit/caddy %s\n' "$route" \
        "$(bench_ratio "${cpu[nginx.$route]%us}" "${cpu[ifrit.$route]%us}")" \
        "$(bench_ratio "${cpu[caddy.$route]%us}" "${cpu[ifrit.$route]%us}")"
done
if [ -n "${ifrit_rss:-}" ]; then
    awk -v k="$ifrit_rss" 'BEGIN { printf "ifrit idle RSS: %.2f MiB (issue 2 target: under 5 MiB)\n", k / 1024 }'
else
    bench_na "ifrit idle RSS" "ifrit did not start"
fi
