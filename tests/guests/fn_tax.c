/* The JSON tax calculation of Gojinn's published benchmark, in the json
 * protocol: the request body is {"id":"1","valor":100}; the answer is the
 * same id and value with the tax (15%) and the total. */
#include <stdio.h>
#include <string.h>

/* The amount after "key": in the (escaped) body text, in cents, or -1.
 * Parsed by hand: wasi-libc's strtod and %f work in 128-bit soft float,
 * which would make this benchmark measure number formatting. */
static long long cents_after(const char *s, const char *key)
{
    char pat[32];
    snprintf(pat, sizeof pat, "\\\"%s\\\":", key);
    const char *p = strstr(s, pat);
    if (!p) return -1;
    p += strlen(pat);
    long long whole = 0, frac = 0;
    int digits = 0;
    for (; *p >= '0' && *p <= '9'; p++) whole = whole * 10 + (*p - '0');
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++)
            if (digits < 2) frac = frac * 10 + (*p - '0'), digits++;
    while (digits++ < 2) frac *= 10;
    return whole * 100 + frac;
}

int main(void)
{
    static char in[65536];
    size_t n = fread(in, 1, sizeof in - 1, stdin);
    in[n] = 0;
    const char *body = strstr(in, "\"body\":\"");
    if (!body) {
        printf("{\"status\":400,\"body\":\"no body\"}");
        return 0;
    }
    long long cents = cents_after(body, "valor");
    if (cents < 0) {
        printf("{\"status\":400,\"body\":\"no valor\"}");
        return 0;
    }
    /* The id's characters up to its (escaped) closing quote. */
    char id[64] = "";
    const char *ip = strstr(body, "\\\"id\\\":\\\"");
    for (size_t i = 0; ip && ip[9 + i] && ip[9 + i] != '\\' && i + 1 < sizeof id; i++) id[i] = ip[9 + i], id[i + 1] = 0;
    long long tax = (cents * 15 + 50) / 100, total = cents + tax;
    printf("{\"status\":200,\"headers\":{\"Content-Type\":[\"application/json\"]},"
           "\"body\":\"{\\\"id\\\":\\\"%s\\\",\\\"valor\\\":%lld.%02lld,\\\"imposto\\\":%lld.%02lld,\\\"total\\\":%lld.%02lld}\"}",
           id, cents / 100, cents % 100, tax / 100, tax % 100, total / 100, total % 100);
    return 0;
}
