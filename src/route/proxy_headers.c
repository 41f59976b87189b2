/* See proxy_headers.h. */
#include "route/proxy_headers.h"

#include <string.h>

#include "route/client_ip.h"

/* By length first: every field of every proxied message passes here. */
bool route_proxy_is_hop_field(ifr_str_t n)
{
    switch (n.len) {
    case 2: return ifr_str_eq_nocase(n, IFR_LIT("te"));
    case 7: return ifr_str_eq_nocase(n, IFR_LIT("trailer")) || ifr_str_eq_nocase(n, IFR_LIT("upgrade"));
    case 10: return ifr_str_eq_nocase(n, IFR_LIT("connection")) || ifr_str_eq_nocase(n, IFR_LIT("keep-alive"));
    case 14: return ifr_str_eq_nocase(n, IFR_LIT("content-length"));
    case 16: return ifr_str_eq_nocase(n, IFR_LIT("proxy-connection"));
    case 17: return ifr_str_eq_nocase(n, IFR_LIT("transfer-encoding"));
    case 18: return ifr_str_eq_nocase(n, IFR_LIT("proxy-authenticate"));
    case 19: return ifr_str_eq_nocase(n, IFR_LIT("proxy-authorization"));
    default: return false;
    }
}

/* RFC 9110 section 6.5.1: a trailer must not carry what frames, routes or
 * authenticates the message, nor request or response controls, because the
 * recipient acted on those before the trailer came. These are Go's
 * (httpguts.ValidTrailerHeader) minus the hop-by-hop ones, which are
 * dropped anyway, plus the cookies. */
static bool route__hdr_never_trailer(ifr_str_t n)
{
    switch (n.len) {
    case 4: return ifr_str_eq_nocase(n, IFR_LIT("host"));
    case 5: return ifr_str_eq_nocase(n, IFR_LIT("range"));
    case 6:
        return ifr_str_eq_nocase(n, IFR_LIT("cookie")) || ifr_str_eq_nocase(n, IFR_LIT("expect")) ||
               ifr_str_eq_nocase(n, IFR_LIT("pragma"));
    case 10: return ifr_str_eq_nocase(n, IFR_LIT("set-cookie"));
    case 12: return ifr_str_eq_nocase(n, IFR_LIT("max-forwards")) || ifr_str_eq_nocase(n, IFR_LIT("content-type"));
    case 13:
        return ifr_str_eq_nocase(n, IFR_LIT("authorization")) || ifr_str_eq_nocase(n, IFR_LIT("cache-control")) ||
               ifr_str_eq_nocase(n, IFR_LIT("content-range"));
    case 16:
        return ifr_str_eq_nocase(n, IFR_LIT("content-encoding")) ||
               ifr_str_eq_nocase(n, IFR_LIT("www-authenticate"));
    default: return false;
    }
}

/* Does any field called field in h list token? */
static bool route__hdr_lists_token(const http_headers_t *h, ifr_str_t field, ifr_str_t token)
{
    for (uint32_t i = 0; i < h->count; i++)
        if (ifr_str_eq_nocase(h->items[i].name, field) && http_list_has(h->items[i].value, token)) return true;
    return false;
}

/* Is name listed in any Connection field of h? Those are hop-by-hop too. */
static bool route__hdr_named_by_connection(const http_headers_t *h, ifr_str_t name)
{
    return route__hdr_lists_token(h, IFR_LIT("connection"), name);
}

bool route_proxy_upgrade_requested(const http_request_t *req)
{
    return req->body_kind == HTTP_BODY_NONE && http_headers_get(&req->headers, IFR_LIT("upgrade")) &&
           route__hdr_named_by_connection(&req->headers, IFR_LIT("upgrade"));
}

/* The names the Connection fields of h list, collected once per message
 * (the usual "keep-alive" / "close" options name no field worth a compare). */
typedef struct {
    ifr_str_t names[8];
    size_t count;
    bool overflow;   /* more than fit: ask route__hdr_named_by_connection */
} route__hdr_conn_names_t;

static void route__hdr_conn_names(const http_headers_t *h, route__hdr_conn_names_t *o)
{
    o->count = 0;
    o->overflow = false;
    for (uint32_t i = 0; i < h->count; i++) {
        if (!ifr_str_eq_nocase(h->items[i].name, IFR_LIT("connection"))) continue;
        ifr_str_t v = h->items[i].value;
        size_t start = 0;
        for (size_t k = 0; k <= v.len; k++) {
            if (k < v.len && v.ptr[k] != ',') continue;
            ifr_str_t item = ifr_str_sub(v, start, k);
            start = k + 1;
            while (item.len && item.ptr[0] == ' ') { item.ptr++; item.len--; }
            while (item.len && item.ptr[item.len - 1] == ' ') item.len--;
            if (!item.len || ifr_str_eq_nocase(item, IFR_LIT("keep-alive")) || ifr_str_eq_nocase(item, IFR_LIT("close")))
                continue;
            if (o->count == sizeof o->names / sizeof *o->names) o->overflow = true;
            else o->names[o->count++] = item;
        }
    }
}

static bool route__hdr_conn_named(const route__hdr_conn_names_t *o, const http_headers_t *h, ifr_str_t name)
{
    if (o->overflow) return route__hdr_named_by_connection(h, name);
    for (size_t i = 0; i < o->count; i++)
        if (o->names[i].len == name.len && ifr_str_eq_nocase(o->names[i], name)) return true;
    return false;
}

/* keep_trailer: a final response's Trailer field (the names its trailer
 * section will carry) goes on, as Go's proxy announces them again. */
static int route__hdr_copy_end_to_end(ifr_arena_t *a, const http_headers_t *in, http_headers_t *out, bool keep_trailer)
{
    route__hdr_conn_names_t conn;
    route__hdr_conn_names(in, &conn);
    if (!out->cap) {   /* one allocation for the usual case */
        uint32_t cap = in->count + 4;
        out->items = ifr_arena_alloc(a, cap * sizeof(http_header_t));
        if (!out->items) return -1;
        out->cap = cap;
    }
    for (uint32_t i = 0; i < in->count; i++) {
        const http_header_t *h = &in->items[i];
        if (route_proxy_is_hop_field(h->name) && !(keep_trailer && ifr_str_eq_nocase(h->name, IFR_LIT("trailer"))))
            continue;
        if (conn.count && route__hdr_conn_named(&conn, in, h->name)) continue;
        if (http_headers_add(out, a, h->name, h->value) != 0) return -1;
    }
    return 0;
}

/* Renders a rule's value: request placeholders, then the upstream's own,
 * which the generic placeholder code cannot know. */
static int route__hdr_render(route_exchange_t *x, const void *upstream, const route_tmpl_t *t, ifr_str_t *out)
{
    const route_proxy_upstream_t *u = upstream;
    if (route_tmpl_render(x, t, out) != 0) return -1;
    if (ifr_str_find_char(*out, '{') < 0) return 0;
    if (route_hdr_replace_all(x->arena, *out, IFR_LIT("{upstream_hostport}"), u->hostport, out) != 0) return -1;
    return route_hdr_replace_all(x->arena, *out, IFR_LIT("{http.reverse_proxy.upstream.hostport}"), u->hostport, out);
}

/* The last non-empty value of a field the client sent, or an empty slice. */
static ifr_str_t route__hdr_last_value(const http_headers_t *h, ifr_str_t name)
{
    for (uint32_t i = h->count; i-- > 0;)
        if (ifr_str_eq_nocase(h->items[i].name, name)) return h->items[i].value;
    return IFR_LIT("");
}

/* X-Forwarded-For / -Proto / -Host, as Caddy sets them: from an untrusted
 * peer, the peer's address, the scheme and the Host, replacing what came;
 * from a trusted one (the directive's trusted_proxies, or the server's
 * when the directive has none), the client's X-Forwarded-For values
 * joined with ", " and the peer appended, and its last X-Forwarded-Proto
 * and X-Forwarded-Host kept when not empty. */
static int route__hdr_forwarded(route_exchange_t *x, const route_proxy_conf_t *c, http_headers_t *out)
{
    const http_request_t *req = x->req;
    bool trusted = c->trusted_proxies.count ? route_cidrs_contain(&c->trusted_proxies, x->conn->remote_ip)
                                            : route_peer_trusted(x);
    ifr_str_t xff = x->conn->remote_ip;
    ifr_str_t proto = x->conn->tls ? IFR_LIT("https") : IFR_LIT("http");
    ifr_str_t host = req->host;
    if (trusted) {
        size_t len = 0, n = 0;
        for (uint32_t i = 0; i < req->headers.count; i++)
            if (ifr_str_eq_nocase(req->headers.items[i].name, IFR_LIT("x-forwarded-for"))) {
                len += req->headers.items[i].value.len + 2;
                n++;
            }
        if (n) {
            char *buf = ifr_arena_alloc(x->arena, len + xff.len + 1);
            if (!buf) return -1;
            size_t off = 0, seen = 0;
            for (uint32_t i = 0; i < req->headers.count; i++) {
                if (!ifr_str_eq_nocase(req->headers.items[i].name, IFR_LIT("x-forwarded-for"))) continue;
                if (seen++) { memcpy(buf + off, ", ", 2); off += 2; }
                memcpy(buf + off, req->headers.items[i].value.ptr, req->headers.items[i].value.len);
                off += req->headers.items[i].value.len;
            }
            if (off) {
                memcpy(buf + off, ", ", 2);
                memcpy(buf + off + 2, xff.ptr, xff.len);
                xff = ifr_str(buf, off + 2 + xff.len);
            }
        }
        ifr_str_t v = route__hdr_last_value(&req->headers, IFR_LIT("x-forwarded-proto"));
        if (v.len) proto = v;
        v = route__hdr_last_value(&req->headers, IFR_LIT("x-forwarded-host"));
        if (v.len) host = v;
    }
    if (http_headers_set(out, x->arena, IFR_LIT("X-Forwarded-For"), xff) != 0 ||
        http_headers_set(out, x->arena, IFR_LIT("X-Forwarded-Proto"), proto) != 0 ||
        http_headers_set(out, x->arena, IFR_LIT("X-Forwarded-Host"), host) != 0)
        return -1;
    return 0;
}

int route_proxy_headers_up(route_exchange_t *x, const route_proxy_conf_t *c, const route_proxy_upstream_t *u, bool upgrade,
                     http_headers_t *out)
{
    *out = (http_headers_t){ 0 };
    const http_request_t *req = x->req;
    if (route__hdr_copy_end_to_end(x->arena, &req->headers, out, false) != 0) return -1;
    /* TE is hop-by-hop, but a client that takes trailers lets the upstream
     * know it may send them: Go keeps exactly that token. */
    if (route__hdr_lists_token(&req->headers, IFR_LIT("te"), IFR_LIT("trailers")) &&
        http_headers_add(out, x->arena, IFR_LIT("TE"), IFR_LIT("trailers")) != 0)
        return -1;
    /* A chunked body goes up chunked with its trailers (route_proxy_trailers_up),
     * so the client's announcement of them goes too, as Go's transport
     * writes it. */
    const http_header_t *announce = http_headers_get(&req->headers, IFR_LIT("trailer"));
    if (req->body_kind == HTTP_BODY_CHUNKED && announce &&
        http_headers_add(out, x->arena, IFR_LIT("Trailer"), announce->value) != 0)
        return -1;
    if (upgrade && (http_headers_add(out, x->arena, IFR_LIT("Connection"), IFR_LIT("Upgrade")) != 0 ||
                    http_headers_add(out, x->arena, IFR_LIT("Upgrade"),
                                     http_headers_get(&req->headers, IFR_LIT("upgrade"))->value) != 0))
        return -1;
    if (route__hdr_forwarded(x, c, out) != 0) return -1;
    return route_hdr_ops_apply(x, &c->header_up, out, route__hdr_render, u);
}

int route_proxy_headers_down(route_exchange_t *x, const route_proxy_conf_t *c, const route_proxy_upstream_t *u,
                       const http_headers_t *ours, const http_upstream_response_t *r)
{
    x->resp.status = r->status;
    x->resp.headers = (http_headers_t){ 0 };
    x->resp.content_length = -1;
    for (uint32_t i = 0; i < ours->count; i++) {
        const http_header_t *h = &ours->items[i];
        if (route_proxy_is_hop_field(h->name) || http_headers_get(&r->headers, h->name)) continue;
        if (http_headers_add(&x->resp.headers, x->arena, h->name, h->value) != 0) return -1;
    }
    if (route__hdr_copy_end_to_end(x->arena, &r->headers, &x->resp.headers, true) != 0) return -1;
    if (r->status == 101) {
        const http_header_t *up = http_headers_get(&r->headers, IFR_LIT("upgrade"));
        if (http_headers_add(&x->resp.headers, x->arena, IFR_LIT("Connection"), IFR_LIT("Upgrade")) != 0 ||
            (up && http_headers_add(&x->resp.headers, x->arena, IFR_LIT("Upgrade"), up->value) != 0))
            return -1;
    }
    if (r->body_kind == HTTP_BODY_LENGTH) {
        x->resp.content_length = (int64_t)r->content_length;
    } else if (r->body_kind == HTTP_BODY_NONE && r->status != 204 && r->status != 304) {
        /* HEAD keeps the length the upstream announced; an empty body is 0. */
        const http_header_t *cl = http_headers_get(&r->headers, IFR_LIT("content-length"));
        uint64_t n = 0;
        bool known = cl && ifr_str_to_u64(cl->value, INT64_MAX, &n);
        bool head = ifr_str_eq(x->req->method, IFR_LIT("HEAD"));
        x->resp.content_length = known ? (int64_t)n : head ? -1 : 0;
    }
    return route_hdr_ops_apply(x, &c->header_down, &x->resp.headers, route__hdr_render, u);
}

int route_proxy_headers_interim(route_exchange_t *x, const http_upstream_response_t *r, http_headers_t *out)
{
    *out = (http_headers_t){ 0 };
    return route__hdr_copy_end_to_end(x->arena, &r->headers, out, false);
}

/* Keeps the fields of t that may be passed on from a message with fields h. */
static void route__hdr_trailers_filter(const http_headers_t *h, http_headers_t *t)
{
    route__hdr_conn_names_t conn;
    route__hdr_conn_names(h, &conn);
    uint32_t kept = 0;
    for (uint32_t i = 0; i < t->count; i++) {
        ifr_str_t n = t->items[i].name;
        if (route_proxy_is_hop_field(n) || route__hdr_never_trailer(n) || (conn.count && route__hdr_conn_named(&conn, h, n)))
            continue;
        t->items[kept++] = t->items[i];
    }
    t->count = kept;
}

void route_proxy_trailers_down(const http_upstream_response_t *r, http_headers_t *t)
{
    route__hdr_trailers_filter(&r->headers, t);
}

void route_proxy_trailers_up(const http_request_t *req, http_headers_t *t)
{
    route__hdr_trailers_filter(&req->headers, t);
}
