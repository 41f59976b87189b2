/* See http/response_parser.h: the upstream's response head, scanned as it
 * arrives, then parsed in one pass once complete. */
#include "http/response_parser.h"

#include "http/chars.h"

/* What the field lines said about framing and the connection. */
typedef struct {
    bool has_length;
    uint64_t length;
    bool has_te;
    bool te_chunked_last;
    bool conn_close;
    bool conn_keep_alive;
} http__resp_framing_t;

static http_resp_status_t http__resp_fail(http_resp_parser_t *p, const char *reason)
{
    p->reason = reason;
    return HTTP_RESP_ERROR;
}

void http_resp_parser_init(http_resp_parser_t *p, bool head_request)
{
    *p = (http_resp_parser_t){ .head_request = head_request };
}

static ifr_str_t http__resp_trim(ifr_str_t s)
{
    while (s.len && http_is_ows((unsigned char)s.ptr[0])) { s.ptr++; s.len--; }
    while (s.len && http_is_ows((unsigned char)s.ptr[s.len - 1])) s.len--;
    return s;
}

/* Lines end with LF, optionally preceded by CR: upstreams are lenient in
 * what they send (Go's and nginx's clients accept a bare LF too). A CR
 * anywhere else is refused, since other parsers may read it as a line end. */
static ifr_str_t http__resp_line(const char *buf, size_t start, size_t lf)
{
    size_t end = lf;
    if (end > start && buf[end - 1] == '\r') end--;
    return ifr_str(buf + start, end - start);
}

/* "HTTP/1.x SSS[ reason]" */
static int http__resp_status_line(ifr_str_t line, http_upstream_response_t *out)
{
    if (line.len < 12 || memcmp(line.ptr, "HTTP/1.", 7) != 0) return -1;
    if (line.ptr[7] != '0' && line.ptr[7] != '1') return -1;
    if (line.ptr[8] != ' ') return -1;
    uint64_t status;
    if (!ifr_str_to_u64(ifr_str_sub(line, 9, 12), 999, &status)) return -1;
    if (status < 100 || (line.len > 12 && line.ptr[12] != ' ')) return -1;
    for (size_t i = 12; i < line.len; i++)
        if (!http_is_field_char((unsigned char)line.ptr[i])) return -1;
    out->status = (int)status;
    out->version_minor = (uint8_t)(line.ptr[7] - '0');
    return 0;
}

static int http__resp_content_length(ifr_str_t v, http__resp_framing_t *f)
{
    uint64_t n;
    if (f->has_length || v.len > 18 || !ifr_str_to_u64(v, UINT64_MAX, &n)) return -1;
    f->has_length = true;
    f->length = n;
    return 0;
}

/* Walks a comma-separated list; for Transfer-Encoding only the last coding
 * matters (chunked must be last for the body to be chunked), for
 * Connection the close / keep-alive options. */
static void http__resp_list(ifr_str_t list, bool te, http__resp_framing_t *f)
{
    size_t start = 0;
    for (size_t i = 0; i <= list.len; i++) {
        if (i < list.len && list.ptr[i] != ',') continue;
        ifr_str_t item = http__resp_trim(ifr_str_sub(list, start, i));
        start = i + 1;
        if (!item.len) continue;
        if (te) f->te_chunked_last = ifr_str_eq_nocase(item, IFR_LIT("chunked"));
        else if (ifr_str_eq_nocase(item, IFR_LIT("close"))) f->conn_close = true;
        else if (ifr_str_eq_nocase(item, IFR_LIT("keep-alive"))) f->conn_keep_alive = true;
    }
}

static int http__resp_field(ifr_str_t line, http_header_t *h, http__resp_framing_t *f)
{
    if (http_is_ows((unsigned char)line.ptr[0])) return -1;   /* obs-fold */
    size_t i = 0;
    while (i < line.len && http_is_tchar((unsigned char)line.ptr[i])) i++;
    if (i == 0 || i == line.len || line.ptr[i] != ':') return -1;
    ifr_str_t value = http__resp_trim(ifr_str_sub(line, i + 1, line.len));
    if (!http_is_field_value(value.ptr, value.len)) return -1;
    h->name = ifr_str(line.ptr, i);
    h->value = value;
    if (ifr_str_eq_nocase(h->name, IFR_LIT("content-length"))) return http__resp_content_length(value, f);
    if (ifr_str_eq_nocase(h->name, IFR_LIT("transfer-encoding"))) {
        f->has_te = true;
        http__resp_list(value, true, f);
    } else if (ifr_str_eq_nocase(h->name, IFR_LIT("connection"))) {
        http__resp_list(value, false, f);
    }
    return 0;
}

/* RFC 9112 section 6.3, in its order. */
static int http__resp_settle(http_resp_parser_t *p, const http__resp_framing_t *f, http_upstream_response_t *out)
{
    int s = out->status;
    out->keep_alive = out->version_minor >= 1 ? !f->conn_close : (f->conn_keep_alive && !f->conn_close);
    if (f->has_te && f->has_length) return -1;   /* smuggling shape: refuse */
    if (p->head_request || (s >= 100 && s < 200) || s == 204 || s == 304) {
        out->body_kind = HTTP_BODY_NONE;
    } else if (f->has_te) {
        /* Not chunked last: the body runs until close. */
        out->body_kind = f->te_chunked_last ? HTTP_BODY_CHUNKED : HTTP_BODY_UNTIL_CLOSE;
    } else if (f->has_length) {
        out->body_kind = f->length ? HTTP_BODY_LENGTH : HTTP_BODY_NONE;
        out->content_length = f->length;
    } else {
        out->body_kind = HTTP_BODY_UNTIL_CLOSE;
    }
    if (out->body_kind == HTTP_BODY_UNTIL_CLOSE) out->keep_alive = false;
    return 0;
}

/* Parses the complete head buf[0..head_len). */
static http_resp_status_t http__resp_parse_head(http_resp_parser_t *p, const char *buf, size_t head_len,
                                          ifr_arena_t *a, http_upstream_response_t *out)
{
    *out = (http_upstream_response_t){ .head_len = head_len };
    size_t lf = (size_t)((const char *)memchr(buf, '\n', head_len) - buf);
    if (http__resp_status_line(http__resp_line(buf, 0, lf), out) < 0) return http__resp_fail(p, "malformed status line");
    if (p->fields) {
        out->headers.items = ifr_arena_alloc(a, p->fields * sizeof(http_header_t));
        if (!out->headers.items) return http__resp_fail(p, "out of memory");
        out->headers.cap = p->fields;
    }
    http__resp_framing_t f = { 0 };
    size_t start = lf + 1;
    while (start < head_len) {
        const char *nl = memchr(buf + start, '\n', head_len - start);
        ifr_str_t line = http__resp_line(buf, start, (size_t)(nl - buf));
        start = (size_t)(nl - buf) + 1;
        if (line.len == 0) break;
        http_header_t *h = &out->headers.items[out->headers.count];
        if (http__resp_field(line, h, &f) < 0) return http__resp_fail(p, "malformed header field");
        out->headers.count++;
    }
    if (http__resp_settle(p, &f, out) < 0) return http__resp_fail(p, "both Content-Length and Transfer-Encoding");
    return HTTP_RESP_COMPLETE;
}

void http_resp_rebase(http_upstream_response_t *r, const char *from, const char *to)
{
    for (uint32_t i = 0; i < r->headers.count; i++) {
        http_header_t *h = &r->headers.items[i];
        h->name.ptr = to + (h->name.ptr - from);
        h->value.ptr = to + (h->value.ptr - from);
    }
}

/* Checks the bytes buf[from, end) that hold no LF: no CR except one right
 * before the LF at end (or as the last byte so far, judged when its
 * successor arrives), and the lengths within their limits. */
static http_resp_status_t http__resp_scan_segment(http_resp_parser_t *p, const char *buf, size_t from, size_t end)
{
    for (const char *cr = memchr(buf + from, '\r', end - from); cr; cr = memchr(cr + 1, '\r', (size_t)(buf + end - cr - 1))) {
        size_t at = (size_t)(cr - buf);
        if (at + 1 == end) break;
        p->scanned = at;
        return http__resp_fail(p, "bare CR in response head");
    }
    if (end == from) return HTTP_RESP_INCOMPLETE;
    size_t last = end - 1;   /* the furthest byte of the line looked at */
    if (p->fields_start == 0 && last - p->line_start >= HTTP_RESP_MAX_STATUS_LINE + 1) {
        p->scanned = last;
        return http__resp_fail(p, "status line too long");
    }
    if (p->fields_start && last - p->fields_start >= HTTP_RESP_MAX_FIELD_SECTION) {
        p->scanned = last;
        return http__resp_fail(p, "response header section too large");
    }
    return HTTP_RESP_INCOMPLETE;
}

http_resp_status_t http_resp_parse(http_resp_parser_t *p, const char *buf, size_t len,
                                   ifr_arena_t *a, http_upstream_response_t *out)
{
    while (p->scanned < len) {
        /* Line by line with memchr: a head is scanned at memory speed. */
        const char *nl = memchr(buf + p->scanned, '\n', len - p->scanned);
        size_t i = nl ? (size_t)(nl - buf) : len;
        if (http__resp_scan_segment(p, buf, p->scanned, i) == HTTP_RESP_ERROR) return HTTP_RESP_ERROR;
        if (!nl) break;
        size_t line_len = http__resp_line(buf, p->line_start, i).len;
        p->scanned = i + 1;
        if (p->fields_start == 0) {
            if (line_len == 0) return http__resp_fail(p, "empty status line");
            p->fields_start = i + 1;
        } else if (line_len == 0) {
            return http__resp_parse_head(p, buf, i + 1, a, out);
        } else if (++p->fields > HTTP_RESP_MAX_FIELDS) {
            return http__resp_fail(p, "too many response header fields");
        }
        p->line_start = i + 1;
    }
    /* A CR as the very last byte is judged when its successor arrives. */
    p->scanned = len && buf[len - 1] == '\r' ? len - 1 : len;
    return HTTP_RESP_INCOMPLETE;
}
