/* `basic_auth [<matcher>] [bcrypt [<realm>]] { <user> <hash> ... }` (also
 * `basicauth`): HTTP Basic authentication against bcrypt hashes, as made by
 * `caddy hash-password` (the hash may also be base64-encoded, as older Caddy
 * versions wrote it). A failed login is a 401 error with WWW-Authenticate,
 * so handle_errors can answer it; {http.auth.user.id} names the user. The
 * check itself goes through the host's password verifier (password.h).
 *
 * A bcrypt check takes about a second at cost 14, so where the host has
 * helper threads (route_io_t.offload, natively) it runs there and the
 * handler waits (ROUTE_ASYNC), leaving the loop to other exchanges; where
 * it has none (the edge) it runs inline. Logins the verifier remembers as
 * successful (route_password_cached) are let in at once, on the loop. */
#include <string.h>

#include "base/log.h"
#include "config/dispense.h"
#include "http/message.h"
#include "route/chain.h"
#include "route/directive.h"
#include "route/password.h"
#include "route/response.h"
#include "route/state.h"

typedef struct {
    ifr_str_t user;
    const char *hash;     /* NUL-terminated modular crypt string */
} route__account_t;

typedef struct {
    route__account_t *accounts;
    size_t count;
    ifr_str_t challenge;  /* the WWW-Authenticate value */
} route__basic_auth_conf_t;

static int route__b64val(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

/* Standard or URL-safe base64, padding optional. Returns the length or -1. */
static long route__b64_decode(ifr_str_t s, char *out)
{
    size_t n = 0, bits = 0;
    uint32_t acc = 0;
    for (size_t i = 0; i < s.len; i++) {
        if (s.ptr[i] == '=') break;
        int v = route__b64val(s.ptr[i]);
        if (v < 0) return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (char)((acc >> bits) & 0xff);
        }
    }
    return (long)n;
}

static int route__basic_auth_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    if (cfg_expect_args(d, 0, 2, p->err) != 0) return -1;
    if (d->nargs >= 1 && !ifr_str_eq_cstr(d->args[0].text, "bcrypt"))
        return cfg_errorf(p->err, &d->args[0], "basic_auth: only the bcrypt hash algorithm is supported, got '%s'",
                          d->args[0].text.ptr);
    route__basic_auth_conf_t *c = ifr_arena_calloc(p->arena, 1, sizeof(*c));
    if (!c) return cfg_errorf(p->err, NULL, "out of memory");
    const char *realm = d->nargs == 2 ? d->args[1].text.ptr : "restricted";
    char *ch = ifr_arena_printf(p->arena, "Basic realm=\"%s\"", realm);
    if (!ch) return cfg_errorf(p->err, NULL, "out of memory");
    c->challenge = ifr_cstr(ch);
    size_t n = d->block ? d->block->count : 0;
    if (n == 0) return cfg_errorf(p->err, &d->name, "basic_auth: expected a block of <username> <hashed_password> lines");
    if (!(c->accounts = ifr_arena_calloc(p->arena, n, sizeof(route__account_t))))
        return cfg_errorf(p->err, NULL, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const cfg_directive_t *s = &d->block->items[i];
        if (s->nargs != 1 || s->block)
            return cfg_errorf(p->err, &s->name, "basic_auth: expected <username> <hashed_password>");
        ifr_str_t h = s->args[0].text;
        char *hash;
        if (h.len && h.ptr[0] == '$') {
            hash = ifr_arena_strndup(p->arena, h.ptr, h.len);
        } else {
            hash = ifr_arena_alloc(p->arena, h.len + 1);
            long l = hash ? route__b64_decode(h, hash) : -1;
            if (l < 0 || l == 0 || hash[0] != '$')
                return cfg_errorf(p->err, &s->args[0],
                                  "basic_auth: expected a bcrypt hash like $2a$14$... (see caddy hash-password)");
            hash[l] = '\0';
        }
        if (!hash) return cfg_errorf(p->err, NULL, "out of memory");
        if (!(hash[1] == '2' && (hash[2] == '$' || hash[3] == '$')))
            return cfg_errorf(p->err, &s->args[0], "basic_auth: expected a bcrypt hash ($2a$, $2b$ or $2y$)");
        c->accounts[c->count++] = (route__account_t){ s->name.text, hash };
    }
    *conf = c;
    return 0;
}

static route_result_t route__basic_auth_deny(route_exchange_t *x, const route__basic_auth_conf_t *c)
{
    if (http_headers_set(&x->resp.headers, x->arena, IFR_LIT("WWW-Authenticate"), c->challenge) != 0)
        return route_fail(x, 500, "out of memory");
    return route_fail(x, 401, "not authenticated");
}

/* The check as route_io_t.offload copies it to a helper thread:
 * self-contained, the hash and the password inline. */
typedef struct {
    int result;            /* route_password_verify's, written by the check */
    size_t hash_len, pass_len;
    char bytes[];          /* hash, NUL, password */
} route__auth_check_t;

/* What the handler needs when the check comes back (x->arena). */
typedef struct {
    const route__basic_auth_conf_t *conf;
    bool known;            /* the user exists (else the hash was a stand-in) */
    ifr_str_t user;
    route__auth_check_t *check;
} route__auth_wait_t;

static void route__auth_check_run(void *arg)
{
    route__auth_check_t *c = arg;
    c->result = route_password_verify(c->bytes, c->bytes + c->hash_len + 1, c->pass_len);
}

static route_result_t route__basic_auth_finish(route_exchange_t *x, const route__basic_auth_conf_t *c, bool known,
                                              int ok, ifr_str_t user)
{
    if (ok < 0) ifr_log_error("route", "basic_auth: no password verifier for this hash (or it failed)");
    if (ok != 1 || !known) return route__basic_auth_deny(x, c);
    route_state_t *st = route_state(x);
    if (st) st->auth_user = user;
    return ROUTE_NEXT;
}

static void route__basic_auth_checked(route_exchange_t *x, void *ud)
{
    route__auth_wait_t *w = ud;
    route_resume(x, route__basic_auth_finish(x, w->conf, w->known, w->check->result, w->user));
}

static route_result_t route__basic_auth_handle(route_exchange_t *x, const void *conf)
{
    const route__basic_auth_conf_t *c = conf;
    const http_header_t *h = http_headers_get(&x->req->headers, IFR_LIT("Authorization"));
    if (!h || h->value.len < 6 || !ifr_str_eq_nocase(ifr_str_sub(h->value, 0, 6), IFR_LIT("Basic ")))
        return route__basic_auth_deny(x, c);
    ifr_str_t b64 = ifr_str_sub(h->value, 6, h->value.len);
    while (b64.len && b64.ptr[0] == ' ') b64 = ifr_str_sub(b64, 1, b64.len);
    char *plain = ifr_arena_alloc(x->arena, b64.len + 1);
    long n = plain ? route__b64_decode(b64, plain) : -1;
    if (n < 0) return route__basic_auth_deny(x, c);
    ifr_str_t cred = ifr_str(plain, (size_t)n);
    long colon = ifr_str_find_char(cred, ':');
    if (colon < 0) return route__basic_auth_deny(x, c);
    ifr_str_t user = ifr_str_sub(cred, 0, (size_t)colon), pass = ifr_str_sub(cred, (size_t)colon + 1, cred.len);
    const route__account_t *acct = NULL;
    for (size_t i = 0; i < c->count && !acct; i++)
        if (ifr_str_eq(c->accounts[i].user, user)) acct = &c->accounts[i];
    /* An unknown user still costs one full hash check, the same way
     * (offloaded or not), so timing does not tell which user names exist. */
    const char *hash = acct ? acct->hash : c->accounts[0].hash;
    if (acct && route_password_cached(hash, pass.ptr, pass.len)) {
        ifr_log_debug("route", "basic_auth: user %.*s: remembered login, no hash check", (int)user.len, user.ptr);
        return route__basic_auth_finish(x, c, true, 1, user);
    }
    size_t hash_len = strlen(hash);
    size_t size = sizeof(route__auth_check_t) + hash_len + 1 + pass.len;
    route__auth_check_t *check = ifr_arena_alloc(x->arena, size);
    route__auth_wait_t *w = ifr_arena_alloc(x->arena, sizeof(*w));
    if (!check || !w) return route_fail(x, 500, "out of memory");
    check->result = -1;
    check->hash_len = hash_len;
    check->pass_len = pass.len;
    memcpy(check->bytes, hash, hash_len + 1);
    memcpy(check->bytes + hash_len + 1, pass.ptr, pass.len);
    *w = (route__auth_wait_t){ c, acct != NULL, user, check };
    int rc = x->io->offload ? x->io->offload(x, route__auth_check_run, check, size, route__basic_auth_checked, w) : -1;
    ifr_log_debug("route", "basic_auth: checking the password of user %.*s %s", (int)user.len, user.ptr,
                  rc == 0 ? "on a helper thread" : "inline");
    if (rc == 0) return ROUTE_ASYNC;
    if (rc == ROUTE_OFFLOAD_BUSY) {
        ifr_log_warn("route", "basic_auth: too many password checks waiting; refusing with 503");
        return route_fail(x, 503, "too many password checks in progress");
    }
    route__auth_check_run(check);    /* no helper threads here: inline */
    return route__basic_auth_finish(x, c, acct != NULL, check->result, user);
}

const route_directive_t route_directive_basic_auth = {
    .name = "basic_auth", .alias = "basicauth", .flags = ROUTE_DIR_MATCHER,
    .parse = route__basic_auth_parse, .handle = route__basic_auth_handle,
};
