/* The proxy-wasm ABI v0.2.1 as the C test filters of this directory use
 * it: the host functions they import from "env", the callbacks' export
 * macro, and a few helpers. Written from the spec, no SDK. */
#ifndef IFRIT_TEST_PROXY_WASM_ABI_H
#define IFRIT_TEST_PROXY_WASM_ABI_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PW_IMPORT(n) __attribute__((import_module("env"), import_name(n)))
#define PW_EXPORT(n) __attribute__((export_name(n)))

enum { PW_OK = 0, PW_NOT_FOUND = 1, PW_CAS_MISMATCH = 8 };
enum { PW_CONTINUE = 0, PW_PAUSE = 1 };
enum { PW_REQUEST_HEADERS = 0, PW_RESPONSE_HEADERS = 2, PW_HTTP_CALL_RESPONSE_HEADERS = 6 };
enum { PW_RESPONSE_BODY = 1, PW_HTTP_CALL_RESPONSE_BODY = 4, PW_PLUGIN_CONFIGURATION = 7 };
enum { PW_STREAM_REQUEST = 0 };
enum { PW_LOG_INFO = 2, PW_LOG_WARN = 3 };

PW_IMPORT("proxy_log") int32_t proxy_log(int32_t level, const char *msg, size_t len);
PW_IMPORT("proxy_get_header_map_value")
int32_t proxy_get_header_map_value(int32_t map, const char *key, size_t klen, char **val, size_t *vlen);
PW_IMPORT("proxy_add_header_map_value")
int32_t proxy_add_header_map_value(int32_t map, const char *key, size_t klen, const char *val, size_t vlen);
PW_IMPORT("proxy_replace_header_map_value")
int32_t proxy_replace_header_map_value(int32_t map, const char *key, size_t klen, const char *val, size_t vlen);
PW_IMPORT("proxy_remove_header_map_value")
int32_t proxy_remove_header_map_value(int32_t map, const char *key, size_t klen);
PW_IMPORT("proxy_get_header_map_pairs") int32_t proxy_get_header_map_pairs(int32_t map, char **data, size_t *len);
PW_IMPORT("proxy_get_buffer_bytes")
int32_t proxy_get_buffer_bytes(int32_t type, size_t start, size_t max, char **data, size_t *len);
PW_IMPORT("proxy_set_buffer_bytes")
int32_t proxy_set_buffer_bytes(int32_t type, size_t start, size_t size, const char *data, size_t len);
PW_IMPORT("proxy_send_local_response")
int32_t proxy_send_local_response(uint32_t status, const char *details, size_t dlen, const char *body, size_t blen,
                                  const char *headers, size_t hlen, int32_t grpc);
PW_IMPORT("proxy_get_property") int32_t proxy_get_property(const char *path, size_t plen, char **val, size_t *vlen);
PW_IMPORT("proxy_get_shared_data")
int32_t proxy_get_shared_data(const char *key, size_t klen, char **val, size_t *vlen, uint32_t *cas);
PW_IMPORT("proxy_set_shared_data")
int32_t proxy_set_shared_data(const char *key, size_t klen, const char *val, size_t vlen, uint32_t cas);
PW_IMPORT("proxy_set_tick_period_milliseconds") int32_t proxy_set_tick_period_milliseconds(uint32_t ms);
PW_IMPORT("proxy_http_call")
int32_t proxy_http_call(const char *upstream, size_t ulen, const char *headers, size_t hlen, const char *body,
                        size_t blen, const char *trailers, size_t tlen, uint32_t timeout_ms, uint32_t *token);
PW_IMPORT("proxy_continue_stream") int32_t proxy_continue_stream(int32_t type);
PW_IMPORT("proxy_set_effective_context") int32_t proxy_set_effective_context(uint32_t id);

PW_EXPORT("proxy_abi_version_0_2_1") void proxy_abi_version_0_2_1(void) {}
#ifndef PW_OWN_ALLOCATOR
PW_EXPORT("proxy_on_memory_allocate") void *proxy_on_memory_allocate(size_t n) { return malloc(n); }
#endif

static inline size_t pw_len(const char *s) { return strlen(s); }

/* Decimal text of v into buf (at least 21 bytes); returns its length. */
static inline size_t pw_utoa(uint64_t v, char *buf)
{
    char tmp[21];
    size_t n = 0;
    do tmp[n++] = (char)('0' + v % 10); while ((v /= 10) != 0);
    for (size_t i = 0; i < n; i++) buf[i] = tmp[n - 1 - i];
    return n;
}

/* Serialises n pairs (NUL-terminated names and values, kv[2i], kv[2i+1])
 * as the spec's header map into out (of cap bytes); its length, or 0
 * when it does not fit. */
static inline size_t pw_map(const char *const *kv, size_t n, char *out, size_t cap)
{
    size_t need = 4 + 8 * n;
    for (size_t i = 0; i < 2 * n; i++) need += pw_len(kv[i]) + 1;
    if (need > cap) return 0;
    uint32_t count = (uint32_t)n;
    memcpy(out, &count, 4);
    char *bytes = out + 4 + 8 * n;
    for (size_t i = 0; i < 2 * n; i++) {
        uint32_t l = (uint32_t)pw_len(kv[i]);
        memcpy(out + 4 + 4 * i, &l, 4);
        memcpy(bytes, kv[i], l + 1);
        bytes += l + 1;
    }
    return need;
}

/* Adds a header to map, names and values NUL-terminated. */
static inline void pw_add(int32_t map, const char *k, const char *v)
{
    proxy_add_header_map_value(map, k, pw_len(k), v, pw_len(v));
}

#endif
