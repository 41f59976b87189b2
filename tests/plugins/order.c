/* Priority ordering: appends its `config` string to the request header
 * X-Order ("a", then "a,b", ...) and to the response header X-Order-Resp. */
#include <ifrit_plugin.h>

#define S(lit) (lit), (int32_t)(sizeof(lit) - 1)

static void append(int32_t which, const char *name, int32_t nlen)
{
    char v[256];
    int32_t n = ifrit_header_get(which, name, nlen, v, 200);
    if (n < 0) n = 0;
    else v[n++] = ',';
    int32_t c = ifrit_config(v + n, 40);
    ifrit_header_set(which, name, nlen, v, n + (c < 40 ? c : 40));
}

__attribute__((export_name("on_request"))) int32_t on_request(void)
{
    append(IFRIT_REQUEST, S("X-Order"));
    return IFRIT_CONTINUE;
}

__attribute__((export_name("on_response"))) int32_t on_response(void)
{
    append(IFRIT_RESPONSE, S("X-Order-Resp"));
    return IFRIT_CONTINUE;
}
