/* Does nothing: for measuring the cost of a hook call. */
#include <ifrit_plugin.h>

__attribute__((export_name("on_request"))) int32_t on_request(void)
{
    return IFRIT_CONTINUE;
}
