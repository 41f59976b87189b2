/* Step 1 of request parsing: find the end of the head, enforcing limits as
 * the bytes arrive. See http/request_parser.h. */
#include "http/request_parser.h"

#include <string.h>

/* RFC 9112 section 2.2 lets a server skip empty lines before the request
 * line (some clients send a CRLF after a POST body); a few are enough. */
#define HTTP__SCAN_MAX_LEADING_EMPTY 8

void http_head_scan_init(http_head_scanner_t *s)
{
    *s = (http_head_scanner_t){ 0 };
}

/* Whether a finished request line can be an HTTP/1.x one: method SP
 * target SP "HTTP/". Anything else (an HTTP/0.9 "GET /", a stray line) is
 * refused now rather than after waiting for field lines that never come. */
static bool http__scan_request_line_shape(const char *line, size_t len)
{
    const char *sp1 = memchr(line, ' ', len);
    if (!sp1) return false;
    const char *sp2 = memchr(sp1 + 1, ' ', (size_t)(line + len - sp1 - 1));
    return sp2 && (size_t)(line + len - sp2 - 1) >= 5 && memcmp(sp2 + 1, "HTTP/", 5) == 0;
}

static http_head_status_t http__scan_fail(http_head_scanner_t *s, int status, const char *reason)
{
    s->err.status = status;
    s->err.reason = reason;
    return HTTP_HEAD_ERROR;
}

/* The first offset in [from, to), a stretch with no LF, where the head
 * must be refused: just after a CR not followed by LF (a lone CR is a
 * classic smuggling vector because other parsers treat it as a line end),
 * or past the size limit of the current part. Returns to if neither;
 * *status and *reason say which. */
static size_t http__scan_segment(const http_head_scanner_t *s, const char *buf, size_t from, size_t to,
                           int *status, const char **reason)
{
    size_t fail_at = to;
    /* A CR right before `from` (left by the previous call) counts too. */
    size_t cr_from = from > 0 ? from - 1 : 0;
    const char *cr = memchr(buf + cr_from, '\r', to - cr_from);
    if (cr && (size_t)(cr - buf) + 1 < to) {
        fail_at = (size_t)(cr - buf) + 1;
        *status = 400;
        *reason = "bare CR in request head";
    }
    /* With max_head, the whole head's cap (http_head_scan) replaces the
     * field section's. */
    size_t limit = s->fields_start == 0 ? s->head_start + HTTP_MAX_REQUEST_LINE + 1
                   : s->max_head        ? to
                                        : s->fields_start + HTTP_MAX_FIELD_SECTION;
    if (limit < from) limit = from;
    /* At equal offsets the CR rule came first. */
    if (limit < fail_at) {
        fail_at = limit;
        if (s->fields_start == 0) {
            *status = 414;
            *reason = "request line too long";
        } else {
            *status = 431;
            *reason = "header section too large";
        }
    }
    return fail_at;
}

http_head_status_t http_head_scan(http_head_scanner_t *s, const char *buf, size_t len)
{
    size_t i = s->scanned;
    while (i < len) {
        /* Jump from line end to line end; the bytes between only need the
         * CR and size rules, which memchr and arithmetic answer. */
        const char *nl = memchr(buf + i, '\n', len - i);
        size_t stop = nl ? (size_t)(nl - buf) : len;
        int status = 0;
        const char *reason = NULL;
        size_t fail_at = http__scan_segment(s, buf, i, stop, &status, &reason);
        if (fail_at < stop) {
            s->scanned = fail_at;
            return http__scan_fail(s, status, reason);
        }
        /* The bytes up to the line end (its LF included) within max_head. */
        if (s->max_head && (nl ? stop + 1 : stop) > s->head_start + s->max_head) {
            s->scanned = s->head_start + s->max_head;
            return http__scan_fail(s, 431, "request head larger than max_header_size");
        }
        if (!nl) break;
        i = stop;
        if (i == 0 || buf[i - 1] != '\r') {
            s->scanned = i;
            return http__scan_fail(s, 400, "bare LF in request head");
        }
        size_t line_len = i - 1 - s->line_start;   /* without CRLF */
        if (s->fields_start == 0) {
            if (line_len == 0) {
                if (i + 1 > 2 * HTTP__SCAN_MAX_LEADING_EMPTY) {
                    s->scanned = i;
                    return http__scan_fail(s, 400, "too many empty lines before the request");
                }
                s->head_start = i + 1;
            } else if (line_len > HTTP_MAX_REQUEST_LINE) {
                s->scanned = i;
                return http__scan_fail(s, 414, "request line too long");
            } else if (!http__scan_request_line_shape(buf + s->line_start, line_len)) {
                s->scanned = i;
                return http__scan_fail(s, 400, "not an HTTP/1.x request line (HTTP/0.9 is not served)");
            } else {
                s->fields_start = i + 1;
            }
        } else if (line_len == 0) {
            s->scanned = s->head_end = i + 1;
            return HTTP_HEAD_COMPLETE;
        } else if (++s->fields > HTTP_MAX_FIELDS) {
            s->scanned = i;
            return http__scan_fail(s, 431, "too many header fields");
        }
        s->line_start = ++i;
    }
    s->scanned = len;
    return HTTP_HEAD_INCOMPLETE;
}
