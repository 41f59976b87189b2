/* JSON build-and-scan: formats records into a JSON text (our own integer
 * formatting, so libc's printf is not what gets measured), then tokenizes
 * it back, summing numbers and hashing keys and strings. Byte-at-a-time
 * branches over a buffer, like a request body parser. Size: rounds. */
#include <string.h>

#include "kernel.h"

#define JSON_RECORDS 20000

typedef struct { char *p; size_t len, cap; } text_t;

static void put(text_t *t, const char *s, size_t n)
{
    memcpy(t->p + t->len, s, n);
    t->len += n;
}

static void put_int(text_t *t, int64_t v)
{
    char tmp[24];
    int n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do { tmp[n++] = (char)('0' + u % 10); u /= 10; } while (u);
    if (v < 0) tmp[n++] = '-';
    while (n) t->p[t->len++] = tmp[--n];
}

static void build(text_t *t, uint64_t *seed)
{
    static const char *const names[] = { "alpha", "beta", "gamma \\\"quoted\\\"", "delta", "epsilon" };
    t->len = 0;
    put(t, "[", 1);
    for (int i = 0; i < JSON_RECORDS; i++) {
        uint64_t r = kernel_rand(seed);
        if (i) put(t, ",", 1);
        put(t, "{\"id\":", 6);
        put_int(t, i);
        put(t, ",\"name\":\"", 9);
        const char *nm = names[r % 5];
        put(t, nm, strlen(nm));
        put(t, "\",\"value\":", 10);
        put_int(t, (int64_t)(r >> 20) % 2000000 - 1000000);
        put(t, ",\"tags\":[", 9);
        for (unsigned k = 0; k < (r & 3); k++) {
            if (k) put(t, ",", 1);
            put_int(t, (int64_t)((r >> (8 * k)) & 0xFF));
        }
        put(t, "],\"ok\":", 7);
        if (r & 4) put(t, "true}", 5);
        else put(t, "false}", 6);
    }
    put(t, "]", 1);
}

/* Tokenizes the whole text; returns a checksum of what it saw, or 0 on a
 * syntax error (which the checksum comparison would then reveal). */
static uint64_t scan(const char *p, size_t n)
{
    uint64_t sum = 0, h = 1469598103934665603u;
    int depth = 0;
    for (size_t i = 0; i < n;) {
        char c = p[i];
        if (c == '[' || c == '{') { depth++; i++; }
        else if (c == ']' || c == '}') { if (--depth < 0) return 0; i++; }
        else if (c == ',' || c == ':' || c == ' ') i++;
        else if (c == '"') {
            for (i++; i < n && p[i] != '"'; i++) {
                if (p[i] == '\\') i++;
                h = (h ^ (uint8_t)p[i]) * 1099511628211u;
            }
            i++;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            int neg = c == '-';
            int64_t v = 0;
            for (i += (size_t)neg; i < n && p[i] >= '0' && p[i] <= '9'; i++) v = v * 10 + (p[i] - '0');
            sum += (uint64_t)(neg ? -v : v);
        } else if (c == 't' && i + 4 <= n && !memcmp(p + i, "true", 4)) { sum += 7; i += 4; }
        else if (c == 'f' && i + 5 <= n && !memcmp(p + i, "false", 5)) { sum += 3; i += 5; }
        else return 0;
    }
    return depth == 0 ? sum ^ h : 0;
}

int main(int argc, char **argv)
{
    long rounds = kernel_size(argc, argv, 130);
    text_t t = { malloc(JSON_RECORDS * 96), 0, JSON_RECORDS * 96 };
    if (!t.p) return 1;
    uint64_t seed = 0xDEADBEEFCAFEu, check = 0;
    for (long r = 0; r < rounds; r++) {
        build(&t, &seed);
        check = check * 31 + scan(t.p, t.len) + t.len;
    }
    free(t.p);
    return kernel_report("json", check);
}
