/* Answers with what it sees of the request: method, path with query, the
 * TLS flag, the client IP, its config, and every header name lowercased. */
#include <ifrit_plugin.h>

#define S(lit) (lit), (int32_t)(sizeof(lit) - 1)

static char out[4096];
static int32_t used;

static void put(const char *s, int32_t n)
{
    for (int32_t i = 0; i < n && used < (int32_t)sizeof(out); i++) out[used++] = s[i];
}

/* Appends what a host getter returns, clamped to the space left. */
#define PUT_FROM(call)                                                        \
    do {                                                                      \
        int32_t room_ = (int32_t)sizeof(out) - used, n_ = (call);             \
        if (n_ > 0) used += n_ < room_ ? n_ : room_;                          \
    } while (0)

__attribute__((export_name("on_request"))) int32_t on_request(void)
{
    put(S("method="));
    PUT_FROM(ifrit_method(out + used, (int32_t)sizeof(out) - used));
    put(S("\npath="));
    PUT_FROM(ifrit_path(out + used, (int32_t)sizeof(out) - used));
    put(S("\ntls="));
    put(ifrit_is_tls() ? "1" : "0", 1);
    put(S("\nip="));
    PUT_FROM(ifrit_client_ip(out + used, (int32_t)sizeof(out) - used));
    put(S("\nconfig="));
    PUT_FROM(ifrit_config(out + used, (int32_t)sizeof(out) - used));
    put(S("\ncolor="));
    PUT_FROM(ifrit_config_get(S("color"), out + used, (int32_t)sizeof(out) - used));
    put(S("\nnames="));
    int32_t n = ifrit_header_count(IFRIT_REQUEST);
    for (int32_t i = 0; i < n; i++) {
        PUT_FROM(ifrit_header_name(IFRIT_REQUEST, i, out + used, (int32_t)sizeof(out) - used));
        put(S(","));
    }
    put(S("\n"));
    ifrit_set_status(200);
    ifrit_set_body(out, used);
    return IFRIT_RESPOND;
}
