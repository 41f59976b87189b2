/* Cron schedules (fn_cron.h): fields as bit sets, and the next time by
 * walking forward from the coarsest field to the finest, as robfig/cron
 * (Gojinn's scheduler) does: a month that does not match skips to the
 * next month's first second, a day to the next day's, and so on. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fn/fn_cron.h"
#include "http/message.h"

typedef struct {
    const char *what;
    int min, max;
    const char *const *names;    /* names[i] is min + i, or NULL */
} fn__cron_field_t;

static const char *const fn__cron_months[] = { "jan", "feb", "mar", "apr", "may", "jun",
                                               "jul", "aug", "sep", "oct", "nov", "dec" };
static const char *const fn__cron_days[] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };

static const fn__cron_field_t fn__cron_fields[6] = {
    { "second", 0, 59, NULL }, { "minute", 0, 59, NULL },  { "hour", 0, 23, NULL },
    { "day of month", 1, 31, NULL }, { "month", 1, 12, fn__cron_months }, { "day of week", 0, 7, fn__cron_days },
};

/* A number or a name of field f at the start of s: its value and length,
 * or -1. */
static int fn__cron_value(ifr_str_t s, const fn__cron_field_t *f, int *out)
{
    if (f->names && s.len >= 3) {
        int count = f->max - f->min + 1 - (f->max == 7);
        for (int i = 0; i < count; i++)
            if (ifr_str_eq_nocase(ifr_str_sub(s, 0, 3), ifr_cstr(f->names[i]))) {
                *out = f->min + i;
                return 3;
            }
    }
    int n = 0, v = 0;
    while ((size_t)n < s.len && s.ptr[n] >= '0' && s.ptr[n] <= '9' && n < 4) v = v * 10 + (s.ptr[n++] - '0');
    if (n == 0) return -1;
    *out = v;
    return n;
}

/* One comma-separated item: *, N, A-B, with /STEP. Sets bits of *set. */
static int fn__cron_item(ifr_str_t item, const fn__cron_field_t *f, uint64_t *set, char *why, size_t size)
{
    int lo = f->min, hi = f->max, step = 1;
    long slash = ifr_str_find_char(item, '/');
    ifr_str_t range = slash < 0 ? item : ifr_str_sub(item, 0, (size_t)slash);
    if (slash >= 0) {
        ifr_str_t st = ifr_str_sub(item, (size_t)slash + 1, item.len);
        int n = fn__cron_value(st, &(fn__cron_field_t){ f->what, 1, 1000, NULL }, &step);
        if (n < 0 || (size_t)n != st.len || step < 1) {
            snprintf(why, size, "%s: '%.*s' is not a step (a number from 1)", f->what, (int)st.len, st.ptr);
            return -1;
        }
    }
    if (!(ifr_str_eq_cstr(range, "*") || ifr_str_eq_cstr(range, "?"))) {
        int n = fn__cron_value(range, f, &lo);
        hi = lo;
        if (n > 0 && (size_t)n < range.len && range.ptr[n] == '-') {
            ifr_str_t rest = ifr_str_sub(range, (size_t)n + 1, range.len);
            int m = fn__cron_value(rest, f, &hi);
            n = m < 0 || (size_t)m != rest.len ? -1 : (int)range.len;
        } else if (n > 0 && slash >= 0) {
            hi = f->max;   /* N/STEP: from N to the end */
        }
        if (n < 0 || (size_t)n != range.len || lo < f->min || hi > f->max || lo > hi) {
            snprintf(why, size, "%s: '%.*s' is not a value or range from %d to %d", f->what, (int)range.len,
                     range.ptr, f->min, f->max);
            return -1;
        }
    }
    for (int v = lo; v <= hi; v += step) *set |= 1ull << (f->max == 7 && v == 7 ? 0 : v);
    return 0;
}

static int fn__cron_field(ifr_str_t text, const fn__cron_field_t *f, uint64_t *set, bool *star, char *why,
                          size_t size)
{
    *set = 0;
    *star = ifr_str_starts_with(text, IFR_LIT("*")) || ifr_str_starts_with(text, IFR_LIT("?"));
    while (text.len) {
        long comma = ifr_str_find_char(text, ',');
        ifr_str_t item = ifr_str_sub(text, 0, comma < 0 ? text.len : (size_t)comma);
        if (item.len == 0) {
            snprintf(why, size, "%s: an empty item in a list", f->what);
            return -1;
        }
        if (fn__cron_item(item, f, set, why, size) != 0) return -1;
        text = comma < 0 ? ifr_str(NULL, 0) : ifr_str_sub(text, (size_t)comma + 1, text.len);
        if (comma >= 0 && text.len == 0) {
            snprintf(why, size, "%s: a list ends with ','", f->what);
            return -1;
        }
    }
    return 0;
}

int fn_cron_parse(ifr_str_t text, fn_cron_spec_t *out, char *why, size_t size)
{
    static const char *const descriptors[][2] = {
        { "@yearly", "0 0 0 1 1 *" }, { "@annually", "0 0 0 1 1 *" }, { "@monthly", "0 0 0 1 * *" },
        { "@weekly", "0 0 0 * * 0" }, { "@daily", "0 0 0 * * *" },    { "@midnight", "0 0 0 * * *" },
        { "@hourly", "0 0 * * * *" },
    };
    memset(out, 0, sizeof *out);
    text = http_trim_ows(text);
    if (text.len && text.ptr[0] == '@') {
        for (size_t i = 0; i < sizeof descriptors / sizeof descriptors[0]; i++)
            if (ifr_str_eq_cstr(text, descriptors[i][0])) return fn_cron_parse(ifr_cstr(descriptors[i][1]), out, why, size);
        snprintf(why, size, "'%.*s' is not a descriptor (@yearly, @monthly, @weekly, @daily, @hourly, @every DUR)",
                 (int)(text.len > 40 ? 40 : text.len), text.ptr);
        return -1;
    }
    ifr_str_t parts[7];
    size_t n = 0;
    while (text.len && n < 7) {
        size_t i = 0;
        while (i < text.len && text.ptr[i] != ' ' && text.ptr[i] != '\t') i++;
        parts[n++] = ifr_str_sub(text, 0, i);
        text = http_trim_ows(ifr_str_sub(text, i, text.len));
    }
    if (text.len || (n != 5 && n != 6)) {
        snprintf(why, size, "a schedule has 6 fields (second minute hour day month weekday), 5 (no second), or is "
                 "a descriptor (@hourly, @every 10s)");
        return -1;
    }
    size_t first = n == 5 ? 1 : 0;   /* five fields: seconds 0 */
    uint64_t sets[6] = { 1, 0, 0, 0, 0, 0 };
    bool stars[6] = { false };
    for (size_t i = 0; i < n; i++)
        if (fn__cron_field(parts[i], &fn__cron_fields[first + i], &sets[first + i], &stars[first + i], why, size) != 0)
            return -1;
    out->second = sets[0];
    out->minute = sets[1];
    out->hour = (uint32_t)sets[2];
    out->dom = (uint32_t)sets[3];
    out->month = (uint16_t)sets[4];
    out->dow = (uint8_t)sets[5];
    out->dom_star = stars[3];
    out->dow_star = stars[5];
    return 0;
}

static bool fn__cron_day(const fn_cron_spec_t *s, const struct tm *t)
{
    bool dom = s->dom >> t->tm_mday & 1, dow = s->dow >> t->tm_wday & 1;
    return s->dom_star || s->dow_star ? dom && dow : dom || dow;
}

int64_t fn_cron_next(const fn_cron_spec_t *s, int64_t after_ms)
{
    if (s->every_ms > 0) return after_ms + s->every_ms;
    time_t t = (time_t)(after_ms / 1000) + 1;
    struct tm tm;
    localtime_r(&t, &tm);
    int limit = tm.tm_year + 5;
    tm.tm_isdst = -1;
    for (;;) {
        if (tm.tm_year > limit) return -1;
        if (!(s->month >> (tm.tm_mon + 1) & 1)) {
            tm.tm_mon++;
            tm.tm_mday = 1;
            tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
        } else if (!fn__cron_day(s, &tm)) {
            tm.tm_mday++;
            tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
        } else if (!(s->hour >> tm.tm_hour & 1)) {
            tm.tm_hour++;
            tm.tm_min = tm.tm_sec = 0;
        } else if (!(s->minute >> tm.tm_min & 1)) {
            tm.tm_min++;
            tm.tm_sec = 0;
        } else if (!(s->second >> tm.tm_sec & 1)) {
            tm.tm_sec++;
        } else {
            return (int64_t)mktime(&tm) * 1000;
        }
        /* Normalise (the 32nd of a month is the next month's 1st). */
        tm.tm_isdst = -1;
        time_t norm = mktime(&tm);
        localtime_r(&norm, &tm);
    }
}
