/* An auth plugin: the request needs `Authorization: Bearer <token>` with
 * the token from `config token=...`, else it is answered 401 with a body. */
#include <ifrit_plugin.h>
#include <string.h>

#define S(lit) (lit), (int32_t)(sizeof(lit) - 1)

__attribute__((export_name("on_request"))) int32_t on_request(void)
{
    char want[128] = "Bearer ", got[136];
    int32_t tn = ifrit_config_get(S("token"), want + 7, (int32_t)sizeof(want) - 7);
    int32_t gn = ifrit_header_get(IFRIT_REQUEST, S("authorization"), got, (int32_t)sizeof(got));
    if (tn >= 0 && tn <= (int32_t)sizeof(want) - 7 && gn == tn + 7 && memcmp(got, want, (size_t)gn) == 0)
        return IFRIT_CONTINUE;
    ifrit_log(IFRIT_LOG_INFO, S("refused a request without the token"));
    ifrit_set_status(401);
    ifrit_header_set(IFRIT_RESPONSE, S("WWW-Authenticate"), S("Bearer realm=\"test\""));
    ifrit_header_set(IFRIT_RESPONSE, S("Content-Type"), S("text/plain"));
    ifrit_set_body(S("unauthorized\n"));
    return IFRIT_RESPOND;
}
