/* Answers respond without building a response: the client gets 503. */
#include <ifrit_plugin.h>

__attribute__((export_name("on_request"))) int32_t on_request(void)
{
    return IFRIT_RESPOND;
}
