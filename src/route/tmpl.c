/* Placeholder templates: compiled at load, rendered per request. */
#include "route/tmpl.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "http/message.h"
#include "route/client_ip.h"
#include "route/file_match.h"
#include "route/path.h"
#include "route/plan.h"
#include "route/state.h"
#include "route/value_text.h"
#include "route/vars.h"

/* Every placeholder kind, written once: the enum, the exact names and the
 * prefixes are made from this table.
 *   N(KIND, "long name", "Caddyfile shorthand" or NULL)
 *   A(KIND, "another name")   for a kind an N row made
 *   P(KIND, "long prefix.", "short prefix.")   a name followed by an
 *                             argument: {http.request.header.X-Id}, {query.q}
 * {http.vars.client_ip} is the peer, or what a trusted proxy says
 * (client_ip.h). */
#define ROUTE__TMPL_TABLE(N, A, P) \
    N(URI, "http.request.uri", "uri") \
    N(PATH, "http.request.uri.path", "path") \
    N(DIR, "http.request.uri.path.dir", "dir") \
    N(FILE, "http.request.uri.path.file", "file") \
    N(FILE_BASE, "http.request.uri.path.file.base", "file.base") \
    N(FILE_EXT, "http.request.uri.path.file.ext", "file.ext") \
    P(PATH_N, "http.request.uri.path.", "path.") \
    N(QUERY, "http.request.uri.query", "query") \
    P(QUERY_ARG, "http.request.uri.query.", "query.") \
    N(ORIG_URI, "http.request.orig_uri", "orig_uri") \
    N(ORIG_PATH, "http.request.orig_uri.path", "orig_path") \
    N(ORIG_QUERY, "http.request.orig_uri.query", "orig_query") \
    N(METHOD, "http.request.method", "method") \
    N(HOST, "http.request.host", "host") \
    N(HOSTPORT, "http.request.hostport", "hostport") \
    N(PORT, "http.request.port", "port") \
    N(SCHEME, "http.request.scheme", "scheme") \
    N(PROTO, "http.request.proto", NULL) \
    N(REMOTE, "http.request.remote", "remote") \
    N(REMOTE_HOST, "http.request.remote.host", "remote_host") \
    N(REMOTE_PORT, "http.request.remote.port", "remote_port") \
    P(HEADER, "http.request.header.", "header.") \
    P(COOKIE, "http.request.cookie.", "cookie.") \
    P(LABEL, "http.request.host.labels.", "labels.") \
    N(UUID, "http.request.uuid", "id") \
    P(REGEXP, "http.regexp.", "re.") \
    N(ERR_CODE, "http.error.status_code", "err.status_code") \
    N(ERR_TEXT, "http.error.status_text", "err.status_text") \
    N(ERR_MSG, "http.error.message", "err.message") \
    N(AUTH_USER, "http.auth.user.id", NULL) \
    N(ROOT, "http.vars.root", "vars.root") \
    P(VAR, "http.vars.", "vars.") \
    N(TLS_SNI, "http.request.tls.server_name", NULL) \
    N(TLS_VERSION, "http.request.tls.version", "tls_version") \
    N(TLS_CIPHER, "http.request.tls.cipher_suite", "tls_cipher") \
    N(TLS_PROTO, "http.request.tls.proto", NULL) \
    A(TLS_PROTO, "http.request.tls.proto_mutual") \
    N(TLS_RESUMED, "http.request.tls.resumed", NULL) \
    N(TLS_CLIENT_SUBJECT, "http.request.tls.client.subject", "tls_client_subject") \
    N(TLS_CLIENT_ISSUER, "http.request.tls.client.issuer", "tls_client_issuer") \
    N(TLS_CLIENT_SERIAL, "http.request.tls.client.serial", "tls_client_serial") \
    N(TLS_CLIENT_FINGERPRINT, "http.request.tls.client.fingerprint", "tls_client_fingerprint") \
    N(NOW, "time.now", NULL) \
    N(NOW_UNIX, "time.now.unix", NULL) \
    N(NOW_UNIX_MS, "time.now.unix_ms", NULL) \
    N(NOW_HTTP, "time.now.http", NULL) \
    N(NOW_COMMON, "time.now.common_log", NULL) \
    N(NOW_YEAR, "time.now.year", NULL) \
    N(CLIENT_IP, "http.vars.client_ip", "client_ip") \
    N(LOCAL, "http.request.local", NULL) \
    N(LOCAL_HOST, "http.request.local.host", NULL) \
    N(LOCAL_PORT, "http.request.local.port", NULL) \
    N(DURATION, "http.request.duration", NULL) \
    N(DURATION_MS, "http.request.duration_ms", NULL) \
    N(PATH_ESCAPED, "http.request.uri.path_escaped", "%path") \
    N(QUERY_ESCAPED, "http.request.uri.query_escaped", "%query") \
    N(URI_ESCAPED, "http.request.uri_escaped", "%uri") \
    N(PREFIXED_QUERY, "http.request.uri.prefixed_query", "?query") \
    N(ORIG_DIR, "http.request.orig_uri.path.dir", "orig_dir") \
    N(ORIG_FILE, "http.request.orig_uri.path.file", "orig_file") \
    N(ORIG_PREFIXED_QUERY, "http.request.orig_uri.prefixed_query", "orig_?query") \
    N(ORIG_METHOD, "http.request.orig_method", "orig_method") \
    N(FILE_REL, "http.matchers.file.relative", "file_match.relative") \
    N(FILE_ABS, "http.matchers.file.absolute", "file_match.absolute") \
    N(FILE_TYPE, "http.matchers.file.type", "file_match.type") \
    N(FILE_REMAINDER, "http.matchers.file.remainder", "file_match.remainder") \
    N(RP_STATUS, "http.reverse_proxy.status_code", "rp.status_code") \
    N(RP_STATUS_TEXT, "http.reverse_proxy.status_text", "rp.status_text") \
    P(RP_HEADER, "http.reverse_proxy.header.", "rp.header.") \
    N(SHUTTING_DOWN, "http.shutting_down", NULL) \
    N(TIME_UNTIL_SHUTDOWN, "http.time_until_shutdown", NULL)

#define ROUTE__TMPL_KIND(k, ...) ROUTE__TMPL_##k,
#define ROUTE__TMPL_NONE(k, ...)
typedef enum {
    ROUTE__TMPL_LIT,   /* literal text */
    ROUTE__TMPL_DYN,   /* a name no table knows: a map's destination, else its own text */
    ROUTE__TMPL_TABLE(ROUTE__TMPL_KIND, ROUTE__TMPL_NONE, ROUTE__TMPL_KIND)
} route__tmpl_kind_t;

typedef struct {
    route__tmpl_kind_t kind;
    ifr_str_t arg;      /* literal text, or the NAME of a header/query/regexp placeholder */
    ifr_str_t group;    /* re.NAME.GROUP: a named group; DYN: the text as written, braces included */
    long n;             /* index for path.N, labels.N, re.NAME.N (-1: by group name) */
} route__tmpl_seg_t;

struct route_tmpl {
    route__tmpl_seg_t *segs;
    size_t nsegs;
    bool is_static;
};

/* Exact names, long and short (NULL: none). */
#define ROUTE__TMPL_NAMES(k, l, sh) { l, ROUTE__TMPL_##k }, { sh, ROUTE__TMPL_##k },
#define ROUTE__TMPL_ALIAS(k, l) { l, ROUTE__TMPL_##k },
static const struct { const char *name; route__tmpl_kind_t kind; } route__tmpl_names[] = {
    ROUTE__TMPL_TABLE(ROUTE__TMPL_NAMES, ROUTE__TMPL_ALIAS, ROUTE__TMPL_NONE)
};

/* Names followed by an argument. */
#define ROUTE__TMPL_PREFIX(k, l, sh) { l, ROUTE__TMPL_##k }, { sh, ROUTE__TMPL_##k },
static const struct { const char *prefix; route__tmpl_kind_t kind; } route__tmpl_prefixes[] = {
    ROUTE__TMPL_TABLE(ROUTE__TMPL_NONE, ROUTE__TMPL_NONE, ROUTE__TMPL_PREFIX)
};

/* Splits "NAME.N" of a regexp capture; N may also be a group's name. */
static bool route__tmpl_split_capture(route__tmpl_seg_t *s)
{
    long dot = -1;
    for (size_t i = s->arg.len; i-- > 0;)
        if (s->arg.ptr[i] == '.') { dot = (long)i; break; }
    if (dot <= 0 || (size_t)dot + 1 >= s->arg.len) return false;
    ifr_str_t idx = ifr_str_sub(s->arg, (size_t)dot + 1, s->arg.len);
    s->arg = ifr_str_sub(s->arg, 0, (size_t)dot);
    s->n = -1;
    s->group = idx;
    uint64_t n;
    if (idx.len < 4 && ifr_str_to_u64(idx, UINT64_MAX, &n)) s->n = (long)n;
    return true;
}

static long route__tmpl_index(ifr_str_t s)
{
    uint64_t n;
    if (s.len > 6 || !ifr_str_to_u64(s, UINT64_MAX, &n)) return -1;
    return (long)n;
}

/* Resolves a name to a segment kind. Values fixed for the process life
 * ({env.*}, {system.*}) become literals. False when unknown. */
static bool route__tmpl_lookup(ifr_arena_t *a, ifr_str_t name, route__tmpl_seg_t *s)
{
    for (size_t i = 0; i < sizeof(route__tmpl_names) / sizeof(route__tmpl_names[0]); i++)
        if (route__tmpl_names[i].name && ifr_str_eq_cstr(name, route__tmpl_names[i].name)) {
            *s = (route__tmpl_seg_t){ .kind = route__tmpl_names[i].kind };
            return true;
        }
    for (size_t i = 0; i < sizeof(route__tmpl_prefixes) / sizeof(route__tmpl_prefixes[0]); i++) {
        ifr_str_t pre = ifr_cstr(route__tmpl_prefixes[i].prefix);
        if (name.len <= pre.len || !ifr_str_starts_with(name, pre)) continue;
        *s = (route__tmpl_seg_t){ .kind = route__tmpl_prefixes[i].kind, .arg = ifr_str_sub(name, pre.len, name.len) };
        if (s->kind == ROUTE__TMPL_PATH_N || s->kind == ROUTE__TMPL_LABEL) {
            s->n = route__tmpl_index(s->arg);
            if (s->n < 0) continue;   /* {path.x} is no placeholder we know */
        }
        if (s->kind == ROUTE__TMPL_REGEXP && !route__tmpl_split_capture(s)) continue;
        return true;
    }
    if (ifr_str_starts_with(name, IFR_LIT("env.")) && name.len > 4) {
        char *var = ifr_arena_strndup(a, name.ptr + 4, name.len - 4);
        const char *v = var ? getenv(var) : NULL;
        *s = (route__tmpl_seg_t){ .kind = ROUTE__TMPL_LIT, .arg = ifr_arena_str(a, ifr_cstr(v ? v : "")) };
        return true;
    }
    if (ifr_str_starts_with(name, IFR_LIT("system."))) {
        struct utsname u;
        const char *v = NULL;
        char cwd[512];
        if (uname(&u) != 0) memset(&u, 0, sizeof(u));
        if (ifr_str_eq_cstr(name, "system.hostname")) v = u.nodename;
        else if (ifr_str_eq_cstr(name, "system.os")) v = "linux";
        else if (ifr_str_eq_cstr(name, "system.arch")) v = u.machine;
        else if (ifr_str_eq_cstr(name, "system.slash")) v = "/";
        else if (ifr_str_eq_cstr(name, "system.wd")) v = getcwd(cwd, sizeof(cwd));
        if (!v) return false;
        *s = (route__tmpl_seg_t){ .kind = ROUTE__TMPL_LIT, .arg = ifr_arena_str(a, ifr_cstr(v)) };
        return true;
    }
    /* Any other name may be a map's destination, known only per request. */
    for (size_t i = 0; i < name.len; i++) {
        char c = name.ptr[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '-' || c == '.'))
            return false;
    }
    *s = (route__tmpl_seg_t){ .kind = ROUTE__TMPL_DYN, .arg = name, .group = ifr_str(name.ptr - 1, name.len + 2) };
    return true;
}

route_tmpl_t *route_tmpl_compile(ifr_arena_t *a, ifr_str_t text)
{
    route_tmpl_t *t = ifr_arena_calloc(a, 1, sizeof(*t));
    /* At most one literal and one placeholder per '{', plus a tail. */
    size_t max = 1;
    for (size_t i = 0; i < text.len; i++) max += text.ptr[i] == '{' ? 2 : 0;
    if (!t || !(t->segs = ifr_arena_calloc(a, max, sizeof(route__tmpl_seg_t)))) return NULL;
    /* Literal bytes are gathered in a copy, since `\{` drops its backslash. */
    char *lit = ifr_arena_alloc(a, text.len + 1);
    if (!lit) return NULL;
    size_t litn = 0, lit_start = 0;
    t->is_static = true;
    for (size_t i = 0; i <= text.len; i++) {
        route__tmpl_seg_t s = { .kind = ROUTE__TMPL_LIT };
        size_t end = i;
        if (i < text.len) {
            char c = text.ptr[i];
            if (c == '\\' && i + 1 < text.len && (text.ptr[i + 1] == '{' || text.ptr[i + 1] == '}')) {
                lit[litn++] = text.ptr[++i];
                continue;
            }
            if (c != '{') { lit[litn++] = c; continue; }
            size_t j = i + 1;
            while (j < text.len && text.ptr[j] != '}' && text.ptr[j] != '{' &&
                   text.ptr[j] != ' ' && text.ptr[j] != '\n')
                j++;
            if (!(j < text.len && text.ptr[j] == '}' && j > i + 1 &&
                  route__tmpl_lookup(a, ifr_str(text.ptr + i + 1, j - i - 1), &s))) {
                lit[litn++] = c;   /* unknown: stays as written */
                continue;
            }
            end = j;
        }
        if (litn > lit_start)
            t->segs[t->nsegs++] = (route__tmpl_seg_t){ .kind = ROUTE__TMPL_LIT, .arg = ifr_str(lit + lit_start, litn - lit_start) };
        lit_start = litn;
        if (i < text.len) {
            if (s.kind != ROUTE__TMPL_LIT) t->is_static = false;
            if (s.kind != ROUTE__TMPL_LIT || s.arg.len) t->segs[t->nsegs++] = s;
        }
        i = end;
    }
    if (t->is_static && t->nsegs > 1) {
        /* Only literals ({env.*} included): join them once, now. */
        size_t total = 0;
        for (size_t i = 0; i < t->nsegs; i++) total += t->segs[i].arg.len;
        char *b = ifr_arena_alloc(a, total + 1);
        if (!b) return NULL;
        size_t n = 0;
        for (size_t i = 0; i < t->nsegs; i++) {
            memcpy(b + n, t->segs[i].arg.ptr, t->segs[i].arg.len);
            n += t->segs[i].arg.len;
        }
        b[n] = '\0';
        t->segs[0] = (route__tmpl_seg_t){ .kind = ROUTE__TMPL_LIT, .arg = ifr_str(b, n) };
        t->nsegs = 1;
    }
    return t;
}

bool route_tmpl_is_static(const route_tmpl_t *t) { return t->is_static; }

/* ---- values ---- */

static ifr_str_t route__tmpl_fmt(route_exchange_t *x, const char *fmt, long long v)
{
    char *s = ifr_arena_printf(x->arena, fmt, v);
    return s ? ifr_cstr(s) : IFR_LIT("");
}

/* The request path, percent-decoded (not cleaned, like Caddy's r.URL.Path). */
static ifr_str_t route__tmpl_path(route_exchange_t *x, ifr_str_t raw)
{
    if (!memchr(raw.ptr ? raw.ptr : "", '%', raw.len)) return raw;
    char *b = ifr_arena_alloc(x->arena, raw.len + 1);
    long n = b ? route_url_decode(raw, b, false) : -1;
    return n < 0 ? raw : ifr_str(b, (size_t)n);
}

static ifr_str_t route__tmpl_time(route_exchange_t *x, route__tmpl_kind_t k)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (k == ROUTE__TMPL_NOW_UNIX) return route__tmpl_fmt(x, "%lld", (long long)ts.tv_sec);
    if (k == ROUTE__TMPL_NOW_UNIX_MS)
        return route__tmpl_fmt(x, "%lld", (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
    struct tm tm;
    time_t now = ts.tv_sec;
    gmtime_r(&now, &tm);
    char *b = ifr_arena_alloc(x->arena, 64);
    if (!b) return IFR_LIT("");
    const char *f = k == ROUTE__TMPL_NOW_HTTP ? "%a, %d %b %Y %H:%M:%S GMT"
                  : k == ROUTE__TMPL_NOW_COMMON ? "%d/%b/%Y:%H:%M:%S +0000"
                  : k == ROUTE__TMPL_NOW_YEAR ? "%Y" : "%Y-%m-%dT%H:%M:%SZ";
    return ifr_str(b, strftime(b, 64, f, &tm));
}

/* A random-looking but stable UUID (v4 layout) for the exchange. */
static ifr_str_t route__tmpl_uuid(route_exchange_t *x)
{
    static atomic_uint_fast64_t seed;
    uint64_t s = atomic_load(&seed);
    if (!s) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint_fast64_t want = ((uint64_t)ts.tv_sec * 1000000007u) ^ (uint64_t)ts.tv_nsec ^ 0x9e3779b97f4a7c15u;
        uint_fast64_t expect = 0;
        atomic_compare_exchange_strong(&seed, &expect, want);
        s = atomic_load(&seed);
    }
    uint64_t h[2];
    uint64_t z = s + x->id * 0x9e3779b97f4a7c15u;
    for (int i = 0; i < 2; i++) {   /* splitmix64 */
        z += 0x9e3779b97f4a7c15u;
        uint64_t r = z;
        r = (r ^ (r >> 30)) * 0xbf58476d1ce4e5b9u;
        r = (r ^ (r >> 27)) * 0x94d049bb133111ebu;
        h[i] = r ^ (r >> 31);
    }
    char *b = ifr_arena_alloc(x->arena, 37);
    if (!b) return IFR_LIT("");
    snprintf(b, 37, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(h[0] >> 32),
             (unsigned)(h[0] >> 16) & 0xffff, (unsigned)h[0] & 0xfff,
             (unsigned)((h[1] >> 48) & 0x3fff) | 0x8000, (unsigned long long)(h[1] & 0xffffffffffffull));
    return ifr_str(b, 36);
}

/* Element n of a '/'-separated path (segment 0 is the first after "/"). */
static ifr_str_t route__tmpl_nth(ifr_str_t s, char sep, long n, bool from_end)
{
    size_t count = 0, i = 0;
    ifr_str_t parts[64];
    while (i < s.len && count < 64) {
        while (i < s.len && s.ptr[i] == sep) i++;
        size_t st = i;
        while (i < s.len && s.ptr[i] != sep) i++;
        if (i > st) parts[count++] = ifr_str_sub(s, st, i);
    }
    if (n < 0 || (size_t)n >= count) return IFR_LIT("");
    return parts[from_end ? count - 1 - (size_t)n : (size_t)n];
}

static ifr_str_t route__tmpl_cookie(route_exchange_t *x, ifr_str_t name)
{
    for (uint32_t i = 0; i < x->req->headers.count; i++) {
        const http_header_t *h = &x->req->headers.items[i];
        if (!ifr_str_eq_nocase(h->name, IFR_LIT("Cookie"))) continue;
        ifr_str_t v = h->value;
        size_t p = 0;
        while (p < v.len) {
            while (p < v.len && (v.ptr[p] == ' ' || v.ptr[p] == ';')) p++;
            size_t st = p;
            while (p < v.len && v.ptr[p] != ';') p++;
            ifr_str_t pair = ifr_str_sub(v, st, p);
            long eq = ifr_str_find_char(pair, '=');
            if (eq > 0 && ifr_str_eq(ifr_str_sub(pair, 0, (size_t)eq), name))
                return ifr_str_sub(pair, (size_t)eq + 1, pair.len);
        }
    }
    return IFR_LIT("");
}

static ifr_str_t route__tmpl_capture_value(route_exchange_t *x, const route__tmpl_seg_t *s)
{
    route_state_t *st = x->route_state;
    for (route_capture_t *c = st ? st->captures : NULL; c; c = c->next) {
        if (!ifr_str_eq(c->name, s->arg)) continue;
        if (s->n >= 0) return s->n < ROUTE_MAX_GROUPS ? c->groups[s->n] : IFR_LIT("");
        for (int g = 1; c->group_names && g < ROUTE_MAX_GROUPS; g++)
            if (c->group_names[g] && ifr_str_eq(ifr_cstr(c->group_names[g]), s->group))
                return c->groups[g];
        return IFR_LIT("");
    }
    return IFR_LIT("");
}

/* Time since the request head was complete: in a deferred header, the
 * time until the response head; elsewhere, the time so far. */
static int64_t route__tmpl_elapsed_ns(route_exchange_t *x)
{
    int64_t d = ifr_monotonic_ns() - x->start_ns;
    return x->start_ns == 0 || d < 0 ? 0 : d;
}

/* "?query", or "" without a query (Caddy's prefixed_query). */
static ifr_str_t route__tmpl_prefixed(route_exchange_t *x, ifr_str_t query)
{
    if (query.len == 0) return query;
    char *b = ifr_arena_printf(x->arena, "?%.*s", (int)query.len, query.ptr);
    return b ? ifr_cstr(b) : IFR_LIT("");
}

/* The original target's path (encoded as received) and query. */
static ifr_str_t route__tmpl_orig_part(route_exchange_t *x, bool query)
{
    ifr_str_t o = x->orig_uri.len ? x->orig_uri : x->req->target;
    long q = ifr_str_find_char(o, '?');
    if (!query) return q < 0 ? o : ifr_str_sub(o, 0, (size_t)q);
    return q < 0 ? IFR_LIT("") : ifr_str_sub(o, (size_t)q + 1, o.len);
}

/* Path and query, after rewrites. */
static ifr_str_t route__tmpl_uri(route_exchange_t *x)
{
    http_request_t *r = x->req;
    if (r->query.len == 0) return r->path;
    char *b = ifr_arena_printf(x->arena, "%.*s?%.*s", (int)r->path.len, r->path.ptr,
                               (int)r->query.len, r->query.ptr);
    return b ? ifr_cstr(b) : IFR_LIT("");
}

/* "ip:port", "[v6]:port". */
static ifr_str_t route__tmpl_ip_port(route_exchange_t *x, ifr_str_t ip, unsigned port)
{
    bool v6 = ifr_str_find_char(ip, ':') >= 0;
    char *b = ifr_arena_printf(x->arena, v6 ? "[%.*s]:%u" : "%.*s:%u", (int)ip.len, ip.ptr, port);
    return b ? ifr_cstr(b) : IFR_LIT("");
}

/* The part of p up to and including its last '/' (dir), or after it. */
static ifr_str_t route__tmpl_last_slash_split(ifr_str_t p, bool dir)
{
    size_t i = p.len;
    while (i > 0 && p.ptr[i - 1] != '/') i--;
    return dir ? ifr_str_sub(p, 0, i) : ifr_str_sub(p, i, p.len);
}

/* shutdown_delay's countdown as Go prints a Duration (negative once the
 * grace period began); "" when no shutdown is scheduled. */
static ifr_str_t route__tmpl_until_shutdown(route_exchange_t *x, const route_state_t *st)
{
    int64_t at = st && st->plan ? route_plan_shutdown_at(st->plan) : 0;
    if (!at) return IFR_LIT("");
    int64_t left = at - ifr_monotonic_ns();
    if (left >= 0) return route_go_duration(x->arena, left);
    ifr_str_t d = route_go_duration(x->arena, -left);
    char *b = ifr_arena_printf(x->arena, "-%.*s", (int)d.len, d.ptr);
    return b ? ifr_cstr(b) : IFR_LIT("");
}

/* Every field of the name, joined with "," as Caddy's placeholder does
 * (Go's strings.Join of Header.Values). */
/* A field's values joined by commas (Caddy's for both the request's and
 * an upstream's fields). */
static ifr_str_t route__tmpl_header(route_exchange_t *x, const http_headers_t *hs, ifr_str_t name)
{
    ifr_str_t one = IFR_LIT("");
    size_t count = 0, total = 0;
    for (uint32_t i = 0; i < hs->count; i++)
        if (ifr_str_eq_nocase(hs->items[i].name, name)) {
            if (count++ == 0) one = hs->items[i].value;
            total += hs->items[i].value.len + 1;
        }
    if (count < 2) return one;
    char *b = ifr_arena_alloc(x->arena, total);
    if (!b) return IFR_LIT("");
    size_t n = 0;
    for (uint32_t i = 0; i < hs->count; i++)
        if (ifr_str_eq_nocase(hs->items[i].name, name)) {
            if (n) b[n++] = ',';
            memcpy(b + n, hs->items[i].value.ptr, hs->items[i].value.len);
            n += hs->items[i].value.len;
        }
    return ifr_str(b, n);
}

static ifr_str_t route__tmpl_seg_value(route_exchange_t *x, const route__tmpl_seg_t *s)
{
    http_request_t *r = x->req;
    route_state_t *st = x->route_state;
    switch (s->kind) {
    case ROUTE__TMPL_LIT: return s->arg;
    case ROUTE__TMPL_DYN: {
        ifr_str_t v;
        return route_map_get(x, s->arg, &v) ? v : s->group;
    }
    case ROUTE__TMPL_VAR: {
        ifr_str_t v;
        route_var_get(x, s->arg, &v);
        return v;
    }
    case ROUTE__TMPL_URI: return route__tmpl_uri(x);
    case ROUTE__TMPL_PATH: return route__tmpl_path(x, r->path);
    case ROUTE__TMPL_DIR: return route__tmpl_last_slash_split(route__tmpl_path(x, r->path), true);
    case ROUTE__TMPL_FILE: case ROUTE__TMPL_FILE_BASE: case ROUTE__TMPL_FILE_EXT: {
        ifr_str_t f = route__tmpl_last_slash_split(route__tmpl_path(x, r->path), false);
        if (s->kind == ROUTE__TMPL_FILE) return f;
        size_t d = f.len;
        while (d > 0 && f.ptr[d - 1] != '.') d--;
        if (d == 0) return s->kind == ROUTE__TMPL_FILE_BASE ? f : IFR_LIT("");
        return s->kind == ROUTE__TMPL_FILE_BASE ? ifr_str_sub(f, 0, d - 1) : ifr_str_sub(f, d - 1, f.len);
    }
    case ROUTE__TMPL_PATH_N: return route__tmpl_nth(route__tmpl_path(x, r->path), '/', s->n, false);
    case ROUTE__TMPL_QUERY: return r->query;
    case ROUTE__TMPL_QUERY_ARG: {
        ifr_str_t v = IFR_LIT("");
        route_query_get(x->arena, r->query, s->arg, &v);
        return v;
    }
    case ROUTE__TMPL_PATH_ESCAPED: return route_query_escape(x->arena, route__tmpl_path(x, r->path));
    case ROUTE__TMPL_QUERY_ESCAPED: return route_query_escape(x->arena, r->query);
    case ROUTE__TMPL_PREFIXED_QUERY: return route__tmpl_prefixed(x, r->query);
    case ROUTE__TMPL_URI_ESCAPED: return route_query_escape(x->arena, route__tmpl_uri(x));
    case ROUTE__TMPL_ORIG_URI: return x->orig_uri.len ? x->orig_uri : r->target;
    case ROUTE__TMPL_ORIG_PATH: return route__tmpl_path(x, route__tmpl_orig_part(x, false));
    case ROUTE__TMPL_ORIG_QUERY: return route__tmpl_orig_part(x, true);
    case ROUTE__TMPL_ORIG_PREFIXED_QUERY: return route__tmpl_prefixed(x, route__tmpl_orig_part(x, true));
    case ROUTE__TMPL_ORIG_DIR: case ROUTE__TMPL_ORIG_FILE:
        return route__tmpl_last_slash_split(route__tmpl_path(x, route__tmpl_orig_part(x, false)), s->kind == ROUTE__TMPL_ORIG_DIR);
    case ROUTE__TMPL_METHOD: return r->method;
    case ROUTE__TMPL_ORIG_METHOD: return x->orig_method.len ? x->orig_method : r->method;
    case ROUTE__TMPL_HOST: return route_host_only(r->host);
    case ROUTE__TMPL_HOSTPORT: return r->host;
    case ROUTE__TMPL_PORT: {
        ifr_str_t h = r->host, host = route_host_only(h);
        size_t after = (h.len && h.ptr[0] == '[') ? host.len + 2 : host.len;
        if (after < h.len && h.ptr[after] == ':') return ifr_str_sub(h, after + 1, h.len);
        return route__tmpl_fmt(x, "%lld", x->conn->local_port);
    }
    case ROUTE__TMPL_SCHEME: return x->conn->tls ? IFR_LIT("https") : IFR_LIT("http");
    case ROUTE__TMPL_PROTO:
        return route__tmpl_fmt(x, r->version_major >= 2 ? "HTTP/%lld.0" : "HTTP/1.%lld",
                         r->version_major >= 2 ? r->version_major : r->version_minor);
    case ROUTE__TMPL_REMOTE: return route__tmpl_ip_port(x, x->conn->remote_ip, x->conn->remote_port);
    case ROUTE__TMPL_REMOTE_HOST: return x->conn->remote_ip;
    case ROUTE__TMPL_CLIENT_IP: return route_client_ip(x);
    case ROUTE__TMPL_LOCAL: return route__tmpl_ip_port(x, x->conn->local_ip, x->conn->local_port);
    case ROUTE__TMPL_LOCAL_HOST: return x->conn->local_ip;
    case ROUTE__TMPL_LOCAL_PORT: return route__tmpl_fmt(x, "%lld", x->conn->local_port);
    case ROUTE__TMPL_DURATION: return route_go_duration(x->arena, route__tmpl_elapsed_ns(x));
    case ROUTE__TMPL_DURATION_MS: return route_duration_ms(x->arena, route__tmpl_elapsed_ns(x));
    case ROUTE__TMPL_REMOTE_PORT: return route__tmpl_fmt(x, "%lld", x->conn->remote_port);
    case ROUTE__TMPL_HEADER: {
        if (ifr_str_eq_nocase(s->arg, IFR_LIT("Host"))) return r->host;
        return route__tmpl_header(x, &x->req->headers, s->arg);
    }
    /* handle_response: the upstream's answer it matched (route_proxy_answer_t). */
    case ROUTE__TMPL_RP_STATUS:
        return st && st->proxy_answer ? route__tmpl_fmt(x, "%lld", (long long)st->proxy_answer->status) : IFR_LIT("");
    case ROUTE__TMPL_RP_STATUS_TEXT: {
        /* Go's Status: the code and its reason ("404 Not Found"). */
        if (!st || !st->proxy_answer) return IFR_LIT("");
        const char *t = ifr_arena_printf(x->arena, "%d %s", st->proxy_answer->status,
                                         http_status_reason(st->proxy_answer->status));
        return t ? ifr_cstr(t) : IFR_LIT("");
    }
    case ROUTE__TMPL_RP_HEADER:
        return st && st->proxy_answer ? route__tmpl_header(x, &st->proxy_answer->headers, s->arg) : IFR_LIT("");
    case ROUTE__TMPL_SHUTTING_DOWN:
        return st && st->plan && route_plan_shutdown_at(st->plan) ? IFR_LIT("true") : IFR_LIT("false");
    case ROUTE__TMPL_TIME_UNTIL_SHUTDOWN: return route__tmpl_until_shutdown(x, st);
    case ROUTE__TMPL_COOKIE: return route__tmpl_cookie(x, s->arg);
    case ROUTE__TMPL_LABEL: return route__tmpl_nth(route_host_only(r->host), '.', s->n, true);
    case ROUTE__TMPL_UUID: return route__tmpl_uuid(x);
    case ROUTE__TMPL_REGEXP: return route__tmpl_capture_value(x, s);
    case ROUTE__TMPL_ERR_CODE: return x->error_status ? route__tmpl_fmt(x, "%lld", x->error_status) : IFR_LIT("");
    case ROUTE__TMPL_ERR_TEXT: return x->error_status ? ifr_cstr(http_status_reason(x->error_status)) : IFR_LIT("");
    case ROUTE__TMPL_ERR_MSG: return ifr_cstr(x->error_message);
    case ROUTE__TMPL_AUTH_USER: return st ? st->auth_user : IFR_LIT("");
    case ROUTE__TMPL_ROOT: return st ? st->root : IFR_LIT("");
    case ROUTE__TMPL_FILE_REL: return st && st->file_match ? st->file_match->relative : IFR_LIT("");
    case ROUTE__TMPL_FILE_ABS: return st && st->file_match ? st->file_match->absolute : IFR_LIT("");
    case ROUTE__TMPL_FILE_REMAINDER: return st && st->file_match ? st->file_match->remainder : IFR_LIT("");
    case ROUTE__TMPL_FILE_TYPE:
        return !st || !st->file_match ? IFR_LIT("") : st->file_match->is_dir ? IFR_LIT("directory") : IFR_LIT("file");
    case ROUTE__TMPL_TLS_SNI: return x->conn->tls_server_name;
    case ROUTE__TMPL_TLS_VERSION: return x->conn->tls_version;
    case ROUTE__TMPL_TLS_CIPHER: return x->conn->tls_cipher;
    case ROUTE__TMPL_TLS_PROTO: return x->conn->tls_proto;
    case ROUTE__TMPL_TLS_CLIENT_SUBJECT: return x->conn->tls_client_subject;
    case ROUTE__TMPL_TLS_CLIENT_ISSUER: return x->conn->tls_client_issuer;
    case ROUTE__TMPL_TLS_CLIENT_SERIAL: return x->conn->tls_client_serial;
    case ROUTE__TMPL_TLS_CLIENT_FINGERPRINT: return x->conn->tls_client_fingerprint;
    case ROUTE__TMPL_TLS_RESUMED: return !x->conn->tls ? IFR_LIT("") : x->conn->tls_resumed ? IFR_LIT("true") : IFR_LIT("false");
    case ROUTE__TMPL_NOW: case ROUTE__TMPL_NOW_UNIX: case ROUTE__TMPL_NOW_UNIX_MS: case ROUTE__TMPL_NOW_HTTP: case ROUTE__TMPL_NOW_COMMON:
    case ROUTE__TMPL_NOW_YEAR:
        return route__tmpl_time(x, s->kind);
    }
    return IFR_LIT("");
}

/* Value slices kept on the stack for templates up to this many pieces. */
#define ROUTE__TMPL_STACK_SEGS 16

static ifr_str_t *route__tmpl_values(route_exchange_t *x, const route_tmpl_t *t,
                                    ifr_str_t *stackv, size_t *total)
{
    ifr_str_t *v = t->nsegs <= ROUTE__TMPL_STACK_SEGS ? stackv
                 : ifr_arena_alloc(x->arena, t->nsegs * sizeof(ifr_str_t));
    *total = 0;
    if (!v) return NULL;
    for (size_t i = 0; i < t->nsegs; i++) {
        v[i] = route__tmpl_seg_value(x, &t->segs[i]);
        *total += v[i].len;
    }
    return v;
}

int route_tmpl_render(route_exchange_t *x, const route_tmpl_t *t, ifr_str_t *out)
{
    if (t->nsegs == 1 && t->segs[0].kind == ROUTE__TMPL_LIT) { *out = t->segs[0].arg; return 0; }
    if (t->nsegs == 0) { *out = IFR_LIT(""); return 0; }
    ifr_str_t stackv[ROUTE__TMPL_STACK_SEGS];
    size_t total;
    ifr_str_t *v = route__tmpl_values(x, t, stackv, &total);
    if (!v) return -1;
    if (t->nsegs == 1) { *out = v[0]; return 0; }
    char *b = ifr_arena_alloc(x->arena, total + 1);
    if (!b) return -1;
    size_t n = 0;
    for (size_t i = 0; i < t->nsegs; i++) {
        if (v[i].len) memcpy(b + n, v[i].ptr, v[i].len);
        n += v[i].len;
    }
    b[n] = '\0';
    *out = ifr_str(b, n);
    return 0;
}

int route_tmpl_render_uri(route_exchange_t *x, const route_tmpl_t *t, ifr_str_t *out)
{
    if (t->is_static) return route_tmpl_render(x, t, out);
    ifr_str_t stackv[ROUTE__TMPL_STACK_SEGS];
    size_t total;
    ifr_str_t *v = route__tmpl_values(x, t, stackv, &total);
    if (!v) return -1;
    /* Where the query starts, and whether each value stands where a key
     * would begin (after '?' or '&'): {query} there is already escaped. */
    bool in_query = false, at_key = false;
    total = 0;
    for (size_t i = 0; i < t->nsegs; i++) {
        if (t->segs[i].kind == ROUTE__TMPL_LIT) {
            ifr_str_t lit = t->segs[i].arg;
            long q = in_query ? 0 : ifr_str_find_char(lit, '?');
            if (q >= 0) in_query = true;
            if (in_query && lit.len) at_key = lit.ptr[lit.len - 1] == '?' || lit.ptr[lit.len - 1] == '&';
        } else if (in_query) {
            if (!(at_key && t->segs[i].kind == ROUTE__TMPL_QUERY)) v[i] = route_query_escape(x->arena, v[i]);
            at_key = false;
        }
        total += v[i].len;
    }
    char *b = ifr_arena_alloc(x->arena, total + 1);
    if (!b) return -1;
    size_t n = 0;
    for (size_t i = 0; i < t->nsegs; i++) {
        if (v[i].len) memcpy(b + n, v[i].ptr, v[i].len);
        n += v[i].len;
    }
    b[n] = '\0';
    *out = ifr_str(b, n);
    return 0;
}

size_t route_tmpl_render_to(route_exchange_t *x, const route_tmpl_t *t, char *buf, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < t->nsegs; i++) {
        ifr_str_t v = route__tmpl_seg_value(x, &t->segs[i]);
        if (n < cap) memcpy(buf + n, v.ptr, v.len < cap - n ? v.len : cap - n);
        n += v.len;
    }
    return n;
}

bool route_tmpl_get(route_exchange_t *x, ifr_str_t name, ifr_str_t *out)
{
    route__tmpl_seg_t s;
    *out = IFR_LIT("");
    if (!route__tmpl_lookup(x->arena, name, &s)) return false;
    if (s.kind == ROUTE__TMPL_DYN) return route_map_get(x, name, out);
    *out = route__tmpl_seg_value(x, &s);
    return true;
}
