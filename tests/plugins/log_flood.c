/* Logs on every request (issue 14 item 8): a line with a NUL byte inside,
 * then, with the query "flood" (path?flood), 2048 lines of 1 KiB. Lets the request go on. */
#include <ifrit_plugin.h>
#include <string.h>

#define S(lit) (lit), (int32_t)(sizeof(lit) - 1)

__attribute__((export_name("on_request"))) int32_t on_request(void)
{
    ifrit_log(IFRIT_LOG_INFO, S("before\0after"));
    char p[64];
    int32_t n = ifrit_path(p, (int32_t)sizeof(p));
    if (n >= 6 && n <= (int32_t)sizeof(p) && memcmp(p + n - 6, "?flood", 6) == 0) {
        static char line[1024];
        memset(line, 'p', sizeof line);
        for (int i = 0; i < 2048; i++) ifrit_log(IFRIT_LOG_INFO, line, (int32_t)sizeof line);
    }
    return IFRIT_CONTINUE;
}
