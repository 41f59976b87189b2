/* The cgi protocol's pieces: CGI/1.1 variables (RFC 3875) for the guest's
 * environment and the sniffed Content-Type of its output. */
#include <stdio.h>
#include <string.h>

#include "base/json_read.h"
#include "fn/fn_proto.h"

/* prefix + name + "=" + value, in one arena allocation. Built by hand, not
 * with ifr_arena_printf: this runs for every variable of every request, and
 * formatting each twice (measure, then write) was a tenth of a hello
 * function's time on the worker. */
static char *fn__cgi_kv(ifr_arena_t *a, const char *prefix, ifr_str_t name, ifr_str_t value)
{
    size_t plen = strlen(prefix);
    char *kv = ifr_arena_alloc(a, plen + name.len + value.len + 2);
    if (!kv) return NULL;
    char *p = kv;
    memcpy(p, prefix, plen);
    p += plen;
    if (name.len) memcpy(p, name.ptr, name.len);
    p += name.len;
    *p++ = '=';
    if (value.len) memcpy(p, value.ptr, value.len);
    p[value.len] = 0;
    return kv;
}

static int fn__cgi_add(ifr_arena_t *a, int (*add)(void *, const char *), void *ud, const char *name,
                      ifr_str_t value)
{
    char *kv = fn__cgi_kv(a, "", ifr_cstr(name), value);
    return kv ? add(ud, kv) : -1;
}

/* HTTP_ + the name upper-cased with '-' as '_' (RFC 3875 4.1.18). */
static int fn__cgi_add_header(ifr_arena_t *a, int (*add)(void *, const char *), void *ud, ifr_str_t name,
                             ifr_str_t value)
{
    char *kv = fn__cgi_kv(a, "HTTP_", name, value);
    if (!kv) return -1;
    for (char *v = kv + 5; v < kv + 5 + name.len; v++)
        *v = *v == '-' ? '_' : (*v >= 'a' && *v <= 'z') ? (char)(*v - 32) : *v;
    return add(ud, kv);
}

/* n in decimal, at the end of buf: without snprintf, for the same reason. */
static ifr_str_t fn__cgi_decimal(char *buf, size_t size, uint64_t n)
{
    size_t k = size;
    do {
        buf[--k] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    return ifr_str(buf + k, size - k);
}

int fn_cgi_env(route_exchange_t *x, uint64_t body_len, int (*add)(void *ud, const char *kv), void *ud)
{
    const http_request_t *r = x->req;
    ifr_arena_t *a = x->arena;
    char num[24];
    int rc = 0;
    rc |= fn__cgi_add(a, add, ud, "REQUEST_METHOD", r->method);
    rc |= fn__cgi_add(a, add, ud, "REQUEST_URI", x->orig_uri.len ? x->orig_uri : r->target);
    rc |= fn__cgi_add(a, add, ud, "PATH_INFO", r->path);
    rc |= fn__cgi_add(a, add, ud, "QUERY_STRING", r->query);
    rc |= fn__cgi_add(a, add, ud, "CONTENT_LENGTH", fn__cgi_decimal(num, sizeof num, body_len));
    const http_header_t *ct = http_headers_get(&r->headers, IFR_LIT("Content-Type"));
    rc |= fn__cgi_add(a, add, ud, "CONTENT_TYPE", ct ? ct->value : IFR_LIT(""));
    rc |= fn__cgi_add(a, add, ud, "REMOTE_ADDR", x->conn->remote_ip);
    rc |= fn__cgi_add(a, add, ud, "REMOTE_PORT", fn__cgi_decimal(num, sizeof num, x->conn->remote_port));
    rc |= fn__cgi_add(a, add, ud, "SERVER_PORT", fn__cgi_decimal(num, sizeof num, x->conn->local_port));
    snprintf(num, sizeof num, "HTTP/%u.%u", r->version_major, r->version_minor);
    rc |= fn__cgi_add(a, add, ud, "SERVER_PROTOCOL", ifr_cstr(num));
    for (uint32_t i = 0; i < r->headers.count && rc == 0; i++) {
        ifr_str_t name = r->headers.items[i].name;
        if (ifr_str_eq_nocase(name, IFR_LIT("Content-Type")) || ifr_str_eq_nocase(name, IFR_LIT("Content-Length")))
            continue;   /* they have their own variables */
        bool seen = false;
        for (uint32_t j = 0; j < i && !seen; j++) seen = ifr_str_eq_nocase(r->headers.items[j].name, name);
        if (seen) continue;
        /* Repeated fields become one variable, values joined as HTTP allows. */
        ifr_str_t value = r->headers.items[i].value;
        for (uint32_t j = i + 1; j < r->headers.count; j++) {
            if (!ifr_str_eq_nocase(r->headers.items[j].name, name)) continue;
            ifr_str_t more = r->headers.items[j].value;
            char *joined = ifr_arena_printf(a, "%.*s, %.*s", (int)value.len, value.ptr, (int)more.len, more.ptr);
            if (!joined) return -1;
            value = ifr_cstr(joined);
        }
        rc |= fn__cgi_add_header(a, add, ud, name, value);
    }
    return rc ? -1 : 0;
}

ifr_str_t fn_sniff_content_type(ifr_str_t out, bool complete)
{
    static const ifr_str_t json = IFR_LIT("application/json");
    static const ifr_str_t text = IFR_LIT("text/plain; charset=utf-8");
    size_t i = 0;
    while (i < out.len && (out.ptr[i] == ' ' || out.ptr[i] == '\t' || out.ptr[i] == '\n' || out.ptr[i] == '\r'))
        i++;
    if (i == out.len || (out.ptr[i] != '{' && out.ptr[i] != '[')) return text;
    if (!complete) return json;
    ifr_arena_t scratch;
    ifr_arena_init(&scratch, 0);
    ifr_json_error_t err;
    bool ok = ifr_json_parse(&scratch, out.ptr, out.len, &err) != NULL;
    ifr_arena_destroy(&scratch);
    return ok ? json : text;
}
