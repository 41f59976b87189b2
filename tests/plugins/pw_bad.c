/* proxy-wasm filter that misuses the ABI when asked: with x-bad: log it
 * passes a pointer far outside its memory to proxy_log, with x-bad: ret it
 * asks for a header value to be written outside its memory, with x-bad:
 * alloc its allocator answers a block outside its memory. Each must trap
 * the callback (fail-open) and read or write nothing outside. Otherwise
 * it adds x-calls: its VM's count of requests (a trapped VM is made
 * anew, so the count starts over). */
#define PW_OWN_ALLOCATOR
#include "proxy_wasm_abi.h"

static uint64_t calls;
static int bad_alloc;

PW_EXPORT("proxy_on_memory_allocate") void *pw_alloc(size_t n)
{
    return bad_alloc ? (void *)(uintptr_t)0xFFFFFF00u : malloc(n);
}

PW_EXPORT("proxy_on_request_headers") int32_t proxy_on_request_headers(uint32_t id, size_t n, int32_t eos)
{
    (void)id, (void)n, (void)eos;
    char *v = NULL;
    size_t len = 0;
    calls++;
    if (proxy_get_header_map_value(PW_REQUEST_HEADERS, "x-bad", 5, &v, &len) != PW_OK) return PW_CONTINUE;
    int kind = len ? v[0] : 0;
    free(v);
    if (kind == 'l') proxy_log(PW_LOG_WARN, (const char *)(uintptr_t)0xFFFFFFF0u, 4096);
    if (kind == 'r') proxy_get_header_map_value(PW_REQUEST_HEADERS, ":path", 5, (char **)(uintptr_t)0xFFFFFFFCu, &len);
    if (kind == 'a') {
        bad_alloc = 1;
        proxy_get_header_map_value(PW_REQUEST_HEADERS, ":path", 5, &v, &len);
    }
    return PW_CONTINUE;
}

PW_EXPORT("proxy_on_response_headers") int32_t proxy_on_response_headers(uint32_t id, size_t n, int32_t eos)
{
    (void)id, (void)n, (void)eos;
    char num[21];
    num[pw_utoa(calls, num)] = 0;
    pw_add(PW_RESPONSE_HEADERS, "x-calls", num);
    return PW_CONTINUE;
}
