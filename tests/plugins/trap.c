/* Traps on every request (unreachable): fail-open and auto-disable. */
#include <ifrit_plugin.h>

__attribute__((export_name("on_request"))) int32_t on_request(void)
{
    __builtin_trap();
}
