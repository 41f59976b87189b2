/* proxy-wasm filter: counts requests three ways. x-vm-count: a static of
 * this VM (state kept across requests); x-shared-count: shared data
 * "pw-count" updated with compare-and-swap (every worker's VM counts into
 * it); x-ticks: how often proxy_on_tick ran (period 10 ms, set in
 * proxy_on_configure); x-config: the plugin configuration. */
#include "proxy_wasm_abi.h"

static uint64_t vm_count;
static uint64_t ticks;
static char config[64];
static size_t config_len;

PW_EXPORT("proxy_on_configure") int32_t proxy_on_configure(uint32_t root, size_t size)
{
    (void)root;
    char *cfg = NULL;
    size_t len = 0;
    if (size && proxy_get_buffer_bytes(PW_PLUGIN_CONFIGURATION, 0, size, &cfg, &len) == PW_OK &&
        len < sizeof config) {
        memcpy(config, cfg, len);
        config_len = len;
    }
    free(cfg);
    proxy_set_tick_period_milliseconds(10);
    return 1;
}

PW_EXPORT("proxy_on_tick") void proxy_on_tick(uint32_t root)
{
    (void)root;
    ticks++;
}

/* Adds one to shared "pw-count", again after a CAS mismatch; the new value. */
static uint64_t shared_increment(void)
{
    for (;;) {
        char *v = NULL;
        size_t len = 0;
        uint32_t cas = 0;
        uint64_t n = 0;
        if (proxy_get_shared_data("pw-count", 8, &v, &len, &cas) == PW_OK && len == 8) memcpy(&n, v, 8);
        free(v);
        n++;
        int32_t st = proxy_set_shared_data("pw-count", 8, (const char *)&n, 8, cas);
        if (st == PW_OK) return n;
        if (st != PW_CAS_MISMATCH) return 0;
    }
}

PW_EXPORT("proxy_on_response_headers") int32_t proxy_on_response_headers(uint32_t id, size_t n, int32_t eos)
{
    (void)id, (void)n, (void)eos;
    char num[21];
    num[pw_utoa(++vm_count, num)] = 0;
    pw_add(PW_RESPONSE_HEADERS, "x-vm-count", num);
    num[pw_utoa(shared_increment(), num)] = 0;
    pw_add(PW_RESPONSE_HEADERS, "x-shared-count", num);
    num[pw_utoa(ticks, num)] = 0;
    pw_add(PW_RESPONSE_HEADERS, "x-ticks", num);
    proxy_add_header_map_value(PW_RESPONSE_HEADERS, "x-config", 8, config, config_len);
    return PW_CONTINUE;
}
