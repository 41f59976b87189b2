/* Step 2 of request parsing: a complete head into an http_request_t, with
 * every framing rule that keeps request smuggling out (RFC 9112 sections
 * 3, 5, 6 and 9.6). See http/request_parser.h. */
#include "http/request_parser.h"

#include <string.h>

#include "http/chars.h"
#include "http/host.h"

/* What the field lines said about framing and the connection. */
typedef struct {
    uint32_t hosts;
    bool has_length;
    uint64_t length;
    bool has_te;
    bool te_chunked_last;   /* the last coding seen so far is chunked */
    uint32_t te_chunked;    /* how many times chunked appeared */
    bool te_other;          /* a coding other than chunked appeared */
    bool conn_close;
    bool conn_keep_alive;
} http__framing_t;

static int http__fail(http_parse_error_t *err, int status, const char *reason)
{
    err->status = status;
    err->reason = reason;
    return -1;
}

static ifr_str_t http__trim_ows(ifr_str_t s)
{
    while (s.len && http_is_ows((unsigned char)s.ptr[0])) { s.ptr++; s.len--; }
    while (s.len && http_is_ows((unsigned char)s.ptr[s.len - 1])) s.len--;
    return s;
}

/* Calls fn for each non-empty element of a comma-separated list (RFC 9110
 * section 5.6.1: empty elements are ignored). Stops at a non-zero result. */
typedef int (*http__list_item_fn)(ifr_str_t item, http__framing_t *f, http_parse_error_t *err);

static int http__for_each_item(ifr_str_t list, http__list_item_fn fn, http__framing_t *f, http_parse_error_t *err)
{
    size_t start = 0;
    for (size_t i = 0; i <= list.len; i++) {
        if (i < list.len && list.ptr[i] != ',') continue;
        ifr_str_t item = http__trim_ows(ifr_str_sub(list, start, i));
        if (item.len && fn(item, f, err) < 0) return -1;
        start = i + 1;
    }
    return 0;
}

static int http__te_item(ifr_str_t coding, http__framing_t *f, http_parse_error_t *err)
{
    if (f->te_chunked_last) return http__fail(err, 400, "chunked is not the final transfer coding");
    if (ifr_str_eq_nocase(coding, IFR_LIT("chunked"))) {
        f->te_chunked++;
        f->te_chunked_last = true;
        return 0;
    }
    for (size_t i = 0; i < coding.len; i++)
        if (!http_is_tchar((unsigned char)coding.ptr[i]) && coding.ptr[i] != ';' &&
            !http_is_ows((unsigned char)coding.ptr[i]) && coding.ptr[i] != '=')
            return http__fail(err, 400, "invalid Transfer-Encoding");
    f->te_other = true;
    return 0;
}

static int http__connection_item(ifr_str_t option, http__framing_t *f, http_parse_error_t *err)
{
    (void)err;
    if (ifr_str_eq_nocase(option, IFR_LIT("close"))) f->conn_close = true;
    else if (ifr_str_eq_nocase(option, IFR_LIT("keep-alive"))) f->conn_keep_alive = true;
    return 0;
}

/* Content-Length = 1*DIGIT. A list ("5, 5") or a second field is refused
 * even when the values agree: only one reading of the framing is allowed. */
static int http__parse_content_length(ifr_str_t v, http__framing_t *f, http_parse_error_t *err)
{
    if (f->has_length) return http__fail(err, 400, "more than one Content-Length");
    uint64_t n;
    if (v.len > 18 || !ifr_str_to_u64(v, UINT64_MAX, &n)) return http__fail(err, 400, "invalid Content-Length");
    f->has_length = true;
    f->length = n;
    return 0;
}

/* Looks at the fields that change how the message is read. */
static int http__inspect_field(http_request_t *req, const http_header_t *h, http__framing_t *f,
                         http_parse_error_t *err)
{
    switch (h->name.len) {
    case 4:
        if (ifr_str_eq_nocase(h->name, IFR_LIT("host"))) {
            if (++f->hosts > 1) return http__fail(err, 400, "more than one Host");
            if (!http_host_valid(h->value)) return http__fail(err, 400, "invalid Host");
            req->host = h->value;
        }
        return 0;
    case 6:
        if (ifr_str_eq_nocase(h->name, IFR_LIT("expect"))) {
            if (!ifr_str_eq_nocase(h->value, IFR_LIT("100-continue")))
                return http__fail(err, 417, "unsupported expectation");
            req->expect_continue = true;
        }
        return 0;
    case 10:
        if (ifr_str_eq_nocase(h->name, IFR_LIT("connection")))
            return http__for_each_item(h->value, http__connection_item, f, err);
        return 0;
    case 14:
        if (ifr_str_eq_nocase(h->name, IFR_LIT("content-length")))
            return http__parse_content_length(h->value, f, err);
        return 0;
    case 17:
        if (ifr_str_eq_nocase(h->name, IFR_LIT("transfer-encoding"))) {
            f->has_te = true;
            return http__for_each_item(h->value, http__te_item, f, err);
        }
        return 0;
    default:
        return 0;
    }
}

/* name ":" OWS value OWS, the line without its CRLF. */
static int http__parse_field_line(ifr_str_t line, http_header_t *out, http_parse_error_t *err)
{
    if (http_is_ows((unsigned char)line.ptr[0]))
        return http__fail(err, 400, "obsolete line folding");
    size_t i = 0;
    while (i < line.len && http_is_tchar((unsigned char)line.ptr[i])) i++;
    if (i == 0 || i == line.len || line.ptr[i] != ':')
        return http__fail(err, 400, "invalid header field name");
    ifr_str_t value = http__trim_ows(ifr_str_sub(line, i + 1, line.len));
    for (size_t k = 0; k < value.len; k++)
        if (!http_is_field_char((unsigned char)value.ptr[k]))
            return http__fail(err, 400, "invalid byte in header field value");
    out->name = ifr_str(line.ptr, i);
    out->value = value;
    return 0;
}

/* Splits the request-target into path and query by its form (RFC 9112
 * section 3.2). The absolute form's authority replaces Host. */
static int http__parse_target(http_request_t *req, http_parse_error_t *err, ifr_str_t *authority)
{
    ifr_str_t t = req->target;
    *authority = IFR_NULL_STR;
    if (t.ptr[0] != '/') {
        if (ifr_str_eq(t, IFR_LIT("*"))) {
            if (!ifr_str_eq(req->method, IFR_LIT("OPTIONS")))
                return http__fail(err, 400, "asterisk-form target outside OPTIONS");
            req->path = t;
            req->query = ifr_str(t.ptr + t.len, 0);
            return 0;
        }
        size_t skip;
        if (t.len > 7 && ifr_str_eq_nocase(ifr_str(t.ptr, 7), IFR_LIT("http://"))) skip = 7;
        else if (t.len > 8 && ifr_str_eq_nocase(ifr_str(t.ptr, 8), IFR_LIT("https://"))) skip = 8;
        else return http__fail(err, 400, "invalid request target");
        size_t end = skip;
        while (end < t.len && t.ptr[end] != '/' && t.ptr[end] != '?') end++;
        *authority = ifr_str_sub(t, skip, end);
        /* Checked as Host is, and more: userinfo is refused (RFC 9110
         * section 4.2.4) and so is an empty host (section 4.2.1). */
        if (!http_host_valid(*authority) || authority->len == 0 || authority->ptr[0] == ':')
            return http__fail(err, 400, "invalid authority in request target");
        t = ifr_str_sub(t, end, t.len);
        if (t.len == 0 || t.ptr[0] == '?') {
            /* "http://a?x" means path "/" (RFC 9112 section 3.2.2). */
            long q = ifr_str_find_char(t, '?');
            req->path = IFR_LIT("/");
            req->query = q < 0 ? ifr_str(t.ptr, 0) : ifr_str_sub(t, (size_t)q + 1, t.len);
            return 0;
        }
    }
    long q = ifr_str_find_char(t, '?');
    if (q < 0) {
        req->path = t;
        req->query = ifr_str(t.ptr + t.len, 0);
    } else {
        req->path = ifr_str_sub(t, 0, (size_t)q);
        req->query = ifr_str_sub(t, (size_t)q + 1, t.len);
    }
    return 0;
}

/* method SP request-target SP HTTP-version, exactly one space each. */
static int http__parse_request_line(http_request_t *req, ifr_str_t line, http_parse_error_t *err)
{
    size_t i = 0;
    while (i < line.len && http_is_tchar((unsigned char)line.ptr[i])) i++;
    if (i == 0 || i == line.len || line.ptr[i] != ' ') return http__fail(err, 400, "invalid method");
    req->method = ifr_str(line.ptr, i);
    size_t t0 = ++i;
    while (i < line.len && http_is_target_char((unsigned char)line.ptr[i])) i++;
    if (i == t0 || i == line.len || line.ptr[i] != ' ') return http__fail(err, 400, "invalid request target");
    req->target = ifr_str(line.ptr + t0, i - t0);
    ifr_str_t v = ifr_str_sub(line, i + 1, line.len);
    if (v.len != 8 || memcmp(v.ptr, "HTTP/", 5) != 0 || v.ptr[6] != '.' ||
        v.ptr[5] < '0' || v.ptr[5] > '9' || v.ptr[7] < '0' || v.ptr[7] > '9')
        return http__fail(err, 400, "invalid HTTP version");
    if (v.ptr[5] != '1') return http__fail(err, 505, "unsupported HTTP major version");
    req->version_major = 1;
    /* 1.2 and later minors are read as 1.1, the highest we speak. */
    req->version_minor = v.ptr[7] == '0' ? 0 : 1;
    if (ifr_str_eq(req->method, IFR_LIT("CONNECT"))) return http__fail(err, 501, "CONNECT is not supported");
    return 0;
}

/* Decides how the body is framed once every field was seen. */
static int http__settle_framing(http_request_t *req, const http__framing_t *f, ifr_str_t authority,
                          http_parse_error_t *err)
{
    bool v11 = req->version_minor >= 1;
    if (authority.ptr) req->host = authority;
    if (v11 && f->hosts == 0) return http__fail(err, 400, "missing Host");
    if (f->has_te) {
        if (f->has_length) return http__fail(err, 400, "both Content-Length and Transfer-Encoding");
        if (!v11) return http__fail(err, 400, "Transfer-Encoding in an HTTP/1.0 request");
        if (f->te_chunked != 1 || !f->te_chunked_last)
            return http__fail(err, 400, "Transfer-Encoding must end with a single chunked");
        if (f->te_other) return http__fail(err, 501, "unsupported transfer coding");
        req->body_kind = HTTP_BODY_CHUNKED;
    } else if (f->has_length && f->length > 0) {
        req->body_kind = HTTP_BODY_LENGTH;
        req->content_length = f->length;
    }
    req->keep_alive = v11 ? !f->conn_close : (f->conn_keep_alive && !f->conn_close);
    /* Expect only means something to an HTTP/1.1 server from a 1.1 client. */
    if (!v11) req->expect_continue = false;
    return 0;
}

int http_request_parse(http_request_t *req, const char *head, size_t len, ifr_arena_t *a,
                       http_parse_error_t *err)
{
    *req = (http_request_t){ 0 };
    req->body_kind = HTTP_BODY_NONE;
    if (len < 4 || memcmp(head + len - 4, "\r\n\r\n", 4) != 0)
        return http__fail(err, 400, "incomplete request head");
    size_t lines = 0;
    for (const char *p = head; (p = memchr(p, '\n', (size_t)(head + len - p))); p++) lines++;
    uint32_t fields = (uint32_t)(lines - 2);   /* minus request line and empty line */
    if (fields > HTTP_MAX_FIELDS) return http__fail(err, 431, "too many header fields");

    const char *eol = memchr(head, '\r', len);
    if (!eol || eol[1] != '\n') return http__fail(err, 400, "bare CR in request line");
    if (http__parse_request_line(req, ifr_str(head, (size_t)(eol - head)), err) < 0) return -1;
    ifr_str_t authority;
    if (http__parse_target(req, err, &authority) < 0) return -1;

    /* One array for every field: no allocation per header. */
    req->headers.items = ifr_arena_alloc(a, (fields ? fields : 1) * sizeof(http_header_t));
    if (!req->headers.items) return http__fail(err, 500, "out of memory");
    req->headers.cap = fields ? fields : 1;

    http__framing_t f = { 0 };
    const char *p = eol + 2, *end = head + len - 2;
    while (p < end) {
        const char *cr = memchr(p, '\r', (size_t)(end - p));
        if (!cr || cr[1] != '\n') return http__fail(err, 400, "bare CR in header field");
        http_header_t *h = &req->headers.items[req->headers.count];
        if (http__parse_field_line(ifr_str(p, (size_t)(cr - p)), h, err) < 0) return -1;
        if (http__inspect_field(req, h, &f, err) < 0) return -1;
        req->headers.count++;
        p = cr + 2;
    }
    return http__settle_framing(req, &f, authority, err);
}
