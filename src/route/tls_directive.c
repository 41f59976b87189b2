/* The tls directive, as Caddy's:
 *
 *   tls internal | tls CERT KEY | tls [EMAIL] {
 *       protocols tls1.2 [tls1.3]
 *       ciphers TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 ...
 *       curves x25519 secp256r1 ...
 *       alpn http/1.1
 *       client_auth {
 *           mode request|require|verify_if_given|require_and_verify
 *           trusted_ca_cert_file FILE
 *       }
 *       issuer internal [{ lifetime D }]
 *       issuer acme ..., ca URL, ca_root FILE   (tls_issuer_acme.h)
 *       on_demand
 *   }
 *
 * The names in ciphers, curves and alpn are checked when the server
 * builds the contexts (src/tls knows them); the error still points here.
 * Caddy's subdirectives ifrit does not have (dns, load, ...) are an
 * error saying ifrit does not do them yet.
 *
 * A host that terminates TLS outside the core (the edge: workerd and
 * Cloudflare do it) accepts the directive and logs that it is ignored. */
#include <string.h>

#include "base/log.h"
#include "config/dispense.h"
#include "route/directive.h"
#include "route/plan.h"
#include "route/site.h"
#include "route/tls_issuer_acme.h"

static bool route__tls_outside;

void route_plan_tls_outside(bool outside) { route__tls_outside = outside; }

/* Caddy's subdirectives ifrit does not have: "not supported yet". */
static const char *const route__tls_unsupported[] = {
    "dns", "dns_challenge_override_domain", "dns_ttl", "get_certificate",
    "insecure_secrets_log", "key_type", "load", "propagation_delay", "propagation_timeout",
    "reuse_private_keys", "resolvers", "renewal_window_ratio",
};
static const char *const route__tls_known[] = { "alpn", "ca", "ca_root", "ciphers", "client_auth", "curves", "eab",
                                                "issuer", "on_demand", "protocols" };
static const char *const route__tls_modes[] = { "request", "require", "verify_if_given", "require_and_verify" };

#define ROUTE__COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The arguments of d as a string array in the arena. */
static int route__tls_words(route_parse_t *p, const cfg_directive_t *d, const char ***out, size_t *n)
{
    if (cfg_expect_args(d, 1, 64, p->err) || cfg_expect_no_block(d, p->err)) return -1;
    const char **w = ifr_arena_calloc(p->arena, d->nargs, sizeof *w);
    if (!w) return cfg_errorf(p->err, NULL, "out of memory");
    for (size_t i = 0; i < d->nargs; i++) w[i] = d->args[i].text.ptr;
    *out = w;
    *n = d->nargs;
    return 0;
}

static int route__tls_protocol(route_parse_t *p, const cfg_token_t *t, const char **out)
{
    if (cfg_is_word(t, "tls1.2") || cfg_is_word(t, "tls1.3")) {
        *out = t->text.ptr;
        return 0;
    }
    if (cfg_is_word(t, "tls1.0") || cfg_is_word(t, "tls1.1"))
        return cfg_errorf(p->err, t, "protocols: %s is not offered (TLS 1.0 and 1.1 are obsolete): use tls1.2 "
                          "or tls1.3", t->text.ptr);
    return cfg_errorf(p->err, t, "protocols: expected tls1.2 or tls1.3, got '%s'", t->text.ptr);
}

static int route__tls_client_auth(route_parse_t *p, const cfg_directive_t *d, route_tls_conf_t *c)
{
    if (cfg_expect_args(d, 0, 0, p->err)) return -1;
    if (!d->block) return cfg_errorf(p->err, &d->name, "client_auth: expected a block { mode ... }");
    size_t nfiles = 0;
    for (size_t i = 0; i < d->block->count; i++)
        if (cfg_is_word(&d->block->items[i].name, "trusted_ca_cert_file")) nfiles += d->block->items[i].nargs;
    c->client_ca_files = nfiles ? ifr_arena_calloc(p->arena, nfiles, sizeof(char *)) : NULL;
    int mode = 0;
    for (size_t i = 0; i < d->block->count; i++) {
        const cfg_directive_t *s = &d->block->items[i];
        if (cfg_is_word(&s->name, "mode")) {
            if (cfg_expect_args(s, 1, 1, p->err) || cfg_expect_no_block(s, p->err)) return -1;
            for (size_t k = 0; k < ROUTE__COUNT(route__tls_modes); k++)
                if (cfg_is_word(&s->args[0], route__tls_modes[k])) mode = (int)k + 1;
            if (!mode) return cfg_error_unknown(p->err, &s->args[0], "client_auth mode", route__tls_modes, ROUTE__COUNT(route__tls_modes));
        } else if (cfg_is_word(&s->name, "trusted_ca_cert_file")) {
            if (cfg_expect_args(s, 1, 64, p->err) || cfg_expect_no_block(s, p->err)) return -1;
            for (size_t k = 0; k < s->nargs; k++)
                c->client_ca_files[c->nclient_ca_files++] = route_parse_path(p, s->args[k].text);
        } else if (cfg_is_word(&s->name, "trusted_ca_cert") || cfg_is_word(&s->name, "trusted_leaf_cert") ||
                   cfg_is_word(&s->name, "trusted_leaf_cert_file") || cfg_is_word(&s->name, "verifier")) {
            return cfg_errorf(p->err, &s->name, "client_auth: '%s' is not supported by ifrit yet (use "
                              "trusted_ca_cert_file)", s->name.text.ptr);
        } else {
            static const char *const known[] = { "mode", "trusted_ca_cert_file" };
            return cfg_error_unknown(p->err, &s->name, "client_auth option", known, ROUTE__COUNT(known));
        }
    }
    /* Caddy's default: with trusted CAs, require and verify; else require. */
    c->client_auth = mode ? mode : c->nclient_ca_files ? 4 : 2;
    return 0;
}

/* issuer internal { lifetime D }: the leaves' lifetime (at least 1s,
 * less than the intermediate's 7 days). */
static int route__tls_internal_block(route_parse_t *p, const cfg_directive_t *s, route_tls_conf_t *c)
{
    for (size_t i = 0; s->block && i < s->block->count; i++) {
        const cfg_directive_t *o = &s->block->items[i];
        if (cfg_is_word(&o->name, "lifetime")) {
            int64_t ns;
            if (cfg_expect_args(o, 1, 1, p->err) || cfg_expect_no_block(o, p->err) ||
                cfg_parse_duration(&o->args[0], 0, &ns, p->err))
                return -1;
            if (ns < 1000000000LL || ns >= 7LL * 24 * 3600 * 1000000000LL)
                return cfg_errorf(p->err, &o->args[0], "lifetime: must be at least 1s and less than the "
                                  "intermediate's 7 days");
            c->lifetime_s = ns / 1000000000LL;
        } else if (cfg_is_word(&o->name, "ca") || cfg_is_word(&o->name, "sign_with_root")) {
            return cfg_errorf(p->err, &o->name, "issuer internal: '%s' is not supported by ifrit yet",
                              o->name.text.ptr);
        } else {
            static const char *const known[] = { "lifetime" };
            return cfg_error_unknown(p->err, &o->name, "issuer internal option", known, 1);
        }
    }
    return 0;
}

static int route__tls_block_item(route_parse_t *p, const cfg_directive_t *s, route_tls_conf_t *c)
{
    const cfg_token_t *n = &s->name;
    if (cfg_is_word(n, "protocols")) {
        if (cfg_expect_args(s, 1, 2, p->err) || cfg_expect_no_block(s, p->err)) return -1;
        if (route__tls_protocol(p, &s->args[0], &c->protocol_min)) return -1;
        if (s->nargs == 2 && route__tls_protocol(p, &s->args[1], &c->protocol_max)) return -1;
        if (c->protocol_max && strcmp(c->protocol_min, c->protocol_max) > 0)
            return cfg_errorf(p->err, &s->args[1], "protocols: the maximum %s is below the minimum %s",
                              c->protocol_max, c->protocol_min);
        return 0;
    }
    if (cfg_is_word(n, "ciphers")) return route__tls_words(p, s, &c->ciphers, &c->nciphers);
    if (cfg_is_word(n, "curves")) return route__tls_words(p, s, &c->curves, &c->ncurves);
    if (cfg_is_word(n, "alpn")) return route__tls_words(p, s, &c->alpn, &c->nalpn);
    if (cfg_is_word(n, "client_auth")) return route__tls_client_auth(p, s, c);
    if (cfg_is_word(n, "issuer")) {
        if (cfg_expect_args(s, 1, 64, p->err)) return -1;
        if (cfg_is_word(&s->args[0], "internal")) {
            if (s->nargs > 1) return cfg_errorf(p->err, &s->args[1], "issuer internal: options go in a block");
            c->internal = true;
            return route__tls_internal_block(p, s, c);
        }
        if (cfg_is_word(&s->args[0], "acme")) return route_tls_issuer_acme(p, s, c);
        return cfg_errorf(p->err, &s->args[0], "issuer %s: not supported by ifrit; issuer acme or issuer internal",
                          s->args[0].text.ptr);
    }
    if (cfg_is_word(n, "ca") || cfg_is_word(n, "ca_root") || cfg_is_word(n, "eab")) return route_tls_acme_item(p, s, c);
    if (cfg_is_word(n, "on_demand")) {
        if (cfg_expect_args(s, 0, 0, p->err) || cfg_expect_no_block(s, p->err)) return -1;
        c->on_demand = true;
        return 0;
    }
    for (size_t i = 0; i < ROUTE__COUNT(route__tls_unsupported); i++)
        if (cfg_is_word(n, route__tls_unsupported[i]))
            return cfg_errorf(p->err, n, "tls: '%s' is not supported by ifrit yet", route__tls_unsupported[i]);
    return cfg_error_unknown(p->err, n, "tls option", route__tls_known, ROUTE__COUNT(route__tls_known));
}

static int route__tls_parse(route_parse_t *p, const cfg_directive_t *d, void **conf)
{
    *conf = NULL;
    if (route__tls_outside) {
        ifr_log_info("edge", "%s:%d: tls ignored: the edge terminates TLS", d->name.file ? d->name.file : "Caddyfile",
                     d->name.line);
        return 0;
    }
    if (p->site->tls) return cfg_errorf(p->err, &d->name, "tls: only one tls directive per site");
    route_tls_conf_t *c = ifr_arena_calloc(p->arena, 1, sizeof *c);
    if (!c) return cfg_errorf(p->err, NULL, "out of memory");
    c->at = d->name;
    if (d->nargs > 2) return cfg_errorf(p->err, &d->args[2], "tls: expected tls CERT KEY, tls internal or a block");
    if (d->nargs == 1) {
        const cfg_token_t *a = &d->args[0];
        if (cfg_is_word(a, "internal")) c->internal = true;
        else if (memchr(a->text.ptr, '@', a->text.len))
            c->acme_email = a->text.ptr;
        else
            return cfg_errorf(p->err, a, "tls: expected internal, an email, or a certificate and its key "
                              "file, got only '%s'", a->text.ptr);
    } else if (d->nargs == 2) {
        c->cert_file = route_parse_path(p, d->args[0].text);
        c->key_file = route_parse_path(p, d->args[1].text);
    }
    for (size_t i = 0; d->block && i < d->block->count; i++)
        if (route__tls_block_item(p, &d->block->items[i], c) != 0) return -1;
    if (c->internal && c->cert_file)
        return cfg_errorf(p->err, &d->name, "tls: a certificate file and issuer internal exclude each other");
    if (c->on_demand && (c->internal || c->cert_file))
        return cfg_errorf(p->err, &d->name, "tls: on_demand obtains certificates by ACME: it cannot go with %s "
                          "(on-demand certificates from the local CA are not supported by ifrit yet)",
                          c->internal ? "issuer internal" : "a certificate file");
    p->site->tls = c;
    return 0;
}

const route_directive_t route_directive_tls = {
    .name = "tls", .flags = ROUTE_DIR_SITE, .parse = route__tls_parse,
};
