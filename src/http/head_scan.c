/* Step 1 of request parsing: find the end of the head, enforcing limits as
 * the bytes arrive. See http/request_parser.h. */
#include "http/request_parser.h"

/* RFC 9112 section 2.2 lets a server skip empty lines before the request
 * line (some clients send a CRLF after a POST body); a few are enough. */
#define SCAN_MAX_LEADING_EMPTY 8

void http_head_scan_init(http_head_scanner_t *s)
{
    *s = (http_head_scanner_t){ 0 };
}

static http_head_status_t scan_fail(http_head_scanner_t *s, int status, const char *reason)
{
    s->err.status = status;
    s->err.reason = reason;
    return HTTP_HEAD_ERROR;
}

http_head_status_t http_head_scan(http_head_scanner_t *s, const char *buf, size_t len)
{
    for (size_t i = s->scanned; i < len; i++) {
        unsigned char c = (unsigned char)buf[i];
        /* A CR must be followed by LF: a lone CR is a classic smuggling
         * vector because other parsers treat it as a line end. */
        if (i > 0 && buf[i - 1] == '\r' && c != '\n') {
            s->scanned = i;
            return scan_fail(s, 400, "bare CR in request head");
        }
        if (c != '\n') {
            if (s->fields_start == 0) {
                if (i - s->head_start >= HTTP_MAX_REQUEST_LINE + 1) {
                    s->scanned = i;
                    return scan_fail(s, 414, "request line too long");
                }
            } else if (i - s->fields_start >= HTTP_MAX_FIELD_SECTION) {
                s->scanned = i;
                return scan_fail(s, 431, "header section too large");
            }
            continue;
        }
        if (i == 0 || buf[i - 1] != '\r') {
            s->scanned = i;
            return scan_fail(s, 400, "bare LF in request head");
        }
        size_t line_len = i - 1 - s->line_start;   /* without CRLF */
        if (s->fields_start == 0) {
            if (line_len == 0) {
                if (i + 1 > 2 * SCAN_MAX_LEADING_EMPTY) {
                    s->scanned = i;
                    return scan_fail(s, 400, "too many empty lines before the request");
                }
                s->head_start = i + 1;
            } else if (line_len > HTTP_MAX_REQUEST_LINE) {
                s->scanned = i;
                return scan_fail(s, 414, "request line too long");
            } else {
                s->fields_start = i + 1;
            }
        } else if (line_len == 0) {
            s->scanned = s->head_end = i + 1;
            return HTTP_HEAD_COMPLETE;
        } else if (++s->fields > HTTP_MAX_FIELDS) {
            s->scanned = i;
            return scan_fail(s, 431, "too many header fields");
        }
        s->line_start = i + 1;
    }
    s->scanned = len;
    return HTTP_HEAD_INCOMPLETE;
}
