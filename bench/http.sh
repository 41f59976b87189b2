#!/usr/bin/env bash
# Section "http" (issue 2): ifrit, nginx and caddy, one worker each pinned to
# core BENCH_SERVER_CPU, serve the same `respond "hello"` route and the same
# 4 KiB static file from generated configs in a temporary directory, on
# 127.0.0.1 high ports. wrk (pinned to BENCH_CLIENT_CPU, keep-alive,
# BENCH_HTTP_CONNS connections) warms each up, then measures for
# BENCH_HTTP_SECONDS. Prints requests/s and p99 latency for each, the ratios
# ifrit/nginx and ifrit/caddy, and ifrit's idle RSS after start-up.
set -u
. "$(dirname "$0")/lib.sh"
secs=${BENCH_HTTP_SECONDS:-10}
warm=${BENCH_HTTP_WARMUP:-2}
conns=${BENCH_HTTP_CONNS:-50}
[ "$BENCH_QUICK" = 1 ] && { secs=${BENCH_HTTP_SECONDS:-2}; warm=${BENCH_HTTP_WARMUP:-1}; }

bench_section "http (issue 2): one worker on core $BENCH_SERVER_CPU, wrk -c$conns on core $BENCH_CLIENT_CPU, ${secs}s per route"
for tool in wrk curl taskset; do
    bench_have $tool || { bench_na "http" "$tool not installed (make deps)"; exit 0; }
done

dir=$(mktemp -d "${TMPDIR:-/tmp}/ifrit-bench-http.XXXXXX")
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do bench_stop "$p"; done
    rm -rf "$dir"
}
trap cleanup EXIT
mkdir -p "$dir/www/static"
# 4 KiB of printable text, the same bytes for every server.
awk 'BEGIN { for (i = 0; i < 64; i++) printf "%063d\n", i }' > "$dir/www/static/4k.txt"
# nginx's worker drops to another user when started as root: keep ours.
chmod 755 "$dir" "$dir/www" "$dir/www/static"

# Config writers: each takes the port and writes its server's config.
ifrit_config() {
    cat > "$dir/ifrit.Caddyfile" <<CADDY
{
	workers 1
	admin off
	auto_https off
}
:$1 {
	handle /hello {
		respond "hello"
	}
	handle /static/* {
		root * $dir/www
		file_server
	}
}
CADDY
}
caddy_config() {
    cat > "$dir/caddy.Caddyfile" <<CADDY
{
	admin off
	auto_https off
	storage file_system $dir/caddy-data
}
:$1 {
	handle /hello {
		respond "hello"
	}
	handle /static/* {
		root * $dir/www
		file_server
	}
}
CADDY
}
nginx_config() {
    local user_line=""
    [ "$(id -u)" = 0 ] && user_line="user root;"
    cat > "$dir/nginx.conf" <<NGINX
$user_line
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/nginx.error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $dir/nginx-body;
    proxy_temp_path $dir/nginx-proxy;
    fastcgi_temp_path $dir/nginx-fastcgi;
    uwsgi_temp_path $dir/nginx-uwsgi;
    scgi_temp_path $dir/nginx-scgi;
    types { text/plain txt; }
    default_type text/plain;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$1;
        location = /hello { return 200 "hello"; }
        location /static/ { root $dir/www; }
    }
}
NGINX
}

# start NAME PORT: starts the server pinned to the server core; sets $pid.
start() {
    local name=$1 port=$2
    case $name in
    ifrit)
        [ -x "$IFRIT" ] || { echo "no $IFRIT: run make first" > "$dir/$name.log"; return 1; }
        ifrit_config "$port"
        taskset -c "$BENCH_SERVER_CPU" "$IFRIT" run --config "$dir/ifrit.Caddyfile" >"$dir/$name.log" 2>&1 &
        ;;
    nginx)
        bench_have nginx || { echo "nginx not installed (make deps)" > "$dir/$name.log"; return 1; }
        nginx_config "$port"
        taskset -c "$BENCH_SERVER_CPU" nginx -c "$dir/nginx.conf" -e "$dir/nginx.error.log" >"$dir/$name.log" 2>&1 &
        ;;
    caddy)
        bench_have caddy || { echo "caddy not installed (make deps)" > "$dir/$name.log"; return 1; }
        caddy_config "$port"
        # One worker in Go terms: one OS thread running Go code.
        GOMAXPROCS=1 HOME=$dir XDG_DATA_HOME=$dir XDG_CONFIG_HOME=$dir taskset -c "$BENCH_SERVER_CPU" \
            caddy run --config "$dir/caddy.Caddyfile" --adapter caddyfile >"$dir/$name.log" 2>&1 &
        ;;
    esac
    pid=$!
    pids+=("$pid")
    if ! bench_wait_body "http://127.0.0.1:$port/hello" hello 10; then
        return 1
    fi
    # The static route must serve the very same bytes everywhere.
    cmp -s <(curl -s "http://127.0.0.1:$port/static/4k.txt") "$dir/www/static/4k.txt" || {
        echo "static route does not serve the 4 KiB file" >> "$dir/$name.log"; return 1; }
}

# measure URL: warm-up, then the measured wrk run; prints "req/s p99".
measure() {
    taskset -c "$BENCH_CLIENT_CPU" wrk -t1 -c"$conns" -d"${warm}s" "$1" >/dev/null 2>&1
    taskset -c "$BENCH_CLIENT_CPU" wrk -t1 -c"$conns" -d"${secs}s" --latency "$1" 2>&1 | awk '
        /^Requests\/sec:/ { rps = $2 }
        /^ +99%/ { p99 = $2 }
        /Non-2xx or 3xx responses:/ { bad = $NF }
        END { if (bad) rps = "errors(" bad ")"; print (rps ? rps : "failed"), (p99 ? p99 : "-") }'
}

declare -A rps p99
printf '%-8s %-8s %12s %10s\n' route server "req/s" p99
for server in ifrit nginx caddy; do
    port=$(bench_free_port) || { bench_na "$server" "no free port"; continue; }
    if ! start "$server" "$port"; then
        bench_na "$server" "did not start or serve /hello: $(tail -n 1 "$dir/$server.log" | cut -c1-100)"
        [ -n "${pid:-}" ] && bench_stop "$pid"
        continue
    fi
    if [ "$server" = ifrit ]; then
        sleep 0.5
        ifrit_rss=$(bench_rss_kib "$pid")
    fi
    for route in hello static; do
        path=/hello; [ $route = static ] && path=/static/4k.txt
        read -r r p < <(measure "http://127.0.0.1:$port$path")
        rps[$server.$route]=$r; p99[$server.$route]=$p
        printf '%-8s %-8s %12s %10s\n' "$route" "$server" "$r" "$p"
    done
    bench_stop "$pid"
done
for route in hello static; do
    printf '%-8s ifrit/nginx %s   ifrit/caddy %s   (issue 2 targets: >= 1.0 and >= 2.5)\n' "$route" \
        "$(bench_ratio "${rps[ifrit.$route]:-}" "${rps[nginx.$route]:-}")" \
        "$(bench_ratio "${rps[ifrit.$route]:-}" "${rps[caddy.$route]:-}")"
done
if [ -n "${ifrit_rss:-}" ]; then
    awk -v k="$ifrit_rss" 'BEGIN { printf "ifrit idle RSS: %.2f MiB (issue 2 target: under 5 MiB)\n", k / 1024 }'
else
    bench_na "ifrit idle RSS" "ifrit did not start"
fi
