/* Reads its config and logs at start-up (a constructor, run by
 * _initialize), then answers every request with what it read in
 * X-Startup-Config: the snapshot every hook call starts from holds it. */
#include <ifrit_plugin.h>

#define S(lit) (lit), (int32_t)(sizeof(lit) - 1)

static char seen[256];
static int32_t seen_len = -1;

__attribute__((constructor)) static void startup(void)
{
    int32_t n = ifrit_config(seen, (int32_t)sizeof(seen));
    seen_len = n < 0 ? -1 : n > (int32_t)sizeof(seen) ? (int32_t)sizeof(seen) : n;
    char msg[300] = "startup config=";
    int32_t len = 15;
    for (int32_t i = 0; i < seen_len && len < (int32_t)sizeof(msg); i++) msg[len++] = seen[i];
    ifrit_log(IFRIT_LOG_INFO, msg, len);
}

__attribute__((export_name("on_request"))) int32_t on_request(void)
{
    if (seen_len < 0) ifrit_header_set(IFRIT_RESPONSE, S("X-Startup-Config"), S("none"));
    else ifrit_header_set(IFRIT_RESPONSE, S("X-Startup-Config"), seen, seen_len);
    ifrit_set_status(200);
    ifrit_set_body(S("started\n"));
    return IFRIT_RESPOND;
}
