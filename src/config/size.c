/* Sizes as Caddy reads them (go-humanize's ParseBytes): "512", "4k",
 * "512KB" (1000s), "1GiB" (1024s), "1.5MB"; units are case-insensitive. */
#include <stdint.h>
#include <string.h>

#include "config/dispense.h"
#include "config/number.h"

typedef struct {
    const char *name;  /* lowercase */
    int power;         /* of 1000 or 1024 */
    bool binary;
} cfg__size_unit_t;

static const cfg__size_unit_t cfg__size_units[] = {
    { "", 0, false }, { "b", 0, false },
    { "k", 1, false }, { "kb", 1, false }, { "ki", 1, true }, { "kib", 1, true },
    { "m", 2, false }, { "mb", 2, false }, { "mi", 2, true }, { "mib", 2, true },
    { "g", 3, false }, { "gb", 3, false }, { "gi", 3, true }, { "gib", 3, true },
    { "t", 4, false }, { "tb", 4, false }, { "ti", 4, true }, { "tib", 4, true },
    { "p", 5, false }, { "pb", 5, false }, { "pi", 5, true }, { "pib", 5, true },
    { "e", 6, false }, { "eb", 6, false }, { "ei", 6, true }, { "eib", 6, true },
};

static bool cfg__size_parse(ifr_str_t s, unsigned flags, uint64_t *out)
{
    const char *p = s.ptr, *end = s.ptr + s.len;
    cfg_number_t n;
    if (!cfg_number_read(&p, end, &n)) return false;
    char unit[4];
    size_t ulen = (size_t)(end - p);
    if (ulen > 3) return false;
    for (size_t i = 0; i < ulen; i++) unit[i] = ifr_ascii_lower(p[i]);
    for (size_t i = 0; i < sizeof cfg__size_units / sizeof cfg__size_units[0]; i++) {
        const cfg__size_unit_t *u = &cfg__size_units[i];
        if (strlen(u->name) != ulen || memcmp(u->name, unit, ulen)) continue;
        uint64_t base = (u->binary || (flags & CFG_SIZE_BINARY)) ? 1024 : 1000, mult = 1;
        for (int k = 0; k < u->power; k++) mult *= base;
        if (n.whole > UINT64_MAX / mult) return false;
        long double extra = (long double)n.frac / (long double)n.scale * (long double)mult;
        uint64_t v = n.whole * mult;
        if ((long double)v + extra > 18446744073709551615.0L) return false;
        *out = v + (uint64_t)extra;
        return true;
    }
    return false;
}

int cfg_parse_size(const cfg_token_t *t, unsigned flags, uint64_t *out_bytes, cfg_error_t *err)
{
    uint64_t v;
    if (!cfg__size_parse(t->text, flags, &v))
        return cfg_errorf(err, t, "expected a size like 512KB, 50MB or 1GiB, got '%s'", t->text.ptr);
    *out_bytes = v;
    return 0;
}
