/* Durations as Caddy parses them: Go's time.ParseDuration ("1h30m",
 * "1.5s", "300ms", "2us") plus "d" for 24 hours. */
#include <stdint.h>
#include <string.h>

#include "config/dispense.h"
#include "config/number.h"

typedef struct {
    const char *name;
    int64_t ns;
} cfg__dur_unit_t;

/* Longest names first so "ms" is not read as "m" + "s". */
static const cfg__dur_unit_t cfg__dur_units[] = {
    { "ns", 1 }, { "us", 1000 }, { "\xc2\xb5s", 1000 }, { "\xce\xbcs", 1000 },
    { "ms", 1000000 }, { "s", 1000000000LL }, { "m", 60000000000LL },
    { "h", 3600000000000LL }, { "d", 86400000000000LL },
};

static const cfg__dur_unit_t *cfg__dur_unit(const char **p, const char *end)
{
    const cfg__dur_unit_t *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; i < sizeof cfg__dur_units / sizeof cfg__dur_units[0]; i++) {
        size_t l = strlen(cfg__dur_units[i].name);
        if ((size_t)(end - *p) >= l && memcmp(*p, cfg__dur_units[i].name, l) == 0 && l > best_len) {
            best = &cfg__dur_units[i];
            best_len = l;
        }
    }
    *p += best_len;
    return best;
}

/* Adds number*unit for one "1.5h" element to *total; false on overflow. */
static bool cfg__dur_add(uint64_t whole, uint64_t frac, uint64_t scale, int64_t unit, uint64_t *total)
{
    if (whole > (uint64_t)INT64_MAX / (uint64_t)unit) return false;
    uint64_t v = whole * (uint64_t)unit;
    /* frac/scale < 1, so frac * (unit/scale) stays below unit. */
    v += (uint64_t)((long double)frac * (long double)unit / (long double)scale);
    if (v > (uint64_t)INT64_MAX - *total) return false;
    *total += v;
    return true;
}

static bool cfg__dur_parse(ifr_str_t s, unsigned flags, int64_t *out)
{
    const char *p = s.ptr, *end = s.ptr + s.len;
    bool neg = false;
    if (p < end && (*p == '-' || *p == '+')) {
        neg = *p == '-';
        if (neg && !(flags & CFG_DUR_NEGATIVE)) return false;
        p++;
    }
    if (p == end) return false;
    if (end - p == 1 && *p == '0') { *out = 0; return true; }
    uint64_t total = 0;
    bool bare = true; /* digits only: "30" */
    for (const char *q = p; q < end; q++) if (*q < '0' || *q > '9') bare = false;
    if (bare) {
        if (!(flags & CFG_DUR_BARE_SECONDS)) return false;
        cfg_number_t n;
        if (!cfg_number_read(&p, end, &n) || !cfg__dur_add(n.whole, 0, 1, 1000000000LL, &total)) return false;
    }
    while (p < end) {
        cfg_number_t n;
        if (!cfg_number_read(&p, end, &n)) return false;
        const cfg__dur_unit_t *u = cfg__dur_unit(&p, end);
        if (!u || !cfg__dur_add(n.whole, n.frac, n.scale, u->ns, &total)) return false;
    }
    *out = neg ? -(int64_t)total : (int64_t)total;
    return true;
}

int cfg_parse_duration(const cfg_token_t *t, unsigned flags, int64_t *out_ns, cfg_error_t *err)
{
    int64_t v;
    if (!cfg__dur_parse(t->text, flags, &v))
        return cfg_errorf(err, t, "expected a duration like 2s, 1m30s or 500ms%s, got '%s'",
                          (flags & CFG_DUR_BARE_SECONDS) ? " (or a number of seconds)" : "",
                          t->text.ptr);
    *out_ns = v;
    return 0;
}
