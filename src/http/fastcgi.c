/* FastCGI records and the CGI head (fastcgi.h). */
#include "http/fastcgi.h"

#include <string.h>

#include "http/chars.h"

#define HTTP__FCGI_VERSION 1
#define HTTP__FCGI_RESPONDER 1
#define HTTP__FCGI_KEEP_CONN 1
#define HTTP__FCGI_PAIR_MAX 0x7fffffffu

static void http__fcgi_header(uint8_t h[HTTP_FCGI_HEADER_LEN], uint8_t type, uint16_t id, uint16_t len, uint8_t pad)
{
    h[0] = HTTP__FCGI_VERSION;
    h[1] = type;
    h[2] = (uint8_t)(id >> 8);
    h[3] = (uint8_t)id;
    h[4] = (uint8_t)(len >> 8);
    h[5] = (uint8_t)len;
    h[6] = pad;
    h[7] = 0;
}

int http_fcgi_begin_request(ifr_buf_t *b, uint16_t id, bool keep_conn)
{
    uint8_t rec[HTTP_FCGI_HEADER_LEN + 8] = { 0 };
    http__fcgi_header(rec, HTTP_FCGI_BEGIN_REQUEST, id, 8, 0);
    rec[HTTP_FCGI_HEADER_LEN + 1] = HTTP__FCGI_RESPONDER;   /* role, big-endian 16 bits */
    rec[HTTP_FCGI_HEADER_LEN + 2] = keep_conn ? HTTP__FCGI_KEEP_CONN : 0;
    return ifr_buf_append(b, rec, sizeof rec);
}

static size_t http__fcgi_length(uint8_t *p, size_t n)
{
    if (n < 128) {
        p[0] = (uint8_t)n;
        return 1;
    }
    p[0] = (uint8_t)(0x80 | (n >> 24));
    p[1] = (uint8_t)(n >> 16);
    p[2] = (uint8_t)(n >> 8);
    p[3] = (uint8_t)n;
    return 4;
}

int http_fcgi_pair(ifr_buf_t *b, ifr_str_t name, ifr_str_t value)
{
    if (name.len > HTTP__FCGI_PAIR_MAX || value.len > HTTP__FCGI_PAIR_MAX) return -1;
    uint8_t lens[8];
    size_t n = http__fcgi_length(lens, name.len);
    n += http__fcgi_length(lens + n, value.len);
    return ifr_buf_append(b, lens, n) | ifr_buf_append_str(b, name) | ifr_buf_append_str(b, value) ? -1 : 0;
}

size_t http_fcgi_stream_overhead(size_t len)
{
    if (len == 0) return HTTP_FCGI_HEADER_LEN;
    size_t full = len / HTTP_FCGI_MAX_CONTENT, rest = len % HTTP_FCGI_MAX_CONTENT;
    /* A full record's 65535 bytes take one byte of padding. */
    size_t over = full * (HTTP_FCGI_HEADER_LEN + 1);
    if (rest) over += HTTP_FCGI_HEADER_LEN + ((8 - rest % 8) % 8);
    return over;
}

int http_fcgi_stream(ifr_buf_t *b, uint8_t type, uint16_t id, const void *data, size_t len)
{
    static const uint8_t zeros[8];
    uint8_t h[HTTP_FCGI_HEADER_LEN];
    if (ifr_buf_reserve(b, len + http_fcgi_stream_overhead(len)) != 0) return -1;
    const uint8_t *p = data;   /* NULL when len is 0 */
    size_t off = 0;
    do {
        size_t n = len - off < HTTP_FCGI_MAX_CONTENT ? len - off : HTTP_FCGI_MAX_CONTENT;
        uint8_t pad = (uint8_t)((8 - n % 8) % 8);
        http__fcgi_header(h, type, id, (uint16_t)n, pad);
        if (ifr_buf_append(b, h, sizeof h) != 0 || (n && ifr_buf_append(b, p + off, n) != 0) ||
            ifr_buf_append(b, zeros, pad) != 0)
            return -1;
        off += n;
    } while (off < len);
    return 0;
}

void http_fcgi_reader_init(http_fcgi_reader_t *r, uint16_t id)
{
    *r = (http_fcgi_reader_t){ .id = id };
}

static http_fcgi_event_t http__fcgi_fail(http_fcgi_reader_t *r, const char *why)
{
    r->error = why;
    return HTTP_FCGI_ERROR;
}

/* A record header is complete in r->head: check it and start its content. */
static http_fcgi_event_t http__fcgi_start_record(http_fcgi_reader_t *r)
{
    const uint8_t *h = r->head;
    if (h[0] != HTTP__FCGI_VERSION) return http__fcgi_fail(r, "not FastCGI 1 (a record of another version)");
    uint16_t id = (uint16_t)(h[2] << 8 | h[3]);
    r->type = h[1];
    r->content_left = (uint32_t)(h[4] << 8 | h[5]);
    r->padding_left = h[6];
    r->head_len = 0;
    if (r->ended) return http__fcgi_fail(r, "a record after END_REQUEST");
    if (id != r->id) {
        if (id == 0 && r->type == HTTP_FCGI_UNKNOWN_TYPE)
            return http__fcgi_fail(r, "the application did not know a record type it was sent");
        return http__fcgi_fail(r, "a record for another request id");
    }
    switch (r->type) {
    case HTTP_FCGI_STDOUT:
        if (r->stdout_ended) return http__fcgi_fail(r, "STDOUT data after the end of STDOUT");
        if (r->content_left == 0) {
            r->stdout_ended = true;
            return HTTP_FCGI_STDOUT_END;
        }
        return HTTP_FCGI_AGAIN;
    case HTTP_FCGI_STDERR:
        if (r->stderr_ended) return http__fcgi_fail(r, "STDERR data after the end of STDERR");
        if (r->content_left == 0) r->stderr_ended = true;
        return HTTP_FCGI_AGAIN;
    case HTTP_FCGI_END_REQUEST:
        if (r->content_left != 8) return http__fcgi_fail(r, "an END_REQUEST record whose body is not 8 bytes");
        r->end_len = 0;
        return HTTP_FCGI_AGAIN;
    default:
        return http__fcgi_fail(r, "a record type an application does not send");
    }
}

http_fcgi_event_t http_fcgi_read(http_fcgi_reader_t *r, const void *data, size_t len, size_t *used, ifr_str_t *out)
{
    const uint8_t *p = data;
    size_t i = 0;
    *out = IFR_NULL_STR;
    if (r->error) {
        *used = 0;
        return HTTP_FCGI_ERROR;
    }
    http_fcgi_event_t ev = HTTP_FCGI_AGAIN;
    while (i < len && ev == HTTP_FCGI_AGAIN) {
        if (r->content_left == 0 && r->padding_left == 0 && r->head_len < HTTP_FCGI_HEADER_LEN) {
            size_t n = HTTP_FCGI_HEADER_LEN - r->head_len;
            if (n > len - i) n = len - i;
            memcpy(r->head + r->head_len, p + i, n);
            r->head_len = (uint8_t)(r->head_len + n);
            i += n;
            if (r->head_len == HTTP_FCGI_HEADER_LEN) ev = http__fcgi_start_record(r);
            continue;
        }
        if (r->content_left) {
            size_t n = r->content_left < len - i ? r->content_left : len - i;
            r->content_left -= (uint32_t)n;
            if (r->type == HTTP_FCGI_END_REQUEST) {
                memcpy(r->end_body + r->end_len, p + i, n);
                r->end_len = (uint8_t)(r->end_len + n);
            } else {
                *out = ifr_str((const char *)p + i, n);
                ev = r->type == HTTP_FCGI_STDOUT ? HTTP_FCGI_STDOUT_DATA : HTTP_FCGI_STDERR_DATA;
            }
            i += n;
        } else {
            size_t n = r->padding_left < len - i ? r->padding_left : len - i;
            r->padding_left = (uint8_t)(r->padding_left - n);
            i += n;
        }
        if (r->type == HTTP_FCGI_END_REQUEST && r->content_left == 0 && r->padding_left == 0 &&
            r->end_len == 8 && ev == HTTP_FCGI_AGAIN) {
            const uint8_t *e = r->end_body;
            r->app_status = (uint32_t)e[0] << 24 | (uint32_t)e[1] << 16 | (uint32_t)e[2] << 8 | e[3];
            r->protocol_status = e[4];
            r->ended = true;
            r->end_len = 0;
            ev = HTTP_FCGI_END;
        }
    }
    *used = i;
    return ev;
}

/* One CGI header line, without its line end: name, colon, value. */
static int http__fcgi_field(ifr_str_t line, ifr_arena_t *a, http_headers_t *h, const char **why)
{
    long colon = ifr_str_find_char(line, ':');
    if (colon <= 0) {
        *why = line.len && (line.ptr[0] == ' ' || line.ptr[0] == '\t') ? "a folded CGI header line"
                                                                         : "a CGI header line without a name";
        return -1;
    }
    for (long k = 0; k < colon; k++)
        if (!http_is_tchar((unsigned char)line.ptr[k])) {
            *why = "a CGI header name with a byte that is not a token";
            return -1;
        }
    ifr_str_t value = ifr_str_sub(line, (size_t)colon + 1, line.len);
    while (value.len && (value.ptr[0] == ' ' || value.ptr[0] == '\t')) value = ifr_str_sub(value, 1, value.len);
    while (value.len && (value.ptr[value.len - 1] == ' ' || value.ptr[value.len - 1] == '\t')) value.len--;
    if (!http_is_field_value(value.ptr, value.len)) {
        *why = "a CGI header value with a control byte";
        return -1;
    }
    if (h->count == HTTP_FCGI_HEAD_FIELDS) {
        *why = "more than 200 CGI header lines";
        return -1;
    }
    if (http_headers_add(h, a, ifr_str_sub(line, 0, (size_t)colon), value) != 0) {
        *why = "out of memory";
        return -1;
    }
    return 0;
}

/* Status: "404", "404 Not Found". 0 when it is not three digits. */
static int http__fcgi_status(ifr_str_t v)
{
    uint64_t s;
    if (v.len < 3 || (v.len > 3 && v.ptr[3] != ' ')) return 0;
    return ifr_str_to_u64(ifr_str(v.ptr, 3), 999, &s) ? (int)s : 0;
}

/* Status, Content-Length and Transfer-Encoding decide the response. */
static int http__fcgi_frame(http_upstream_response_t *out, bool head_request, const char **why)
{
    const http_header_t *status = http_headers_get(&out->headers, IFR_LIT("status"));
    out->status = 200;
    if (status) {
        out->status = http__fcgi_status(status->value);
        if (out->status < 200 || out->status > 599) {
            *why = "a CGI Status that is not a code from 200 to 599";
            return -1;
        }
    } else if (http_headers_get(&out->headers, IFR_LIT("location"))) {
        out->status = 302;   /* a client redirect (RFC 3875 6.2.3) */
    }
    if (http_headers_get(&out->headers, IFR_LIT("transfer-encoding"))) {
        *why = "a CGI response with Transfer-Encoding (its body ends with standard output)";
        return -1;
    }
    out->body_kind = HTTP_BODY_UNTIL_CLOSE;
    const http_header_t *cl = NULL;
    for (uint32_t k = 0; k < out->headers.count; k++) {
        const http_header_t *f = &out->headers.items[k];
        if (!ifr_str_eq_nocase(f->name, IFR_LIT("content-length"))) continue;
        if (cl && !ifr_str_eq(cl->value, f->value)) {
            *why = "two different CGI Content-Length values";
            return -1;
        }
        cl = f;
    }
    if (cl) {
        uint64_t n;
        bool fits;
        if (ifr_str_digits(cl->value, &n, &fits) != cl->value.len || !cl->value.len || !fits) {
            *why = "a CGI Content-Length that is not a number";
            return -1;
        }
        out->body_kind = HTTP_BODY_LENGTH;
        out->content_length = n;
    }
    if (head_request || out->status == 204 || out->status == 304) out->body_kind = HTTP_BODY_NONE;
    return 0;
}

http_fcgi_head_status_t http_fcgi_head(const char *buf, size_t len, bool head_request, ifr_arena_t *a,
                                       http_upstream_response_t *out, const char **why)
{
    size_t limit = len < HTTP_FCGI_HEAD_MAX ? len : HTTP_FCGI_HEAD_MAX;
    /* Find the empty line first: most heads arrive whole, and a partial
     * one is looked at again from the start (it is small). */
    size_t end = 0;
    if (len >= 1 && buf[0] == '\n') end = 1;   /* a head that is nothing but its empty line */
    else if (len >= 2 && buf[0] == '\r' && buf[1] == '\n') end = 2;
    for (size_t i = 0; i < limit && !end; i++) {
        if (buf[i] != '\n') continue;
        if (i + 1 < len && buf[i + 1] == '\n') end = i + 2;
        else if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n') end = i + 3;
    }
    if (!end) {
        if (len < HTTP_FCGI_HEAD_MAX) return HTTP_FCGI_HEAD_AGAIN;
        *why = "a CGI head larger than 64 KiB";
        return HTTP_FCGI_HEAD_ERROR;
    }
    *out = (http_upstream_response_t){ .head_len = end };
    size_t start = 0;
    while (start < end) {
        const char *nl = memchr(buf + start, '\n', end - start);
        size_t stop = (size_t)(nl - buf);
        ifr_str_t line = ifr_str(buf + start, stop - start);
        if (line.len && line.ptr[line.len - 1] == '\r') line.len--;
        start = stop + 1;
        if (line.len == 0) break;
        if (http__fcgi_field(line, a, &out->headers, why) != 0) return HTTP_FCGI_HEAD_ERROR;
    }
    return http__fcgi_frame(out, head_request, why) == 0 ? HTTP_FCGI_HEAD_DONE : HTTP_FCGI_HEAD_ERROR;
}
