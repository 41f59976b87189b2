/* `transport fastcgi` options and the CGI variables of a request
 * (fastcgi.h), as Caddy's fastcgi transport builds them. */
#include "route/fastcgi.h"

#include <string.h>
#include <unistd.h>

#include "config/dispense.h"
#include "http/fastcgi.h"
#include "route/fs.h"
#include "route/path.h"

#define ROUTE__FCGI_DEFAULT_DIAL_NS (3LL * 1000000000LL)

static int route__fcgi_duration(route_parse_t *p, const cfg_directive_t *o, int64_t *out)
{
    if (cfg_expect_args(o, 1, 1, p->err) || cfg_expect_no_block(o, p->err)) return -1;
    return cfg_parse_duration(&o->args[0], CFG_DUR_BARE_SECONDS, out, p->err);
}

/* split .php: ASCII only and kept in lower case, so a path's bytes are
 * compared without case one by one (a non-ASCII letter that folds to an
 * ASCII one can never make a file run as a script). */
static int route__fcgi_split(route_parse_t *p, const cfg_directive_t *o, route_fastcgi_conf_t *c)
{
    if (cfg_expect_args(o, 1, SIZE_MAX, p->err) || cfg_expect_no_block(o, p->err)) return -1;
    ifr_str_t *all = ifr_arena_calloc(p->arena, c->nsplit + o->nargs, sizeof *all);
    if (!all) return cfg_errorf(p->err, NULL, "out of memory");
    if (c->nsplit) memcpy(all, c->split, c->nsplit * sizeof *all);
    for (size_t i = 0; i < o->nargs; i++) {
        ifr_str_t s = o->args[i].text;
        char *low = ifr_arena_strndup(p->arena, s.ptr, s.len);
        if (!low) return cfg_errorf(p->err, NULL, "out of memory");
        for (size_t k = 0; k < s.len; k++) {
            if ((unsigned char)low[k] >= 0x80)
                return cfg_errorf(p->err, &o->args[i], "split: '%s' is not ASCII", s.ptr);
            low[k] = ifr_ascii_lower(low[k]);
        }
        if (s.len == 0) return cfg_errorf(p->err, &o->args[i], "split: an empty substring");
        all[c->nsplit++] = ifr_str(low, s.len);
    }
    c->split = all;
    return 0;
}

static int route__fcgi_env(route_parse_t *p, const cfg_directive_t *o, route_fastcgi_conf_t *c)
{
    if (cfg_expect_args(o, 2, 2, p->err) || cfg_expect_no_block(o, p->err)) return -1;
    ifr_str_t *names = ifr_arena_calloc(p->arena, c->nenv + 1, sizeof *names);
    route_tmpl_t **values = ifr_arena_calloc(p->arena, c->nenv + 1, sizeof *values);
    route_tmpl_t *v = route_tmpl_compile(p->arena, o->args[1].text);
    if (!names || !values || !v) return cfg_errorf(p->err, NULL, "out of memory");
    if (c->nenv) {
        memcpy(names, c->env_names, c->nenv * sizeof *names);
        memcpy(values, c->env_values, c->nenv * sizeof *values);
    }
    names[c->nenv] = o->args[0].text;
    values[c->nenv++] = v;
    c->env_names = names;
    c->env_values = values;
    return 0;
}

int route_fastcgi_parse(route_parse_t *p, const cfg_directive_t *d, route_fastcgi_conf_t **out,
                        int64_t *dial_timeout_ns, int64_t *keepalive_ns)
{
    static const char *const known[] = { "root", "split", "env", "resolve_root_symlink", "dial_timeout",
                                         "read_timeout", "write_timeout", "capture_stderr", "keepalive" };
    route_fastcgi_conf_t *c = ifr_arena_calloc(p->arena, 1, sizeof *c);
    if (!c) return cfg_errorf(p->err, NULL, "out of memory");
    /* Caddy's fastcgi transport dials within 3s unless told. */
    *dial_timeout_ns = ROUTE__FCGI_DEFAULT_DIAL_NS;
    /* A connection per request unless keepalive says otherwise (see
     * fastcgi.h: an idle kept connection holds one of php-fpm's workers). */
    *keepalive_ns = 0;
    for (size_t i = 0; d->block && i < d->block->count; i++) {
        const cfg_directive_t *o = &d->block->items[i];
        const cfg_token_t *n = &o->name;
        int rc;
        if (cfg_is_word(n, "root")) {
            rc = cfg_expect_args(o, 1, 1, p->err) || cfg_expect_no_block(o, p->err);
            if (!rc && !(c->root = route_tmpl_compile(p->arena, o->args[0].text)))
                rc = cfg_errorf(p->err, NULL, "out of memory");
        } else if (cfg_is_word(n, "split")) {
            rc = route__fcgi_split(p, o, c);
        } else if (cfg_is_word(n, "env")) {
            rc = route__fcgi_env(p, o, c);
        } else if (cfg_is_word(n, "resolve_root_symlink") || cfg_is_word(n, "capture_stderr")) {
            rc = cfg_expect_args(o, 0, 0, p->err) || cfg_expect_no_block(o, p->err);
            if (n->text.ptr[0] == 'r') c->resolve_root_symlink = true;
            else c->capture_stderr = true;
        } else if (cfg_is_word(n, "dial_timeout")) {
            rc = route__fcgi_duration(p, o, dial_timeout_ns);
        } else if (cfg_is_word(n, "read_timeout")) {
            rc = route__fcgi_duration(p, o, &c->read_timeout_ns);
        } else if (cfg_is_word(n, "write_timeout")) {
            rc = route__fcgi_duration(p, o, &c->write_timeout_ns);
        } else if (cfg_is_word(n, "keepalive")) {
            rc = cfg_expect_args(o, 1, 1, p->err) || cfg_expect_no_block(o, p->err);
            if (!rc && !cfg_is_word(&o->args[0], "off")) rc = cfg_parse_duration(&o->args[0], 0, keepalive_ns, p->err);
            else if (!rc) *keepalive_ns = 0;
        } else {
            return cfg_error_unknown(p->err, n, "transport fastcgi option", known, sizeof known / sizeof *known);
        }
        if (rc) return -1;
    }
    *out = c;
    return 0;
}

bool route_fastcgi_sends_body(const route_exchange_t *x)
{
    ifr_str_t m = x->req->method;
    return x->req->body_kind != HTTP_BODY_NONE && !ifr_str_eq(m, IFR_LIT("HEAD")) && !ifr_str_eq(m, IFR_LIT("OPTIONS"));
}

/* The variables being built: a name set twice keeps its first place and
 * takes the later value (Caddy's are a map). */
typedef struct {
    route_exchange_t *x;
    ifr_str_t *names, *values;
    size_t n, cap;
    bool oom;
} route__fcgi_vars_t;

static void route__fcgi_set(route__fcgi_vars_t *v, ifr_str_t name, ifr_str_t value)
{
    for (size_t i = 0; i < v->n; i++)
        if (ifr_str_eq(v->names[i], name)) {
            v->values[i] = value;
            return;
        }
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 64;
        ifr_str_t *names = ifr_arena_alloc(v->x->arena, cap * sizeof *names);
        ifr_str_t *values = ifr_arena_alloc(v->x->arena, cap * sizeof *values);
        if (!names || !values) {
            v->oom = true;
            return;
        }
        if (v->n) {
            memcpy(names, v->names, v->n * sizeof *names);
            memcpy(values, v->values, v->n * sizeof *values);
        }
        v->names = names, v->values = values, v->cap = cap;
    }
    v->names[v->n] = name;
    v->values[v->n++] = value;
}

static void route__fcgi_setc(route__fcgi_vars_t *v, const char *name, ifr_str_t value)
{
    route__fcgi_set(v, ifr_cstr(name), value);
}

static ifr_str_t route__fcgi_printf(route__fcgi_vars_t *v, const char *fmt, long long n)
{
    char *s = ifr_arena_printf(v->x->arena, fmt, n);
    if (!s) v->oom = true;
    return s ? ifr_cstr(s) : IFR_LIT("");
}

/* Caddy's SanitizedPathJoin: root and the path cleaned as an absolute
 * one, its trailing slash kept ("/" alone is root itself). */
static ifr_str_t route__fcgi_join(route__fcgi_vars_t *v, ifr_str_t root, ifr_str_t path)
{
    char *out = ifr_arena_alloc(v->x->arena, root.len + path.len + 2);
    if (!out) {
        v->oom = true;
        return IFR_LIT("");
    }
    size_t at = root.len == 1 && root.ptr[0] == '/' ? 0 : root.len;
    memcpy(out, root.ptr, root.len);
    out[at] = '/';
    memcpy(out + at + 1, path.ptr, path.len);
    size_t n = route_path_clean(out + at, path.len + 1);
    if (n == 1) n = at ? 0 : 1;   /* root itself */
    out[at + n] = 0;
    return ifr_str(out, at + n);
}

/* The root, absolute and clean (Caddy: FastAbs, and EvalSymlinks when
 * asked). 0, or -1 when it cannot be had. */
static int route__fcgi_root(route__fcgi_vars_t *v, const route_fastcgi_conf_t *c, ifr_str_t *out)
{
    route_exchange_t *x = v->x;
    ifr_str_t root = IFR_LIT("");
    if (c->root) {
        if (route_tmpl_render(x, c->root, &root) != 0) return -1;
    } else {
        route_tmpl_get(x, IFR_LIT("http.vars.root"), &root);
    }
    if (root.len == 0) root = IFR_LIT(".");
    char *abs;
    if (root.ptr[0] == '/') {
        abs = ifr_arena_strndup(x->arena, root.ptr, root.len);
    } else {
        char cwd[ROUTE_PATH_MAX];
        if (!getcwd(cwd, sizeof cwd)) return -1;
        abs = ifr_arena_printf(x->arena, "%s/%.*s", cwd, (int)root.len, root.ptr);
    }
    if (!abs) return -1;
    size_t n = route_path_clean(abs, strlen(abs));
    if (n > 1 && abs[n - 1] == '/') n--;
    abs[n] = 0;
    if (c->resolve_root_symlink) {
        char *real = ifr_arena_alloc(x->arena, ROUTE_PATH_MAX);
        if (!real || route_fs_realpath(abs, real) != 0) return -1;
        abs = real;
        n = strlen(abs);
    }
    *out = ifr_str(abs, n);
    return 0;
}

/* Where split ends SCRIPT_NAME in path: just past the first substring
 * found, comparing ASCII without case; 0 without split (as Caddy: then
 * the whole path is PATH_INFO); -1 when none is there. */
static long route__fcgi_split_pos(const route_fastcgi_conf_t *c, ifr_str_t path)
{
    if (c->nsplit == 0) return 0;
    for (size_t s = 0; s < c->nsplit; s++) {
        ifr_str_t want = c->split[s];
        for (size_t i = 0; want.len <= path.len && i <= path.len - want.len; i++) {
            size_t k = 0;
            while (k < want.len && (unsigned char)path.ptr[i + k] < 0x80 &&
                   ifr_ascii_lower(path.ptr[i + k]) == want.ptr[k])
                k++;
            if (k == want.len) return (long)(i + want.len);
        }
    }
    return -1;
}

/* One HTTP_* variable per field name: upper case, '-' as '_', repeated
 * fields joined with ", " (Go's header map, as Caddy reads it). Host
 * is HTTP_HOST already. Two more as Caddy's map has them: the client's
 * Content-Length (Go keeps it among the fields; here the transport
 * frames the body), and an empty User-Agent when there is none (Go's
 * proxy sets one so that its own does not go up). */
static void route__fcgi_headers(route__fcgi_vars_t *v, const http_headers_t *h)
{
    const http_header_t *cl = http_headers_get(&v->x->req->headers, IFR_LIT("content-length"));
    if (cl && !http_headers_get(h, IFR_LIT("content-length"))) route__fcgi_setc(v, "HTTP_CONTENT_LENGTH", cl->value);
    if (!http_headers_get(h, IFR_LIT("user-agent"))) route__fcgi_setc(v, "HTTP_USER_AGENT", IFR_LIT(""));
    for (uint32_t i = 0; i < h->count && !v->oom; i++) {
        ifr_str_t name = h->items[i].name;
        if (ifr_str_eq_nocase(name, IFR_LIT("host"))) continue;
        bool seen = false;
        size_t total = h->items[i].value.len;
        for (uint32_t k = 0; k < h->count; k++) {
            if (k == i || !ifr_str_eq_nocase(h->items[k].name, name)) continue;
            if (k < i) seen = true;
            else total += 2 + h->items[k].value.len;
        }
        if (seen) continue;
        char *n = ifr_arena_alloc(v->x->arena, 5 + name.len);
        char *val = ifr_arena_alloc(v->x->arena, total + 1);
        if (!n || !val) {
            v->oom = true;
            return;
        }
        memcpy(n, "HTTP_", 5);
        for (size_t k = 0; k < name.len; k++) {
            char ch = name.ptr[k];
            n[5 + k] = ch == '-' ? '_' : (ch >= 'a' && ch <= 'z') ? (char)(ch - 32) : ch;
        }
        size_t len = 0;
        for (uint32_t k = i; k < h->count; k++) {
            if (!ifr_str_eq_nocase(h->items[k].name, name)) continue;
            if (len) memcpy(val + len, ", ", 2), len += 2;
            memcpy(val + len, h->items[k].value.ptr, h->items[k].value.len);
            len += h->items[k].value.len;
        }
        route__fcgi_set(v, ifr_str(n, 5 + name.len), ifr_str(val, len));
    }
}

/* Caddy's client sets these last, by method (client.go: Get, Head,
 * Options, Post): a body's length, or -1 for one of unknown length. */
static void route__fcgi_method(route__fcgi_vars_t *v, const http_headers_t *h)
{
    const http_request_t *r = v->x->req;
    ifr_str_t m = r->method;
    bool head = ifr_str_eq(m, IFR_LIT("HEAD")), options = ifr_str_eq(m, IFR_LIT("OPTIONS"));
    long long len = r->body_kind == HTTP_BODY_LENGTH ? (long long)r->content_length
                    : r->body_kind == HTTP_BODY_NONE ? 0 : -1;
    if (head || options) len = 0;
    route__fcgi_setc(v, "CONTENT_LENGTH", route__fcgi_printf(v, "%lld", len));
    if (head || options || ifr_str_eq(m, IFR_LIT("GET"))) return;
    const http_header_t *ct = http_headers_get(h, IFR_LIT("content-type"));
    route__fcgi_setc(v, "CONTENT_TYPE", ct && ct->value.len ? ct->value : IFR_LIT("application/x-www-form-urlencoded"));
}

static const char *route__fcgi_tls_version(uint16_t id)
{
    switch (id) {
    case 0x0301: return "TLSv1";
    case 0x0302: return "TLSv1.1";
    case 0x0303: return "TLSv1.2";
    case 0x0304: return "TLSv1.3";
    default: return NULL;
    }
}

/* The variables Caddy's buildEnv sets before the env options. */
static void route__fcgi_base(route__fcgi_vars_t *v, const route_fastcgi_conf_t *c, ifr_str_t root, ifr_str_t path,
                             ifr_str_t host, const http_headers_t *h)
{
    route_exchange_t *x = v->x;
    const http_request_t *r = x->req;
    ifr_str_t doc_uri = path, script = path, info = IFR_LIT("");
    long split = route__fcgi_split_pos(c, path);
    if (split >= 0) {
        doc_uri = ifr_str_sub(path, 0, (size_t)split);
        info = ifr_str_sub(path, (size_t)split, path.len);
        script = doc_uri;   /* SCRIPT_NAME without PATH_INFO */
    }
    if (info.len == 0) route_tmpl_get(x, IFR_LIT("http.matchers.file.remainder"), &info);
    ifr_str_t filename = route__fcgi_join(v, root, script);
    if (script.len && script.ptr[0] != '/') {
        char *s = ifr_arena_printf(x->arena, "/%.*s", (int)script.len, script.ptr);
        if (!s) v->oom = true;
        else script = ifr_cstr(s);
    }
    bool tls = x->conn && x->conn->tls;
    ifr_str_t ip = x->conn ? x->conn->remote_ip : IFR_LIT("");
    ifr_str_t user = IFR_LIT("");
    route_tmpl_get(x, IFR_LIT("http.auth.user.id"), &user);
    ifr_str_t server_name = host, port = IFR_LIT("");
    long colon = -1;
    for (size_t i = 0; i < host.len; i++)
        if (host.ptr[i] == ':') colon = (long)i;
    bool v6 = host.len && host.ptr[0] == '[';
    long close = v6 ? ifr_str_find_char(host, ']') : -1;
    /* Go's SplitHostPort: "h:p" and "[v6]:p"; anything else is all host. */
    if (v6 && close > 0 && (size_t)close + 1 < host.len && host.ptr[close + 1] == ':') {
        server_name = ifr_str_sub(host, 1, (size_t)close);
        port = ifr_str_sub(host, (size_t)close + 2, host.len);
    } else if (!v6 && colon >= 0 && ifr_str_find_char(host, ':') == colon) {
        server_name = ifr_str_sub(host, 0, (size_t)colon);
        port = ifr_str_sub(host, (size_t)colon + 1, host.len);
    }
    route__fcgi_setc(v, "AUTH_TYPE", IFR_LIT(""));
    route__fcgi_setc(v, "CONTENT_LENGTH", IFR_LIT(""));
    route__fcgi_setc(v, "CONTENT_TYPE", IFR_LIT(""));
    const http_header_t *f = http_headers_get(h, IFR_LIT("content-length"));
    if (f) route__fcgi_setc(v, "CONTENT_LENGTH", f->value);
    if ((f = http_headers_get(h, IFR_LIT("content-type")))) route__fcgi_setc(v, "CONTENT_TYPE", f->value);
    route__fcgi_setc(v, "GATEWAY_INTERFACE", IFR_LIT("CGI/1.1"));
    route__fcgi_setc(v, "PATH_INFO", info);
    route__fcgi_setc(v, "QUERY_STRING", r->query);
    route__fcgi_setc(v, "REMOTE_ADDR", ip);
    route__fcgi_setc(v, "REMOTE_HOST", ip);
    route__fcgi_setc(v, "REMOTE_PORT", x->conn ? route__fcgi_printf(v, "%lld", x->conn->remote_port) : IFR_LIT(""));
    route__fcgi_setc(v, "REMOTE_IDENT", IFR_LIT(""));
    route__fcgi_setc(v, "REMOTE_USER", user);
    route__fcgi_setc(v, "REQUEST_METHOD", r->method);
    route__fcgi_setc(v, "REQUEST_SCHEME", tls ? IFR_LIT("https") : IFR_LIT("http"));
    route__fcgi_setc(v, "SERVER_NAME", server_name);
    route__fcgi_setc(v, "SERVER_PROTOCOL", r->version_major == 2 ? IFR_LIT("HTTP/2.0")
                                                                  : route__fcgi_printf(v, "HTTP/1.%lld", r->version_minor));
    route__fcgi_setc(v, "SERVER_SOFTWARE", IFR_LIT(ROUTE_SERVER_NAME));
    route__fcgi_setc(v, "DOCUMENT_ROOT", root);
    route__fcgi_setc(v, "DOCUMENT_URI", doc_uri);
    route__fcgi_setc(v, "HTTP_HOST", host);
    route__fcgi_setc(v, "REQUEST_URI", x->orig_uri.len ? x->orig_uri : r->target);
    route__fcgi_setc(v, "SCRIPT_FILENAME", filename);
    route__fcgi_setc(v, "SCRIPT_NAME", script);
    if (info.len) route__fcgi_setc(v, "PATH_TRANSLATED", route__fcgi_join(v, root, info));
    route__fcgi_setc(v, "SERVER_PORT", port.len ? port : tls ? IFR_LIT("443") : IFR_LIT("80"));
    if (tls) {
        route__fcgi_setc(v, "HTTPS", IFR_LIT("on"));
        const char *ver = route__fcgi_tls_version(x->conn->tls_version_id);
        if (ver) route__fcgi_setc(v, "SSL_PROTOCOL", ifr_cstr(ver));
        if (x->conn->tls_cipher.len) route__fcgi_setc(v, "SSL_CIPHER", x->conn->tls_cipher);
    }
}

int route_fastcgi_params(route_exchange_t *x, const route_fastcgi_conf_t *c, const http_headers_t *headers,
                         ifr_buf_t *b, const char **why)
{
    ifr_str_t path = IFR_LIT(""), root;
    route_tmpl_get(x, IFR_LIT("http.request.uri.path"), &path);
    /* A NUL in the path could make an application run a file that is no
     * script (Caddy refuses it too). */
    if (memchr(path.ptr ? path.ptr : "", 0, path.len)) {
        *why = "invalid request path (a NUL byte)";
        return 400;
    }
    route__fcgi_vars_t v = { .x = x };
    if (route__fcgi_root(&v, c, &root) != 0) {
        *why = "cannot resolve the FastCGI root";
        return 502;
    }
    const http_header_t *h = http_headers_get(headers, IFR_LIT("host"));
    route__fcgi_base(&v, c, root, path, h ? h->value : x->req->host, headers);
    for (size_t i = 0; i < c->nenv && !v.oom; i++) {
        ifr_str_t value;
        if (route_tmpl_render(x, c->env_values[i], &value) != 0) v.oom = true;
        else route__fcgi_set(&v, c->env_names[i], value);
    }
    route__fcgi_headers(&v, headers);
    route__fcgi_method(&v, headers);
    for (size_t i = 0; i < v.n && !v.oom; i++)
        if (http_fcgi_pair(b, v.names[i], v.values[i]) != 0) v.oom = true;
    if (v.oom) {
        *why = "out of memory";
        return 500;
    }
    return 0;
}
