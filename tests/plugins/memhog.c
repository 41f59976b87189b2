/* Grows memory until memory.grow returns -1 (the cap), then answers with
 * the number of 64 KiB pages it ended with. */
#include <ifrit_plugin.h>

#define S(lit) (lit), (int32_t)(sizeof(lit) - 1)

__attribute__((export_name("on_request"))) int32_t on_request(void)
{
    while (__builtin_wasm_memory_grow(0, 1) != (__SIZE_TYPE__)-1) {
    }
    unsigned pages = (unsigned)__builtin_wasm_memory_size(0);
    char d[8];
    int n = 0;
    do d[7 - n++] = (char)('0' + pages % 10); while ((pages /= 10) && n < 8);
    ifrit_set_status(200);
    ifrit_header_set(IFRIT_RESPONSE, S("X-Pages"), d + 8 - n, n);
    ifrit_set_body(S("grown\n"));
    return IFRIT_RESPOND;
}
