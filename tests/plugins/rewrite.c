/* Path rewrite: /old/<rest> becomes /new/<rest>, keeping the query. */
#include <ifrit_plugin.h>
#include <string.h>

__attribute__((export_name("on_request"))) int32_t on_request(void)
{
    char path[1024];
    int32_t n = ifrit_path(path + 1, (int32_t)sizeof(path) - 1);
    if (n < 5 || n > (int32_t)sizeof(path) - 1 || memcmp(path + 1, "/old/", 5) != 0) return IFRIT_CONTINUE;
    /* "/old/x?q" -> "/new/x?q": the new path is one byte shorter. */
    memcpy(path + 1, "/new", 4);
    ifrit_set_path(path + 1, n);
    return IFRIT_CONTINUE;
}
