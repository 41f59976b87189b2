/* A plain byte loop over every body chunk, as the docs suggest writing
 * one: each byte goes up by one (mod 256), in a static buffer of the
 * documented chunk bound. With the default fuel it must transform every
 * chunk of a large proxied body (none passed through by a fail-open). */
#include <ifrit_plugin.h>

static unsigned char buf[IFRIT_BODY_CHUNK_MAX];

IFRIT_EXPORT("on_body") int32_t on_body(int32_t len, int32_t end)
{
    (void)end;
    int32_t n = ifrit_chunk((char *)buf, sizeof buf);
    if (n != len || n > (int32_t)sizeof buf) {
        ifrit_log(IFRIT_LOG_ERROR, "chunk over the documented bound", 31);
        return IFRIT_CONTINUE;
    }
    for (int32_t i = 0; i < n; i++) buf[i] = (unsigned char)(buf[i] + 1);
    ifrit_set_body((const char *)buf, n);
    return IFRIT_CONTINUE;
}
