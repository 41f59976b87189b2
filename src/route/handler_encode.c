/* `encode [<matcher>] [<formats...>] { gzip [<level>]; zstd [<level>]; minimum_length <n>; match {...} }`:
 * compresses responses with the best coding the client accepts (highest
 * q-value; ties go to the order written, zstd then gzip by default).
 * Skipped for responses that are already encoded, shorter than
 * minimum_length (default 512) when their length is known, bodiless
 * (1xx, 204, 206, 304), or not of a compressible Content-Type (Caddy's
 * default list: text/..., JSON, JavaScript, XML, SVG, fonts, wasm, ...; a
 * `match { status ...; header ... }` block replaces that list).
 * Encoded responses lose Content-Length and a strong ETag becomes weak;
 * a HEAD gets the head its GET would. Compressed responses, and 304s to a
 * client accepting one of ours, get Vary: Accept-Encoding. The compressors come from the host (codec.h);
 * a format no host registered is skipped. */
#include <stdlib.h>

#include "config/dispense.h"
#include "http/message.h"
#include "route/codec.h"
#include "route/directive.h"
#include "route/resp_match.h"
#include "route/filter.h"
#include "route/negotiate.h"
#include "route/path.h"
#include "route/response.h"

#define ROUTE__ENCODE_MAX_FORMATS 4

typedef struct {
    ifr_str_t name;
    int level;            /* 0 = the codec's default */
} route__format_t;


typedef struct {
    route__format_t formats[ROUTE__ENCODE_MAX_FORMATS];
    size_t nformats;
    uint64_t minimum_length;
    route_resp_match_t *match;       /* NULL: Caddy's default type list */
} route__encode_conf_t;

/* Per response: the chosen codec and its stream. */
typedef struct {
    const route__encode_conf_t *conf;
    const route_codec_t *codec;
    int level;
    void *stream;
    route_exchange_t *x;
    route_filter_t *f;
} route__encode_ctx_t;

static const char *const route__encode_types[] = {
    "text/*", "application/json*", "application/javascript*", "application/x-javascript*",
    "application/xml*", "application/xhtml+xml*", "application/rss+xml*", "application/atom+xml*",
    "application/ld+json*", "application/manifest+json*", "application/vnd.api+json*",
    "application/geo+json*", "application/graphql+json*", "application/wasm*", "application/x-protobuf*",
    "application/font*", "application/x-font*", "application/opentype*", "application/x-opentype*",
    "application/truetype*", "application/x-ttf*", "application/ttf*", "application/otf*",
    "application/eot*", "application/vnd.ms-fontobject*", "font/*", "image/svg+xml*",
    "image/x-icon*", "image/vnd.microsoft.icon*", "multipart/bag*", "multipart/mixed*",
};

static int route__encode_format(route_parse_t *p, route__encode_conf_t *c, const cfg_token_t *name,
                               const cfg_token_t *level)
{
    /* Caddy has no brotli encoder either (only precompressed .br files). */
    if (ifr_str_eq_cstr(name->text, "br"))
        return cfg_errorf(p->err, name, "encode: 'br' is not an encoder, in Caddy either (gzip or zstd; brotli "
                          "files are served by file_server { precompressed br })");
    if (!ifr_str_eq_cstr(name->text, "gzip") && !ifr_str_eq_cstr(name->text, "zstd"))
        return cfg_errorf(p->err, name, "encode: expected gzip or zstd, got '%s'", name->text.ptr);
    for (size_t i = 0; i < c->nformats; i++)
        if (ifr_str_eq(c->formats[i].name, name->text)) {
            c->nformats--;   /* written again: the later line wins, at its place */
            memmove(&c->formats[i], &c->formats[i + 1], (c->nformats - i) * sizeof(route__format_t));
            break;
        }
    route__format_t f = { name->text, 0 };
    if (level) {
        int64_t lv;
        if (cfg_parse_int(level, 1, 22, &lv, p->err) != 0) return -1;
        f.level = (int)lv;
    }
    c->formats[c->nformats++] = f;
    return 0;
}


static int route__encode_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    route__encode_conf_t *c = ifr_arena_calloc(p->arena, 1, sizeof(*c));
    if (!c) return cfg_errorf(p->err, NULL, "out of memory");
    c->minimum_length = 512;
    if (d->nargs > 2) return cfg_errorf(p->err, &d->args[2], "encode: expected at most gzip and zstd");
    for (size_t i = 0; i < d->nargs; i++)
        if (route__encode_format(p, c, &d->args[i], NULL) != 0) return -1;
    for (size_t i = 0; d->block && i < d->block->count; i++) {
        const cfg_directive_t *s = &d->block->items[i];
        if (ifr_str_eq_cstr(s->name.text, "gzip") || ifr_str_eq_cstr(s->name.text, "zstd")) {
            if (cfg_expect_args(s, 0, 1, p->err) != 0) return -1;
            if (route__encode_format(p, c, &s->name, s->nargs ? &s->args[0] : NULL) != 0) return -1;
        } else if (ifr_str_eq_cstr(s->name.text, "minimum_length")) {
            if (cfg_expect_args(s, 1, 1, p->err) != 0) return -1;
            int64_t v;
            if (cfg_parse_int(&s->args[0], 0, INT64_MAX, &v, p->err) != 0) return -1;
            c->minimum_length = (uint64_t)v;
        } else if (ifr_str_eq_cstr(s->name.text, "match")) {
            if (route_resp_match_parse(p, s, "encode", &c->match) != 0) return -1;
        } else if (ifr_str_eq_cstr(s->name.text, "prefer")) {
            return cfg_errorf(p->err, &s->name, "encode: prefer is not supported by ifrit yet");
        } else {
            static const char *const known[] = { "gzip", "zstd", "minimum_length", "match" };
            return cfg_error_unknown(p->err, &s->name, "encode option", known, 4);
        }
    }
    if (c->nformats == 0) {
        c->formats[c->nformats++] = (route__format_t){ IFR_LIT("zstd"), 0 };
        c->formats[c->nformats++] = (route__format_t){ IFR_LIT("gzip"), 0 };
    }
    *conf = c;
    return 0;
}

static bool route__encode_type_ok(const http_headers_t *h)
{
    const http_header_t *ct = http_headers_get(h, IFR_LIT("Content-Type"));
    if (!ct) return false;
    for (size_t i = 0; i < sizeof(route__encode_types) / sizeof(route__encode_types[0]); i++)
        if (route_wild_match(ifr_cstr(route__encode_types[i]), ct->value, true)) return true;
    return false;
}

static void route__encode_close(void *p)
{
    route__encode_ctx_t *e = p;
    if (e->stream) e->codec->close(e->stream);
    e->stream = NULL;
}

/* The head a compressed answer has (also for HEAD, which gets the head a
 * GET would). */
static int route__encode_head_fields(route_exchange_t *x, const route_codec_t *codec)
{
    http_response_t *r = &x->resp;
    const http_header_t *etag = http_headers_get(&r->headers, IFR_LIT("ETag"));
    if (etag && !ifr_str_starts_with(etag->value, IFR_LIT("W/"))) {
        char *w = ifr_arena_printf(x->arena, "W/%.*s", (int)etag->value.len, etag->value.ptr);
        if (w) http_headers_set(&r->headers, x->arena, IFR_LIT("ETag"), ifr_cstr(w));
    }
    http_headers_remove(&r->headers, IFR_LIT("Content-Length"));
    http_headers_remove(&r->headers, IFR_LIT("Accept-Ranges"));   /* ranges of what? */
    r->content_length = -1;
    return http_headers_set(&r->headers, x->arena, IFR_LIT("Content-Encoding"), ifr_cstr(codec->name));
}

static int route__encode_on_head(route_exchange_t *x, route_filter_t *f)
{
    route__encode_ctx_t *e = f->ctx;
    http_response_t *r = &x->resp;
    /* A 206 is a slice of the identity body: compressing it would make
     * the ranges meaningless, so partial answers pass unchanged. */
    bool no_body = r->status < 200 || r->status == 204 || r->status == 206 || r->status == 304;
    bool compressible = !no_body && !http_headers_get(&r->headers, IFR_LIT("Content-Encoding")) &&
                        (e->conf->match ? route_resp_match(e->conf->match, r)
                                        : route__encode_type_ok(&r->headers));
    /* Vary: Accept-Encoding goes only on what is compressed, as Caddy's
     * encode (2.6 and later): an answer left as is (no coding accepted, too
     * short, not of a listed type) has none. A 304 to a client accepting
     * one of ours carries the Vary of the 200 it stands for (RFC 9110
     * 15.4.5; Caddy 2.7.5 and later). */
    if (r->status == 304 && e->codec && route_vary_add(x, IFR_LIT("Accept-Encoding")) != 0) return -1;
    bool small = r->content_length >= 0 && (uint64_t)r->content_length < e->conf->minimum_length;
    bool is_head = ifr_str_eq_cstr(x->req->method, "HEAD");
    if (!compressible || small || !e->codec || (!is_head && !(e->stream = e->codec->open(e->level)))) {
        f->bypass = true;
        return route_filter_head(x, f->next);
    }
    /* HEAD: the head of the compressed GET, and no body to compress. */
    if (is_head) f->bypass = true;
    else if (ifr_arena_on_cleanup(x->arena, route__encode_close, e) != 0) {
        route__encode_close(e);
        f->bypass = true;
        return route_filter_head(x, f->next);
    }
    if (route__encode_head_fields(x, e->codec) != 0 || route_vary_add(x, IFR_LIT("Accept-Encoding")) != 0)
        return -1;
    return route_filter_head(x, f->next);
}

static int route__encode_emit(void *ud, const void *data, size_t len)
{
    route__encode_ctx_t *e = ud;
    return len ? route_filter_body(e->x, e->f->next, data, len, false) : 0;
}

static int route__encode_on_body(route_exchange_t *x, route_filter_t *f, const void *data, size_t len,
                                bool is_last)
{
    route__encode_ctx_t *e = f->ctx;
    e->x = x;
    e->f = f;
    if (!e->stream) return -1;
    if (e->codec->write(e->stream, data, len, is_last, route__encode_emit, e) != 0) return -1;
    return is_last ? route_filter_body(x, f->next, NULL, 0, true) : 0;
}

static const route_filter_ops_t route__encode_filter = {
    .name = "encode", .on_head = route__encode_on_head, .on_body = route__encode_on_body,
};

static route_result_t route__encode_handle(route_exchange_t *x, const void *conf)
{
    const route__encode_conf_t *c = conf;
    const route_codec_t *best = NULL;
    int best_q = 0, level = 0;
    for (size_t i = 0; i < c->nformats; i++) {
        const route_codec_t *codec = route_codec_find(c->formats[i].name);
        int q = codec ? route_accept_encoding_q(&x->req->headers, c->formats[i].name) : -1;
        if (q > best_q) {
            best = codec;
            best_q = q;
            level = c->formats[i].level ? c->formats[i].level : codec->default_level;
            if (level < codec->min_level) level = codec->min_level;
            if (level > codec->max_level) level = codec->max_level;
        }
    }
    /* A client accepting none of ours gets the answer untouched (as with
     * no compressor at all: a host that registered none). */
    if (!best) return ROUTE_NEXT;
    route__encode_ctx_t *e = ifr_arena_calloc(x->arena, 1, sizeof(*e));
    if (!e) return route_fail(x, 500, "out of memory");
    *e = (route__encode_ctx_t){ .conf = c, .codec = best, .level = level };
    if (route_filter_push(x, &route__encode_filter, e) != 0) return route_fail(x, 500, "out of memory");
    return ROUTE_NEXT;
}

const route_directive_t route_directive_encode = {
    .name = "encode", .flags = ROUTE_DIR_MATCHER, .parse = route__encode_parse, .handle = route__encode_handle,
};
