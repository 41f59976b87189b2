/* Body transformer: every response body chunk uppercased; the last chunk
 * gets a marker appended so the end-of-stream flag shows. */
#include <ifrit_plugin.h>
#include <stdlib.h>

__attribute__((export_name("on_body"))) int32_t on_body(int32_t len, int32_t end)
{
    char *buf = malloc((size_t)len + 8);
    if (!buf) return IFRIT_CONTINUE;
    int32_t n = ifrit_chunk(buf, len);
    for (int32_t i = 0; i < n && i < len; i++)
        if (buf[i] >= 'a' && buf[i] <= 'z') buf[i] = (char)(buf[i] - 'a' + 'A');
    if (end) {
        for (int i = 0; i < 5; i++) buf[n + i] = "[END]"[i];
        n += 5;
    }
    ifrit_set_body(buf, n);
    return IFRIT_CONTINUE;
}
