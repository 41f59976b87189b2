/* libFuzzer target for the regexp engine (src/route/regexp*.c): the input
 * up to its first newline is the pattern, the rest the subject. Compiling
 * must never crash, read out of bounds or pass the program bound; a match
 * must give groups inside the subject, in order, and must agree with the
 * same match asked without groups. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "route/regexp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t plen = nl ? (size_t)(nl - data) : size;
    /* private copies, so reads past either end show up under ASan */
    char *pat = malloc(plen + 1), *subj = malloc(size - plen + 1);
    memcpy(pat, data, plen);
    size_t slen = nl ? size - plen - 1 : 0;
    if (slen) memcpy(subj, nl + 1, slen);
    ifr_arena_t a;
    ifr_arena_init(&a, 0);
    route_regex_t *rx;
    char err[200];
    if (route_regex_compile(&a, ifr_str(pat, plen), &rx, err, sizeof err) == 0) {
        if (rx->ninst > ROUTE_REGEX_MAX_PROGRAM || rx->nslots > 2 * ROUTE_MAX_GROUPS) abort();
        ifr_str_t g[ROUTE_MAX_GROUPS];
        bool m = route_regex_match(rx, ifr_str(subj, slen), g);
        if (m != route_regex_match(rx, ifr_str(subj, slen), NULL)) abort();
        for (int k = 0; m && k < ROUTE_MAX_GROUPS; k++) {
            if (g[k].len == 0) continue;
            if (g[k].ptr < subj || g[k].ptr + g[k].len > subj + slen) abort();
            if (k > 0 && (g[k].ptr < g[0].ptr || g[k].ptr + g[k].len > g[0].ptr + g[0].len)) abort();
        }
    } else if (err[0] == '\0') {
        abort();   /* a refusal always says why */
    }
    ifr_arena_destroy(&a);
    free(pat);
    free(subj);
    return 0;
}
