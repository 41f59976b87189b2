/* Proves that no state survives between hook calls: counts its calls in a
 * static (linear memory) and in a page it grows, reports both and the
 * memory size in a request header in on_request (the route echoes it)
 * and in a response header in on_response. With fresh state per call every value is the same on every
 * request: calls=1 grown=1 pages=<initial + 1>. */
#include <ifrit_plugin.h>

#define S(lit) (lit), (int32_t)(sizeof(lit) - 1)

static volatile int32_t calls;

static int32_t put_num(char *buf, int32_t v)
{
    char tmp[12];
    int32_t n = 0, k = 0;
    do tmp[n++] = (char)('0' + v % 10); while ((v /= 10) > 0);
    while (n) buf[k++] = tmp[--n];
    return k;
}

static void report(int32_t which, const char *name, int32_t nlen)
{
    calls++;
    int32_t old = __builtin_wasm_memory_grow(0, 1);
    volatile int32_t *cell = (volatile int32_t *)(old * 65536);
    int32_t grown = old < 0 ? -1 : ++*cell;
    char v[64];
    int32_t n = 0;
    n += put_num(v + n, calls);
    v[n++] = ' ';
    n += put_num(v + n, grown < 0 ? 0 : grown);
    v[n++] = ' ';
    n += put_num(v + n, (int32_t)__builtin_wasm_memory_size(0));
    ifrit_header_set(which, name, nlen, v, n);
}

__attribute__((export_name("on_request"))) int32_t on_request(void)
{
    report(IFRIT_REQUEST, S("X-Counter"));
    return IFRIT_CONTINUE;
}

__attribute__((export_name("on_response"))) int32_t on_response(void)
{
    report(IFRIT_RESPONSE, S("X-Counter"));
    return IFRIT_CONTINUE;
}
