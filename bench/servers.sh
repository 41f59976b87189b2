# Starting ifrit, nginx and caddy for the HTTP sections (sourced after
# lib.sh). Each server gets a config generated into BENCH_DIR from a site
# body, listens on 127.0.0.1:PORT, runs one worker pinned to one core, and
# logs into BENCH_DIR/NAME.log. Every started pid is kept in bench_pids so
# the section's EXIT trap can stop them.

bench_pids=()

# bench_workdir PREFIX: makes BENCH_DIR (readable by nginx's worker user)
# and arranges for it and every started server to go away on exit.
bench_workdir() {
    BENCH_DIR=$(mktemp -d "${TMPDIR:-/tmp}/ifrit-bench-$1.XXXXXX")
    chmod 755 "$BENCH_DIR"
    trap 'for p in "${bench_pids[@]}"; do bench_stop "$p"; done; rm -rf "$BENCH_DIR"' EXIT
}

# The same site for ifrit and caddy: a Caddyfile with global options,
# listening on 127.0.0.1 only.
bench_caddyfile() { # FILE PORT GLOBAL_EXTRA SITE_BODY
    printf '{\n%s\tadmin off\n\tauto_https off\n\tdefault_bind 127.0.0.1\n}\n:%s {\n%s\n}\n' "$3" "$2" "$4" > "$1"
}

bench_nginx_conf() { # FILE NAME PORT SERVER_BODY [HTTP_EXTRA]
    local d=$BENCH_DIR/$2 user_line=""
    mkdir -p "$d"
    # Started as root, nginx's worker would drop to nobody: keep root.
    [ "$(id -u)" = 0 ] && user_line="user root;"
    cat > "$1" <<NGINX
$user_line
worker_processes 1;
daemon off;
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $d/body;
    proxy_temp_path $d/proxy;
    fastcgi_temp_path $d/fastcgi;
    uwsgi_temp_path $d/uwsgi;
    scgi_temp_path $d/scgi;
    types { text/plain txt; application/octet-stream bin; }
    default_type text/plain;
    keepalive_requests 1000000;
    # As ifrit serves files: with sendfile, keeping them open between
    # requests (its open-file cache), so the static route compares like
    # with like rather than a tuned ifrit with a stock nginx.
    sendfile on;
    open_file_cache max=1000 inactive=60s;
    open_file_cache_valid 60s;
    ${5:-}
    server {
        listen 127.0.0.1:$3${BENCH_NGINX_LISTEN:-};
        $4
    }
}
NGINX
}

# bench_start KIND NAME PORT CPU SITE_BODY NGINX_BODY [NGINX_HTTP_EXTRA]:
# starts server KIND (ifrit, nginx, caddy) as NAME pinned to CPU and waits
# until it answers on PORT (over BENCH_SCHEME, http unless a section says
# https; BENCH_NGINX_LISTEN adds options to nginx's listen, " ssl"). Sets $pid. Returns 1 (reason in NAME.log) if
# it is missing or does not come up within 10 s.
bench_start() {
    local kind=$1 name=$2 port=$3 cpu=$4 site=$5 nginx_body=$6 extra=${7:-}
    local log=$BENCH_DIR/$name.log
    pid=""
    case $kind in
    ifrit)
        [ -x "$IFRIT" ] || { echo "no $IFRIT: run make first" > "$log"; return 1; }
        bench_caddyfile "$BENCH_DIR/$name.Caddyfile" "$port" $'\tworkers 1\n' "$site"
        taskset -c "$cpu" "$IFRIT" run --config "$BENCH_DIR/$name.Caddyfile" >"$log" 2>&1 &
        ;;
    caddy)
        bench_have caddy || { echo "caddy not installed (make deps)" > "$log"; return 1; }
        bench_caddyfile "$BENCH_DIR/$name.Caddyfile" "$port" $'\tstorage file_system '"$BENCH_DIR/$name-data"$'\n' "$site"
        # One worker in Go's terms: GOMAXPROCS=1. HOME and XDG_* keep its
        # autosave and data files inside the work directory.
        GOMAXPROCS=1 HOME=$BENCH_DIR XDG_DATA_HOME=$BENCH_DIR XDG_CONFIG_HOME=$BENCH_DIR taskset -c "$cpu" \
            caddy run --config "$BENCH_DIR/$name.Caddyfile" --adapter caddyfile >"$log" 2>&1 &
        ;;
    nginx)
        bench_have nginx || { echo "nginx not installed (make deps)" > "$log"; return 1; }
        bench_nginx_conf "$BENCH_DIR/$name.conf" "$name" "$port" "$nginx_body" "$extra"
        taskset -c "$cpu" nginx -c "$BENCH_DIR/$name.conf" -e "$BENCH_DIR/$name/error.log" >"$log" 2>&1 &
        ;;
    esac
    pid=$!
    bench_pids+=("$pid")
    # BENCH_START_WAIT: seconds a server may take to answer (default 10;
    # the functions section gives the compiler's esbuild loads longer)
    local deadline=$((SECONDS + ${BENCH_START_WAIT:-10}))
    while [ $SECONDS -lt $deadline ]; do
        curl -sk -o /dev/null --max-time 1 "${BENCH_SCHEME:-http}://127.0.0.1:$port/" && return 0
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    [ -s "$BENCH_DIR/$name/error.log" ] && tail -n 1 "$BENCH_DIR/$name/error.log" >> "$log"
    return 1
}

# bench_wrk URL [WRK_ARGS...]: warm-up, then the measured run, wrk pinned
# to the client core (WRK_ARGS such as -H "Connection: close" go to both); prints "req/s p50 p99 errors" ("errors(N)" instead of req/s when
# some answers were not 2xx/3xx). errors is "-" for a clean run, else "!"
# and wrk's non-zero socket error counts (connect, read, write, timeout),
# printed beside the figure so a run that lost connections is marked.
bench_wrk() {
    taskset -c "$BENCH_CLIENT_CPU" wrk -t1 -c"$BENCH_HTTP_CONNS" -d"${BENCH_HTTP_WARMUP}s" "${@:2}" "$1" >/dev/null 2>&1
    taskset -c "$BENCH_CLIENT_CPU" wrk -t1 -c"$BENCH_HTTP_CONNS" -d"${BENCH_HTTP_SECONDS}s" --latency "${@:2}" "$1" 2>&1 | awk '
        /^Requests\/sec:/ { rps = $2 }
        /^ +50%/ { p50 = $2 }
        /^ +99%/ { p99 = $2 }
        /Non-2xx or 3xx responses:/ { bad = $NF }
        /Socket errors:/ {
            gsub(",", "")
            for (i = 3; i < NF; i += 2) if ($(i + 1) + 0 > 0) errs = errs (errs ? "," : "!") $i "=" $(i + 1)
        }
        END { if (bad) rps = "errors(" bad ")"
              print (rps != "" ? rps : "failed"), (p50 ? p50 : "-"), (p99 ? p99 : "-"), (errs ? errs : "-") }'
}

if [ "$BENCH_QUICK" = 1 ]; then
    BENCH_HTTP_SECONDS=${BENCH_HTTP_SECONDS:-2}
    BENCH_HTTP_WARMUP=${BENCH_HTTP_WARMUP:-1}
fi
BENCH_HTTP_SECONDS=${BENCH_HTTP_SECONDS:-10}
# Rounds of the whole server sequence; each figure is a server's best
# round (docs/benchmarks.md says so beside the figures). Servers take
# turns, so a slow spell of the machine hits each of them about equally
# instead of whichever ran during it.
BENCH_HTTP_ROUNDS=${BENCH_HTTP_ROUNDS:-$([ "$BENCH_QUICK" = 1 ] && echo 1 || echo 3)}
BENCH_HTTP_WARMUP=${BENCH_HTTP_WARMUP:-2}
BENCH_HTTP_CONNS=${BENCH_HTTP_CONNS:-50}

# bench_errors_note: after a table, says what a "!" in its socket errors
# column means, if any figure has one (in the errs array).
bench_errors_note() {
    local e
    for e in "${errs[@]}"; do
        [[ "$e" == '!'* ]] || continue
        echo "! = wrk saw socket errors or timeouts in that run: its figure (and ratios using it) is not a clean measurement"
        return
    done
}

# bench_keep_best KEY RPS P99 CPU ERRORS: keeps the round with the most
# requests/s for KEY (server.route) in the arrays rps, p99, cpu and errs
# (declared -A by the section).
bench_keep_best() {
    local old=${rps[$1]:-}
    if [ -z "$old" ] || [[ ! "$old" =~ ^[0-9.]+$ ]] ||
       { [[ "$2" =~ ^[0-9.]+$ ]] && awk -v a="$2" -v b="$old" 'BEGIN { exit !(a > b) }'; }; then
        rps[$1]=$2
        p99[$1]=$3
        cpu[$1]=$4
        errs[$1]=$5
    fi
}
