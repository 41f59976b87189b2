/* proxy-wasm filter: rewrites the response body across chunks: every
 * "cat" becomes "dog", also where a chunk boundary splits the word (the
 * up to two bytes of a possible start are held back to the next chunk
 * in the stream's state), and the last chunk gets "[pw-end]" appended. */
#include "proxy_wasm_abi.h"

/* What a stream held back: at most "ca". One stream per VM at a time in
 * the tests (keep-alive requests one after another). */
static char held[2];
static size_t nheld;

PW_EXPORT("proxy_on_response_headers") int32_t proxy_on_response_headers(uint32_t id, size_t n, int32_t eos)
{
    (void)id, (void)n, (void)eos;
    nheld = 0;
    return PW_CONTINUE;
}

PW_EXPORT("proxy_on_response_body") int32_t proxy_on_response_body(uint32_t id, size_t size, int32_t eos)
{
    (void)id;
    char *in = NULL;
    size_t len = 0;
    if (size && proxy_get_buffer_bytes(PW_RESPONSE_BODY, 0, size, &in, &len) != PW_OK) return PW_CONTINUE;
    char *buf = malloc(nheld + len + 8);
    if (!buf) return PW_CONTINUE;
    memcpy(buf, held, nheld);
    if (len) memcpy(buf + nheld, in, len);
    size_t n = nheld + len;
    free(in);
    for (size_t i = 0; i + 3 <= n; i++)
        if (buf[i] == 'c' && buf[i + 1] == 'a' && buf[i + 2] == 't') memcpy(buf + i, "dog", 3);
    nheld = 0;
    if (!eos) {
        /* hold back a tail that may start "cat" */
        if (n >= 2 && buf[n - 2] == 'c' && buf[n - 1] == 'a') nheld = 2;
        else if (n >= 1 && buf[n - 1] == 'c') nheld = 1;
        memcpy(held, buf + n - nheld, nheld);
        n -= nheld;
    } else {
        memcpy(buf + n, "[pw-end]", 8);
        n += 8;
    }
    proxy_set_buffer_bytes(PW_RESPONSE_BODY, 0, size, buf, n);
    free(buf);
    return PW_CONTINUE;
}
