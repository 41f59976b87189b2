/* Changes the request, then traps: fail-open must undo the changes. */
#include <ifrit_plugin.h>

#define S(lit) (lit), (int32_t)(sizeof(lit) - 1)

__attribute__((export_name("on_request"))) int32_t on_request(void)
{
    ifrit_header_set(IFRIT_REQUEST, S("X-Plugin"), S("half-done"));
    ifrit_header_remove(IFRIT_REQUEST, S("X-Keep"));
    ifrit_set_path(S("/changed"));
    __builtin_trap();
}
