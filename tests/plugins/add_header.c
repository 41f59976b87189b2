/* Header injection: adds X-Plugin to the request (the handler sees it) and
 * X-Plugin-Seen to the response. */
#include <ifrit_plugin.h>

#define S(lit) (lit), (int32_t)(sizeof(lit) - 1)

__attribute__((export_name("on_request"))) int32_t on_request(void)
{
    ifrit_header_set(IFRIT_REQUEST, S("X-Plugin"), S("injected"));
    return IFRIT_CONTINUE;
}

__attribute__((export_name("on_response"))) int32_t on_response(void)
{
    ifrit_header_add(IFRIT_RESPONSE, S("X-Plugin-Seen"), S("yes"));
    return IFRIT_CONTINUE;
}
