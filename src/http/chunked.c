/* The chunked transfer coding; see http/chunked.h. */
#include "http/chunked.h"

#include "http/chars.h"

enum {
    HTTP__CH_SIZE,          /* hex digits of the chunk size */
    HTTP__CH_SIZE_WS,       /* BWS after the size, before ';' or CR */
    HTTP__CH_EXT,           /* chunk extensions up to CR */
    HTTP__CH_SIZE_LF,
    HTTP__CH_DATA,
    HTTP__CH_DATA_CR,
    HTTP__CH_DATA_LF,
    HTTP__CH_TRAILER_START, /* start of a trailer line, or the final CRLF */
    HTTP__CH_TRAILER,       /* inside a trailer field line */
    HTTP__CH_TRAILER_LF,
    HTTP__CH_FINAL_LF,
    HTTP__CH_DONE,
    HTTP__CH_FAILED
};

void http_chunked_decoder_init(http_chunked_decoder_t *d)
{
    *d = (http_chunked_decoder_t){ 0 };
}

static int http__hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static http_chunked_status_t http__chunk_fail(http_chunked_decoder_t *d, const char *why,
                                        size_t at, size_t *consumed)
{
    d->state = HTTP__CH_FAILED;
    d->error = why;
    *consumed = at;
    return HTTP_CHUNKED_ERROR;
}

/* Hands back trailer bytes in[from..to) without consuming more. */
static http_chunked_status_t http__trailer_piece(const char *in, size_t from, size_t to, size_t *consumed, ifr_str_t *data)
{
    *data = ifr_str(in + from, to - from);
    *consumed = to;
    return HTTP_CHUNKED_TRAILER;
}

http_chunked_status_t http_chunked_decode(http_chunked_decoder_t *d, const char *in, size_t len,
                                          size_t *consumed, ifr_str_t *data)
{
    size_t i = 0;
    size_t kept = SIZE_MAX;   /* keep_trailers: where this call's trailer bytes start */
    *data = IFR_NULL_STR;
    if (d->state == HTTP__CH_FAILED) return http__chunk_fail(d, d->error, 0, consumed);
    while (i < len) {
        unsigned char c = (unsigned char)in[i];
        if (d->keep_trailers && kept == SIZE_MAX && d->state >= HTTP__CH_TRAILER_START && d->state <= HTTP__CH_TRAILER_LF &&
            !(d->state == HTTP__CH_TRAILER_START && c == '\r'))
            kept = i;
        if (d->state == HTTP__CH_DATA) {
            size_t n = len - i;
            if (n > d->remaining) n = (size_t)d->remaining;
            *data = ifr_str(in + i, n);
            d->remaining -= n;
            if (d->remaining == 0) d->state = HTTP__CH_DATA_CR;
            *consumed = i + n;
            return HTTP_CHUNKED_DATA;
        }
        if (d->state <= HTTP__CH_EXT && ++d->line_bytes > HTTP_CHUNK_LINE_MAX)
            return http__chunk_fail(d, "chunk size line too long", i, consumed);
        switch (d->state) {
        case HTTP__CH_SIZE: {
            int v = http__hex_value(c);
            if (v >= 0) {
                /* 15 significant hex digits cap a chunk at 2^60 bytes: no
                 * overflow. Leading zeros are fine (RFC 9112 allows any
                 * number; the size line's length bounds them). */
                d->size_seen = true;
                if ((d->remaining || v) && ++d->size_digits > 15)
                    return http__chunk_fail(d, "chunk size too large", i, consumed);
                d->remaining = d->remaining * 16 + (uint64_t)v;
                break;
            }
            if (!d->size_seen) return http__chunk_fail(d, "invalid chunk size", i, consumed);
            if (c == '\r') d->state = HTTP__CH_SIZE_LF;
            else if (c == ';') d->state = HTTP__CH_EXT;
            else if (http_is_ows(c)) d->state = HTTP__CH_SIZE_WS;
            else return http__chunk_fail(d, "invalid chunk size", i, consumed);
            break;
        }
        case HTTP__CH_SIZE_WS:
            if (c == ';') d->state = HTTP__CH_EXT;
            else if (c == '\r') d->state = HTTP__CH_SIZE_LF;
            else if (!http_is_ows(c)) return http__chunk_fail(d, "invalid chunk extension", i, consumed);
            break;
        case HTTP__CH_EXT:
            if (c == '\r') d->state = HTTP__CH_SIZE_LF;
            else if (!http_is_field_char(c)) return http__chunk_fail(d, "invalid chunk extension", i, consumed);
            break;
        case HTTP__CH_SIZE_LF:
            if (c != '\n') return http__chunk_fail(d, "bare CR in chunk size line", i, consumed);
            d->line_bytes = 0;
            d->size_digits = 0;
            d->size_seen = false;
            d->state = d->remaining ? HTTP__CH_DATA : HTTP__CH_TRAILER_START;
            break;
        case HTTP__CH_DATA_CR:
            if (c != '\r') return http__chunk_fail(d, "chunk data longer than its size", i, consumed);
            d->state = HTTP__CH_DATA_LF;
            break;
        case HTTP__CH_DATA_LF:
            if (c != '\n') return http__chunk_fail(d, "bare CR after chunk data", i, consumed);
            d->state = HTTP__CH_SIZE;
            break;
        case HTTP__CH_TRAILER_START:
            if (c == '\r') {
                /* The kept lines go out before the final CRLF is read. */
                if (kept != SIZE_MAX) return http__trailer_piece(in, kept, i, consumed, data);
                d->state = HTTP__CH_FINAL_LF;
                break;
            }
            if (!http_is_tchar(c)) return http__chunk_fail(d, "invalid trailer field", i, consumed);
            if (++d->trailer_fields > HTTP_CHUNK_TRAILER_FIELDS)
                return http__chunk_fail(d, "too many trailer fields", i, consumed);
            d->in_name = 1;
            d->state = HTTP__CH_TRAILER;
            /* the byte counts toward the trailer size */
            __attribute__((fallthrough));
        case HTTP__CH_TRAILER:
            if (++d->trailer_bytes > HTTP_CHUNK_TRAILER_MAX)
                return http__chunk_fail(d, "trailer section too large", i, consumed);
            if (d->in_name) {
                if (c == ':') d->in_name = 0;
                else if (!http_is_tchar(c)) return http__chunk_fail(d, "invalid trailer field name", i, consumed);
            } else if (c == '\r') {
                d->state = HTTP__CH_TRAILER_LF;
            } else if (!http_is_field_char(c)) {
                return http__chunk_fail(d, "invalid trailer field value", i, consumed);
            }
            break;
        case HTTP__CH_TRAILER_LF:
            if (c != '\n') return http__chunk_fail(d, "bare CR in trailer", i, consumed);
            if (++d->trailer_bytes > HTTP_CHUNK_TRAILER_MAX)
                return http__chunk_fail(d, "trailer section too large", i, consumed);
            d->state = HTTP__CH_TRAILER_START;
            break;
        case HTTP__CH_FINAL_LF:
            if (c != '\n') return http__chunk_fail(d, "bare CR at end of chunked body", i, consumed);
            d->state = HTTP__CH_DONE;
            *consumed = i + 1;
            return HTTP_CHUNKED_END;
        case HTTP__CH_DONE:
            *consumed = i;
            return HTTP_CHUNKED_END;
        default:
            return http__chunk_fail(d, "decoder misuse", i, consumed);
        }
        i++;
    }
    if (kept != SIZE_MAX) return http__trailer_piece(in, kept, i, consumed, data);
    *consumed = i;
    return d->state == HTTP__CH_DONE ? HTTP_CHUNKED_END : HTTP_CHUNKED_AGAIN;
}

int http_chunked_trailers(ifr_str_t raw, ifr_arena_t *a, http_headers_t *out)
{
    /* The decoder checked the bytes; the bounds only guard other callers. */
    size_t pos = 0;
    while (pos < raw.len) {
        size_t colon = pos, eol;
        while (colon < raw.len && raw.ptr[colon] != ':') colon++;
        for (eol = colon; eol < raw.len && raw.ptr[eol] != '\r'; eol++) {}
        if (colon == pos || eol + 1 >= raw.len) return -1;
        ifr_str_t value = http_trim_ows(ifr_str_sub(raw, colon + 1, eol));
        if (http_headers_add(out, a, ifr_str_sub(raw, pos, colon), value) != 0) return -1;
        pos = eol + 2;
    }
    return 0;
}

size_t http_chunk_head(char *out, uint64_t n)
{
    static const char digits[] = "0123456789abcdef";
    char tmp[16];
    size_t k = 0;
    do {
        tmp[k++] = digits[n & 15];
        n >>= 4;
    } while (n);
    size_t len = 0;
    while (k) out[len++] = tmp[--k];
    out[len++] = '\r';
    out[len++] = '\n';
    return len;
}
