/* Benchmark helper (not a test): the in-process cost of one plugin hook
 * call, as the wasm_plugin directive makes it: plugin_chain_run on a
 * request with a few headers, an instance reset to the plugin's snapshot,
 * on_request, the instance given back. Loops for about a second per plugin and prints
 * microseconds per chain run (one plugin = one hook call).
 *   bench_plugin_hook PLUGIN.wasm...   (e.g. build/plugins/noop.wasm build/plugins/add_header.wasm)
 * The exchange has no host io: plugins that answer (respond) cannot be measured here. */
#include <stdio.h>
#include <time.h>

#include "plugin/plugin.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One exchange's worth of request, rebuilt per iteration in a reset arena. */
static void run_once(ifr_arena_t *a, const plugin_chain_t *chain)
{
    http_request_t req = { .method = IFR_LIT("GET"), .target = IFR_LIT("/bench?x=1"), .path = IFR_LIT("/bench"),
                           .query = IFR_LIT("x=1"), .version_major = 1, .version_minor = 1 };
    http_headers_add(&req.headers, a, IFR_LIT("Host"), IFR_LIT("localhost"));
    http_headers_add(&req.headers, a, IFR_LIT("User-Agent"), IFR_LIT("bench"));
    http_headers_add(&req.headers, a, IFR_LIT("Accept"), IFR_LIT("*/*"));
    route_conn_info_t conn = { .remote_ip = IFR_LIT("127.0.0.1"), .local_ip = IFR_LIT("127.0.0.1") };
    route_exchange_t x = { .arena = a, .req = &req, .conn = &conn };
    x.resp.content_length = -1;
    plugin_chain_run(&x, chain);
    ifr_arena_reset(a);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s PLUGIN.wasm...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        plugin_options_t o;
        plugin_options_init(&o);
        char err[512];
        plugin_t *p = plugin_load(argv[i], &o, err, sizeof(err));
        if (!p) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
        plugin_t *items[1] = { p };
        plugin_chain_t chain = { items, 1 };
        ifr_arena_t a;
        ifr_arena_init(&a, 0);
        for (int k = 0; k < 1000; k++) run_once(&a, &chain);   /* warm-up */
        long n = 0;
        double start = now_s(), end;
        do {
            for (int k = 0; k < 1000; k++) run_once(&a, &chain);
            n += 1000;
        } while ((end = now_s()) - start < 1.0);
        printf("%s: %.2f us per hook call (%ld calls)\n", argv[i], (end - start) * 1e6 / (double)n, n);
        ifr_arena_destroy(&a);
        plugin_free(p);
    }
    return 0;
}
