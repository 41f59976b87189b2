/* Hands the host a range outside its memory: the call must trap (and fail open). */
#include <ifrit_plugin.h>

__attribute__((export_name("on_request"))) int32_t on_request(void)
{
    ifrit_set_body((const char *)0x7ffffff0, 0x1000);
    return IFRIT_RESPOND;
}
