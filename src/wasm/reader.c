#include "wasm/reader.h"

#include <stdarg.h>
#include <stdio.h>

#include "base/utf8.h"

static bool iw__vfail(iw_reader_t *r, const uint8_t *at, const char *fmt, va_list ap)
{
    if (!r->failed) {
        r->failed = true;
        if (r->err) {
            r->err->offset = (uint64_t)(at - r->base);
            vsnprintf(r->err->message, sizeof r->err->message, fmt, ap);
        }
    }
    return false;
}

bool iw_fail(iw_reader_t *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    iw__vfail(r, r->p, fmt, ap);
    va_end(ap);
    return false;
}

bool iw_fail_at(iw_reader_t *r, const uint8_t *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    iw__vfail(r, at, fmt, ap);
    va_end(ap);
    return false;
}

bool iw_read_u8(iw_reader_t *r, uint8_t *out)
{
    if (r->failed) return false;
    if (r->p >= r->end) return iw_fail(r, "unexpected end of section or function");
    *out = *r->p++;
    return true;
}

/* LEB128 of at most `bits` bits: at most ceil(bits/7) bytes, and the unused
 * bits of the last byte must be zero (unsigned) or a sign extension. */
static bool iw__read_leb(iw_reader_t *r, unsigned bits, bool is_signed, uint64_t *out)
{
    if (r->failed) return false;
    uint64_t result = 0;
    unsigned shift = 0;
    unsigned max_bytes = (bits + 6) / 7;
    for (unsigned i = 0;; i++) {
        if (r->p >= r->end) return iw_fail(r, "unexpected end of section or function");
        if (i >= max_bytes) return iw_fail(r, "integer representation too long");
        uint8_t b = *r->p++;
        if (i == max_bytes - 1) {
            /* The bits of the last byte beyond `bits` must be all zero, or
             * for a signed number all equal to the sign bit. */
            unsigned used = bits - 7 * i;
            if (b & 0x80) return iw_fail(r, "integer representation too long");
            uint8_t extra = (uint8_t)(b >> (used - (is_signed ? 1 : 0)));
            uint8_t mask = (uint8_t)(0x7f >> (used - (is_signed ? 1 : 0)));
            if (is_signed ? (extra != 0 && extra != mask) : (extra != 0))
                return iw_fail(r, "integer too large");
        }
        result |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80)) break;
    }
    if (is_signed && shift < 64 && (result >> (shift - 1)) & 1) result |= ~0ull << shift;
    *out = result;
    return true;
}

bool iw_read_u32(iw_reader_t *r, uint32_t *out)
{
    uint64_t v;
    if (!iw__read_leb(r, 32, false, &v)) return false;
    *out = (uint32_t)v;
    return true;
}

bool iw_read_s32(iw_reader_t *r, int32_t *out)
{
    uint64_t v;
    if (!iw__read_leb(r, 32, true, &v)) return false;
    *out = (int32_t)(uint32_t)v;
    return true;
}

bool iw_read_s33(iw_reader_t *r, int64_t *out)
{
    uint64_t v;
    if (!iw__read_leb(r, 33, true, &v)) return false;
    *out = (int64_t)v;
    return true;
}

bool iw_read_s64(iw_reader_t *r, int64_t *out)
{
    uint64_t v;
    if (!iw__read_leb(r, 64, true, &v)) return false;
    *out = (int64_t)v;
    return true;
}

bool iw_read_bytes(iw_reader_t *r, size_t n, const uint8_t **out)
{
    if (r->failed) return false;
    if (iw_left(r) < n) return iw_fail(r, "unexpected end of section or function (length out of bounds)");
    *out = r->p;
    r->p += n;
    return true;
}

bool iw_read_name(iw_reader_t *r, const uint8_t **ptr, uint32_t *len)
{
    if (!iw_read_u32(r, len)) return false;
    if (!iw_read_bytes(r, *len, ptr)) return false;
    if (!ifr_utf8_valid(*ptr, *len)) return iw_fail(r, "malformed UTF-8 encoding");
    return true;
}

bool iw_read_count(iw_reader_t *r, uint32_t max, const char *what, uint32_t *out)
{
    if (!iw_read_u32(r, out)) return false;
    if (*out > max) return iw_fail(r, "too many %s (%u)", what, *out);
    if (*out > iw_left(r))
        return iw_fail(r, "unexpected end of section or function: %u %s cannot fit in it", *out, what);
    return true;
}
