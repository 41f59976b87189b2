# Helpers shared by the benchmark sections (sourced, not run). Benchmarks
# print figures and ratios against peers measured in the same run; they
# never pass or fail on a threshold.

# Settings every section reads (see docs/benchmarks.md).
BENCH_ROOT=${BENCH_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
BENCH_OUT=${BENCH_OUT:-$BENCH_ROOT/build/bench}
IFRIT=${IFRIT:-$BENCH_ROOT/build/release/ifrit}
BENCH_TOOLS_OUT=${BENCH_TOOLS_OUT:-build/release}  # make OUT= for the in-process tools (tests/tools/bench_*)
BENCH_RUNS=${BENCH_RUNS:-3}                  # best of N for whole-process timings
BENCH_QUICK=${BENCH_QUICK:-0}                # 1: small sizes and short runs, for trying the harness
BENCH_SERVER_CPU=${BENCH_SERVER_CPU:-0}      # the core servers are pinned to
BENCH_CLIENT_CPU=${BENCH_CLIENT_CPU:-1}      # the core the load generator is pinned to

bench_section() { printf '\n== %s\n' "$*"; }

# bench_na WHAT REASON: the standard line for something not measurable yet.
bench_na() { printf '%-24s n/a (%s)\n' "$1" "$2"; }

bench_have() { command -v "$1" >/dev/null 2>&1; }

# bench_ratio A B: A/B with two decimals, or "n/a" when either is missing or zero.
bench_ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN {
        if (a == "" || b == "" || a !~ /^[0-9.eE+-]+$/ || b !~ /^[0-9.eE+-]+$/ || b + 0 == 0) print "n/a";
        else printf "%.2f\n", a / b }'
}

bench_now_ns() { date +%s%N; }

# bench_best_time OUT CMD...: runs CMD up to BENCH_RUNS times (fewer once a
# run took more than 10 s: long runs vary little), stdout to OUT, stderr to
# OUT.err. Prints the best wall time in seconds; returns CMD's status (the
# first failing run stops the series).
bench_best_time() {
    local out=$1; shift
    local best="" i start end secs rc
    for ((i = 0; i < BENCH_RUNS; i++)); do
        start=$(bench_now_ns)
        "$@" >"$out" 2>"$out.err"; rc=$?
        end=$(bench_now_ns)
        [ $rc -eq 0 ] || { echo ""; return $rc; }
        secs=$(awk -v d=$((end - start)) 'BEGIN { printf "%.3f", d / 1e9 }')
        best=$(awk -v a="$best" -v b="$secs" 'BEGIN { print (a == "" || b + 0 < a + 0) ? b : a }')
        awk -v s="$secs" 'BEGIN { exit !(s > 10) }' && break
    done
    echo "$best"
}

# bench_free_port: a TCP port on 127.0.0.1 nothing listens on, below the
# kernel's ephemeral range (where client sockets, wrk's included, could
# already hold it).
bench_free_port() {
    local p low
    low=$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null)
    low=${low:-32768}
    for _ in $(seq 1 50); do
        p=$((low - 12000 + RANDOM % 12000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
    done
    return 1
}

# bench_wait_body URL EXPECTED SECONDS: waits until URL answers with EXPECTED.
bench_wait_body() {
    local deadline=$((SECONDS + $3))
    while [ $SECONDS -lt "$deadline" ]; do
        [ "$(curl -s --max-time 1 "$1" 2>/dev/null)" = "$2" ] && return 0
        sleep 0.1
    done
    return 1
}

# bench_rss_kib PID: resident memory of PID and its direct children, in KiB.
bench_rss_kib() {
    local total=0 p kib
    # Children from /proc itself (pgrep is procps, not always installed).
    for p in "$1" $(cat /proc/"$1"/task/*/children 2>/dev/null); do
        kib=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null)
        total=$((total + ${kib:-0}))
    done
    echo "$total"
}

# bench_stop PID: SIGTERM, then SIGKILL after 3 s; only the given process.
bench_stop() {
    local pid=$1
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 1 30); do
        kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
}

# bench_geomean V...: geometric mean of positive numbers ("n/a" values skipped).
bench_geomean() {
    printf '%s\n' "$@" | awk '$1 ~ /^[0-9.]+$/ && $1 > 0 { s += log($1); n++ }
        END { if (n) printf "%.2f\n", exp(s / n); else print "n/a" }'
}
cd "$BENCH_ROOT" || exit 1

# bench_ifrit_accepts SITE_BODY: true when `ifrit validate` accepts a site
# block with SITE_BODY; otherwise prints ifrit's reason (without the file
# name) on stdout. The hook sections use it to find out whether the
# feature they measure exists yet.
bench_ifrit_accepts() {
    [ -x "$IFRIT" ] || { echo "no $IFRIT: run make first"; return 1; }
    local f msg
    f=$(mktemp "${TMPDIR:-/tmp}/ifrit-bench-validate.XXXXXX")
    printf '{\n\tadmin off\n\tauto_https off\n}\n:8080 {\n%s\n}\n' "$1" > "$f"
    msg=$("$IFRIT" validate --config "$f" 2>&1)
    local rc=$?
    rm -f "$f"
    [ $rc -eq 0 ] && return 0
    head -n 1 <<<"$msg" | sed "s|^$f:[0-9]*:[0-9]*: ||" | cut -c1-120
    return 1
}

# CPU time a process spent per request (utime + stime, all threads, over
# the warm-up and the measured run, divided by req/s x their length):
# steadier than req/s when other work shares the machine, and the figure
# that counts when the load generator's core is the bottleneck.
bench_cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
bench_cpu_per_req() {   # TICKS RPS -> microseconds
    awk -v t="$1" -v r="$2" -v s=$((BENCH_HTTP_SECONDS + BENCH_HTTP_WARMUP)) -v hz="$(getconf CLK_TCK)" \
        'BEGIN { if (r + 0 > 0) { v = t / hz * 1e6 / (r * s); f = v < 100 ? "%.1fus\n" : "%.0fus\n"; printf f, v } else print "-" }'
}
