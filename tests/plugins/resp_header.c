/* Response-header rewrite: drops X-Secret, renames Server, and turns a 200
 * into 203 so the status change shows. Records the status it saw. */
#include <ifrit_plugin.h>

#define S(lit) (lit), (int32_t)(sizeof(lit) - 1)

__attribute__((export_name("on_response"))) int32_t on_response(void)
{
    char digits[4];
    int32_t st = ifrit_status();
    digits[0] = (char)('0' + st / 100 % 10);
    digits[1] = (char)('0' + st / 10 % 10);
    digits[2] = (char)('0' + st % 10);
    ifrit_header_set(IFRIT_RESPONSE, S("X-Saw-Status"), digits, 3);
    ifrit_header_remove(IFRIT_RESPONSE, S("x-secret"));
    ifrit_header_set(IFRIT_RESPONSE, S("Server"), S("plugged"));
    if (st == 200) ifrit_set_status(203);
    return IFRIT_CONTINUE;
}
