/* Ends the plugin chain: plugins after it do not run, the handler does. */
#include <ifrit_plugin.h>

__attribute__((export_name("on_request"))) int32_t on_request(void)
{
    return IFRIT_SKIP;
}
