/* proxy-wasm filter: ticks on the worker's timer. With the plugin
 * configuration "tick" it sets a 10 ms tick period, and each proxy_on_tick
 * adds one to shared data "pw-ticks"; a request to /wait is paused
 * (PAUSE) and the next tick continues it (proxy_set_effective_context to
 * its stream, proxy_continue_stream). Any configuration: every response
 * gets x-ticks, the shared count, so a line that does not tick reads
 * what the ticking one counted. */
#include "proxy_wasm_abi.h"

static uint32_t waiting;   /* the stream a tick continues, 0 = none */

PW_EXPORT("proxy_on_configure") int32_t proxy_on_configure(uint32_t root, size_t size)
{
    (void)root;
    char *cfg = NULL;
    size_t len = 0;
    if (size && proxy_get_buffer_bytes(PW_PLUGIN_CONFIGURATION, 0, size, &cfg, &len) == PW_OK && len == 4 &&
        memcmp(cfg, "tick", 4) == 0)
        proxy_set_tick_period_milliseconds(10);
    free(cfg);
    return 1;
}

static uint64_t shared_ticks(int add)
{
    for (;;) {
        char *v = NULL;
        size_t len = 0;
        uint32_t cas = 0;
        uint64_t n = 0;
        if (proxy_get_shared_data("pw-ticks", 8, &v, &len, &cas) == PW_OK && len == 8) memcpy(&n, v, 8);
        free(v);
        if (!add) return n;
        n++;
        int32_t st = proxy_set_shared_data("pw-ticks", 8, (const char *)&n, 8, cas);
        if (st != PW_CAS_MISMATCH) return n;
    }
}

PW_EXPORT("proxy_on_tick") void proxy_on_tick(uint32_t root)
{
    shared_ticks(1);
    if (waiting) {
        proxy_set_effective_context(waiting);
        proxy_continue_stream(PW_STREAM_REQUEST);
        proxy_set_effective_context(root);
        waiting = 0;
    }
}

PW_EXPORT("proxy_on_request_headers") int32_t proxy_on_request_headers(uint32_t id, size_t n, int32_t eos)
{
    (void)n, (void)eos;
    char *path = NULL;
    size_t len = 0;
    proxy_get_header_map_value(PW_REQUEST_HEADERS, ":path", 5, &path, &len);
    int wait = len >= 5 && memcmp(path, "/wait", 5) == 0;
    free(path);
    if (!wait) return PW_CONTINUE;
    waiting = id;
    return PW_PAUSE;
}

PW_EXPORT("proxy_on_response_headers") int32_t proxy_on_response_headers(uint32_t id, size_t n, int32_t eos)
{
    (void)id, (void)n, (void)eos;
    char num[21];
    num[pw_utoa(shared_ticks(0), num)] = 0;
    pw_add(PW_RESPONSE_HEADERS, "x-ticks", num);
    return PW_CONTINUE;
}
