/* A Dwaar plugin component in C (no SDK): the core module of a component
 * for dwaar.wit, or with -DWITH_HEADERS for dwaar-headers.wit. Decides by
 * the request, so a test can compare ifrit's answer with a reference host's:
 *   path /deny...                     respond
 *   header x-action: skip | respond   skip | respond
 *   a header named x-block            respond (host list of names, or the headers field)
 *   method POST on plain http         respond
 *   anything else                     continue
 * and, for the limits and fail-open (gate.js has no such paths):
 *   path /trap                        traps (unreachable)
 *   path /spin                        loops until the fuel runs out
 *   on-response of a 204              traps (a 204 has no body: no on-body)
 *   path /count                       continue on the instance's first call
 *                                     only (a counter in its memory), so
 *                                     a leak of state between calls shows
 *   path /peek                        continue when the 8 KiB of heap past
 *                                     what this call took are zero, as in a
 *                                     fresh instance (what the host lowered
 *                                     in an earlier call must not show)
 * on-response: status 418 -> skip, else continue; on-body: continue. */
#include <stdint.h>

#define HOST(n) __attribute__((import_module("dwaar:plugin/host@0.1.0"), import_name(n)))
#define EXPORT(n) __attribute__((export_name(n)))

typedef struct { const char *ptr; uint32_t len; } str_t;
typedef struct { uint8_t some; str_t val; } opt_str_t;     /* option<string>: case byte, payload at 4 */
typedef struct { str_t *items; uint32_t len; } str_list_t;
typedef struct { str_t name, value; } header_t;

enum { CONTINUE, RESPOND, SKIP };

HOST("get-request-header") void host_get_request_header(const char *name, uint32_t len, opt_str_t *ret);
HOST("list-request-header-names") void host_list_request_header_names(str_list_t *ret);

static unsigned char heap[256 * 1024];
static uint32_t heap_top;

EXPORT("cabi_realloc") void *cabi_realloc(void *old, uint32_t old_size, uint32_t align, uint32_t size)
{
    uint32_t at = (heap_top + align - 1) & ~(align - 1);
    if (at + size > sizeof heap) __builtin_trap();
    heap_top = at + size;
    unsigned char *p = heap + at;
    for (uint32_t i = 0; old && i < old_size && i < size; i++) p[i] = ((unsigned char *)old)[i];
    return p;
}

static int eq(str_t s, const char *lit)
{
    uint32_t i = 0;
    for (; lit[i]; i++)
        if (i >= s.len || s.ptr[i] != lit[i]) return 0;
    return i == s.len;
}

static int starts(str_t s, const char *lit)
{
    for (uint32_t i = 0; lit[i]; i++)
        if (i >= s.len || s.ptr[i] != lit[i]) return 0;
    return 1;
}

static volatile uint32_t spins;
static uint32_t calls;

#ifdef GATE_WASI
/* gate_libc.c: paths /wasi/... that reach WASI through libc. */
static int gate_wasi(str_t path);
#endif

static int heap_clean(void)
{
    for (uint32_t i = heap_top; i < heap_top + 8192 && i < sizeof heap; i++)
        if (heap[i]) return 0;
    return 1;
}

static int decide(str_t method, str_t path, int is_tls, int has_block, str_t action, int has_action)
{
    if (starts(path, "/trap")) __builtin_trap();
    while (starts(path, "/spin")) spins++;
#ifdef GATE_WASI
    if (starts(path, "/wasi/")) return gate_wasi(path);
#endif
    if (starts(path, "/peek")) return heap_clean() ? CONTINUE : RESPOND;
    if (starts(path, "/count")) return ++calls == 1 ? CONTINUE : RESPOND;
    if (starts(path, "/deny")) return RESPOND;
    if (has_action && eq(action, "skip")) return SKIP;
    if (has_action && eq(action, "respond")) return RESPOND;
    if (has_block) return RESPOND;
    if (eq(method, "POST") && !is_tls) return RESPOND;
    return CONTINUE;
}

#ifdef WITH_HEADERS
EXPORT("on-request") int32_t on_request(const char *mp, uint32_t ml, const char *pp, uint32_t pl, header_t *h,
                                        uint32_t nh, int32_t is_tls, const char *ip, uint32_t il)
{
    (void)ip; (void)il;
    str_t action = { 0, 0 };
    int has_action = 0, has_block = 0;
    for (uint32_t i = 0; i < nh; i++) {
        if (eq(h[i].name, "x-action")) { action = h[i].value; has_action = 1; }
        if (eq(h[i].name, "x-block")) has_block = 1;
    }
    return decide((str_t){ mp, ml }, (str_t){ pp, pl }, is_tls, has_block, action, has_action);
}

EXPORT("on-response") int32_t on_response(int32_t status, header_t *h, uint32_t nh)
{
    (void)h; (void)nh;
    if (status == 204) __builtin_trap();
    return status == 418 ? SKIP : CONTINUE;
}
#else
EXPORT("on-request") int32_t on_request(const char *mp, uint32_t ml, const char *pp, uint32_t pl, int32_t is_tls,
                                        const char *ip, uint32_t il)
{
    (void)ip; (void)il;
    opt_str_t action;
    host_get_request_header("x-action", 8, &action);
    str_list_t names;
    host_list_request_header_names(&names);
    int has_block = 0;
    for (uint32_t i = 0; i < names.len; i++)
        if (eq(names.items[i], "x-block")) has_block = 1;
    return decide((str_t){ mp, ml }, (str_t){ pp, pl }, is_tls, has_block, action.val, action.some);
}

EXPORT("on-response") int32_t on_response(int32_t status)
{
    if (status == 204) __builtin_trap();
    return status == 418 ? SKIP : CONTINUE;
}
#endif

EXPORT("on-body") int32_t on_body(int32_t eos)
{
    (void)eos;
    return CONTINUE;
}
