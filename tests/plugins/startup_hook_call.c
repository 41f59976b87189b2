/* Calls a function that needs a request (header_get) at start-up: the
 * call traps, so loading the plugin fails as a config error. */
#include <ifrit_plugin.h>

#define S(lit) (lit), (int32_t)(sizeof(lit) - 1)

static int32_t host_len;

__attribute__((constructor)) static void startup(void)
{
    char buf[64];
    host_len = ifrit_header_get(IFRIT_REQUEST, S("host"), buf, (int32_t)sizeof(buf));
}

__attribute__((export_name("on_request"))) int32_t on_request(void)
{
    return host_len >= 0 ? IFRIT_CONTINUE : IFRIT_SKIP;
}
