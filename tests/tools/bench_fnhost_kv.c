/* Benchmark helper (not a test): the in-process cost of the functions' KV
 * backend calls (server/srv_fnhost_kv.c) as a host call makes them, after
 * its pointer and grant checks: a get of a key in memory, a get of an
 * absent key, a set (its write then waits for the store's thread), a
 * lock and unlock pair, and the first get of keys only the file has
 * (SQLite, as after a restart). Each loops N times (default 200000) in a
 * store under a fresh temporary data directory and prints nanoseconds per
 * call.
 *   bench_fnhost_kv [N] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/srv_fnhost.h"

static double bench__now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void bench__report(const char *what, double t0, long n)
{
    printf("%-34s %9.0f ns/call\n", what, (bench__now_ns() - t0) / (double)n);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 200000;
    if (n <= 0) n = 200000;
    char dir[] = "/tmp/ifrit-bench-kv-XXXXXX";
    if (!mkdtemp(dir)) return 1;
    fn_host_backend_t b = { 0 };
    srv_fnhost_kv_fill(&b);
    char why[300];
    fn_kv_store_t *s = b.kv_open(dir, why, sizeof why);
    if (!s) {
        fprintf(stderr, "bench_fnhost_kv: %s\n", why);
        return 1;
    }
    ifr_str_t ns = IFR_LIT("fn:/srv/functions/counter.wasm");
    char out[64], key[32];
    size_t len;
    b.kv_set(s, ns, IFR_LIT("hits"), IFR_LIT("12345"), 0);

    double t0 = bench__now_ns();
    for (long i = 0; i < n; i++) b.kv_get(s, ns, IFR_LIT("hits"), out, sizeof out, &len);
    bench__report("kv get (in memory)", t0, n);

    t0 = bench__now_ns();
    for (long i = 0; i < n; i++) b.kv_get(s, ns, IFR_LIT("absent"), out, sizeof out, &len);
    bench__report("kv get (absent, in memory)", t0, n);

    t0 = bench__now_ns();
    for (long i = 0; i < n; i++) {
        int k = snprintf(out, sizeof out, "%ld", i);
        b.kv_set(s, ns, IFR_LIT("hits"), ifr_str(out, (size_t)k), 0);
    }
    bench__report("kv set", t0, n);

    t0 = bench__now_ns();
    for (long i = 0; i < n; i++) {
        b.lock(s, ns, IFR_LIT("L"), 1000);
        b.unlock(s, ns, IFR_LIT("L"));
    }
    bench__report("mutex lock + unlock", t0, n);

    /* Keys written by a first store, read by a second one on another data
     * directory's copy: every get a miss that reads the file. */
    long m = n < 20000 ? n : 20000;
    for (long i = 0; i < m; i++) {
        int k = snprintf(key, sizeof key, "k%ld", i);
        b.kv_set(s, ns, ifr_str(key, (size_t)k), IFR_LIT("v"), 0);
    }
    srv_fnhost_kv_flush_all();
    char dir2[] = "/tmp/ifrit-bench-kv2-XXXXXX", cmd[200];
    if (!mkdtemp(dir2)) return 1;
    snprintf(cmd, sizeof cmd, "mkdir -p '%s/functions' && cp '%s'/functions/kv.sqlite3* '%s/functions/'", dir2, dir, dir2);
    fn_kv_store_t *s2 = system(cmd) == 0 ? b.kv_open(dir2, why, sizeof why) : NULL;
    if (s2) {
        t0 = bench__now_ns();
        for (long i = 0; i < m; i++) {
            int k = snprintf(key, sizeof key, "k%ld", i);
            b.kv_get(s2, ns, ifr_str(key, (size_t)k), out, sizeof out, &len);
        }
        bench__report("kv get (first, from the file)", t0, m);
    }
    srv_fnhost_kv_flush_all();
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", dir, dir2);
    return system(cmd) == 0 ? 0 : 1;
}
