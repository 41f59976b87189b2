#include "config/number.h"

#include "base/str.h"

bool cfg_number_read(const char **p, const char *end, cfg_number_t *out)
{
    const char *q = *p;
    bool fits;
    size_t nwhole = ifr_str_digits(ifr_str(q, (size_t)(end - q)), &out->whole, &fits);
    if (!fits) return false;
    q += nwhole;
    out->frac = 0;
    out->scale = 1;
    size_t nfrac = 0;
    if (q < end && *q == '.') {
        for (q++; q < end && *q >= '0' && *q <= '9'; q++, nfrac++)
            if (out->scale < 1000000000000000000ULL) {
                out->frac = out->frac * 10 + (uint64_t)(*q - '0');
                out->scale *= 10;
            }
    }
    *p = q;
    return nwhole + nfrac > 0;
}
