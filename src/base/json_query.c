/* Reading values out of a parsed JSON tree (json_read.h): member lookup
 * and exact 64-bit integers. Integers are read from the number's raw text,
 * never from the double, so 2^63-1 and 2^64-1 come out exact. */
#include "base/json_read.h"

const ifr_json_t *ifr_json_get(const ifr_json_t *obj, const char *key)
{
    if (!obj || !key || obj->type != IFR_JSON_OBJECT) return NULL;
    ifr_str_t k = ifr_cstr(key);
    for (size_t i = 0; i < obj->count; i++)
        if (ifr_str_eq(obj->members[i].key, k)) return &obj->members[i].value;
    return NULL;
}

/* The digits of a number with its decimal point removed: "12.50" is
 * "12" + "50". */
typedef struct {
    ifr_str_t int_part, frac_part;
} ifr__json_digits_t;

static unsigned ifr__json_digit_at(const ifr__json_digits_t *d, size_t i)
{
    char c = i < d->int_part.len ? d->int_part.ptr[i] : d->frac_part.ptr[i - d->int_part.len];
    return (unsigned)(c - '0');
}

/* The magnitude of a JSON number's raw text when it is an integer that fits
 * in 64 bits: "1.50e1" is 15, "1e3" is 1000, "1.5" and "1e20" are not.
 * The text was already checked against the JSON grammar by the parser. */
static bool ifr__json_integer_magnitude(ifr_str_t raw, bool *negative, uint64_t *out)
{
    const char *p = raw.ptr, *end = raw.ptr + raw.len;
    *negative = p < end && *p == '-';
    if (*negative) p++;
    ifr__json_digits_t d = { { p, 0 }, { p, 0 } };
    while (p < end && *p >= '0' && *p <= '9') p++;
    d.int_part.len = (size_t)(p - d.int_part.ptr);
    if (p < end && *p == '.') {
        d.frac_part.ptr = ++p;
        while (p < end && *p >= '0' && *p <= '9') p++;
        d.frac_part.len = (size_t)(p - d.frac_part.ptr);
    }
    /* Exponent, saturated: past 10^6 a non-zero value is out of range anyway. */
    long exp = 0;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        bool neg = p < end && *p == '-';
        if (p < end && (*p == '+' || *p == '-')) p++;
        for (; p < end; p++)
            if (exp < 1000000) exp = exp * 10 + (*p - '0');
        if (neg) exp = -exp;
    }
    /* value = digits * 10^shift */
    long shift = exp - (long)d.frac_part.len;
    size_t ndigits = d.int_part.len + d.frac_part.len;
    /* Digits a negative shift moves behind the point must all be zeros. */
    for (; shift < 0 && ndigits > 0; ndigits--, shift++)
        if (ifr__json_digit_at(&d, ndigits - 1) != 0) return false;
    uint64_t v = 0;
    for (size_t i = 0; i < ndigits; i++) {
        unsigned digit = ifr__json_digit_at(&d, i);
        if (v > (UINT64_MAX - digit) / 10) return false;
        v = v * 10 + digit;
    }
    for (; shift > 0 && v != 0; shift--) {
        if (v > UINT64_MAX / 10) return false;
        v *= 10;
    }
    *out = v;
    return true;
}

bool ifr_json_int64(const ifr_json_t *n, int64_t *out)
{
    bool negative;
    uint64_t mag;
    if (!n || n->type != IFR_JSON_NUMBER || !ifr__json_integer_magnitude(n->raw_number, &negative, &mag))
        return false;
    if (negative) {
        if (mag > (uint64_t)INT64_MAX + 1) return false;
        /* -2^63 has no positive counterpart: negate in unsigned arithmetic. */
        *out = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
    } else {
        if (mag > (uint64_t)INT64_MAX) return false;
        *out = (int64_t)mag;
    }
    return true;
}

bool ifr_json_uint64(const ifr_json_t *n, uint64_t *out)
{
    if (!n) return false;
    if (n->type == IFR_JSON_STRING) {
        /* wast2json's form: plain decimal digits, no sign, no spaces. */
        return ifr_str_to_u64(n->string, UINT64_MAX, out);
    }
    bool negative;
    uint64_t mag;
    if (n->type != IFR_JSON_NUMBER || !ifr__json_integer_magnitude(n->raw_number, &negative, &mag))
        return false;
    if (negative && mag != 0) return false;   /* "-0" is zero, and fine */
    *out = mag;
    return true;
}
