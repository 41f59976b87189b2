/* The json protocol, Gojinn's contract: the request goes to the guest as
 *   {"method":"POST","uri":"/p?q","headers":{"Name":["v1","v2"]},"body":"..."}
 * and the guest answers with
 *   {"status":200,"headers":{"Name":["v"]},"body":"..."}
 * Header names are written as Go's net/http keeps them (canonical form,
 * repeated fields grouped), so guests written for Gojinn read them alike. */
#include <stdio.h>

#include "base/json.h"
#include "base/json_read.h"
#include "fn/fn_proto.h"

void fn_canonical_header(char *name, size_t len)
{
    bool upper = true;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (upper && c >= 'a' && c <= 'z') c = (char)(c - 32);
        else if (!upper && c >= 'A' && c <= 'Z') c = (char)(c + 32);
        name[i] = c;
        upper = c == '-';
    }
}

int fn_json_request(ifr_buf_t *b, ifr_arena_t *scratch, const http_request_t *req, ifr_str_t uri,
                    ifr_str_t body)
{
    int rc = ifr_buf_append_cstr(b, "{\"method\":");
    rc |= ifr_json_append_string(b, req->method);
    rc |= ifr_buf_append_cstr(b, ",\"uri\":");
    rc |= ifr_json_append_string(b, uri);
    rc |= ifr_buf_append_cstr(b, ",\"headers\":{");
    bool first = true;
    for (uint32_t i = 0; i < req->headers.count; i++) {
        ifr_str_t name = req->headers.items[i].name;
        bool seen = false;
        for (uint32_t j = 0; j < i && !seen; j++) seen = ifr_str_eq_nocase(req->headers.items[j].name, name);
        if (seen) continue;
        char *canon = ifr_arena_strndup(scratch, name.ptr, name.len);
        if (!canon) return -1;
        fn_canonical_header(canon, name.len);
        rc |= ifr_buf_append_cstr(b, first ? "" : ",");
        rc |= ifr_json_append_string(b, ifr_str(canon, name.len));
        rc |= ifr_buf_append_cstr(b, ":[");
        bool first_value = true;
        for (uint32_t j = i; j < req->headers.count; j++) {
            if (!ifr_str_eq_nocase(req->headers.items[j].name, name)) continue;
            rc |= ifr_buf_append_cstr(b, first_value ? "" : ",");
            rc |= ifr_json_append_string(b, req->headers.items[j].value);
            first_value = false;
        }
        rc |= ifr_buf_append_cstr(b, "]");
        first = false;
    }
    rc |= ifr_buf_append_cstr(b, "},\"body\":");
    rc |= ifr_json_append_string(b, body);
    rc |= ifr_buf_append_cstr(b, "}");
    return rc ? -1 : 0;
}

static int fn__reply_fail(char *why, size_t size, const char *msg)
{
    snprintf(why, size, "%s", msg);
    return -1;
}

static int fn__reply_headers(ifr_arena_t *a, const ifr_json_t *h, fn_json_reply_t *r, char *why, size_t size)
{
    if (h->type != IFR_JSON_OBJECT) return fn__reply_fail(why, size, "\"headers\" is not an object");
    for (size_t i = 0; i < h->count; i++) {
        const ifr_json_member_t *m = &h->members[i];
        if (m->value.type != IFR_JSON_ARRAY) {
            snprintf(why, size, "header \"%.*s\": value is not an array of strings", (int)m->key.len, m->key.ptr);
            return -1;
        }
        for (size_t j = 0; j < m->value.count; j++) {
            const ifr_json_t *v = &m->value.items[j];
            if (v->type != IFR_JSON_STRING) {
                snprintf(why, size, "header \"%.*s\": value is not an array of strings", (int)m->key.len, m->key.ptr);
                return -1;
            }
            if (http_headers_add(&r->headers, a, m->key, v->string) < 0)
                return fn__reply_fail(why, size, "out of memory");
        }
    }
    return 0;
}

int fn_json_reply_parse(ifr_arena_t *a, ifr_str_t out, fn_json_reply_t *r, char *why, size_t size)
{
    *r = (fn_json_reply_t){ .status = 200, .body = IFR_LIT("") };
    ifr_json_error_t err;
    const ifr_json_t *doc = ifr_json_parse(a, out.ptr, out.len, &err);
    if (!doc) {
        snprintf(why, size, "output is not JSON (at byte %zu: %s)", err.offset, err.message);
        return -1;
    }
    if (doc->type != IFR_JSON_OBJECT) return fn__reply_fail(why, size, "output is not a JSON object");
    const ifr_json_t *status = ifr_json_get(doc, "status");
    if (status) {
        int64_t s;
        if (!ifr_json_int64(status, &s) || s < 100 || s > 599)
            return fn__reply_fail(why, size, "\"status\" is not an integer from 100 to 599");
        r->status = (int)s;
    }
    const ifr_json_t *headers = ifr_json_get(doc, "headers");
    if (headers && headers->type != IFR_JSON_NULL && fn__reply_headers(a, headers, r, why, size) < 0) return -1;
    const ifr_json_t *body = ifr_json_get(doc, "body");
    if (body && body->type != IFR_JSON_NULL) {
        if (body->type != IFR_JSON_STRING) return fn__reply_fail(why, size, "\"body\" is not a string");
        r->body = body->string;
    }
    return 0;
}
