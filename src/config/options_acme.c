/* The global options that steer ACME (options.h): email, acme_ca,
 * acme_ca_root, cert_issuer acme, renewal_window_ratio, acme_eab and
 * on_demand_tls. Kept apart from options.c so the certificate options
 * have one place. */
#include <stdlib.h>
#include <string.h>

#include "config/dispense.h"
#include "config/options_acme.h"

/* cert_issuer acme [DIR] { dir URL; email E; trusted_roots FILE } */
static int cfg__acme_issuer(const cfg_directive_t *d, cfg_options_t *o, cfg_error_t *err)
{
    if (cfg_expect_args(d, 1, 2, err)) return -1;
    if (!cfg_is_word(&d->args[0], "acme"))
        return cfg_errorf(err, &d->args[0], "cert_issuer: only acme is supported (the local CA is local_certs), "
                                            "got '%s'", d->args[0].text.ptr);
    if (d->nargs == 2) o->acme_ca = d->args[1].text.ptr;
    for (size_t i = 0; d->block && i < d->block->count; i++) {
        const cfg_directive_t *s = &d->block->items[i];
        static const char *const known[] = { "dir", "email", "trusted_roots" };
        if (cfg_expect_args(s, 1, 1, err) || cfg_expect_no_block(s, err)) return -1;
        if (cfg_is_word(&s->name, "dir")) o->acme_ca = s->args[0].text.ptr;
        else if (cfg_is_word(&s->name, "email")) o->acme_email = s->args[0].text.ptr;
        else if (cfg_is_word(&s->name, "trusted_roots")) o->acme_ca_root = s->args[0].text.ptr;
        else return cfg_error_unknown(err, &s->name, "cert_issuer acme option", known, 3);
    }
    return 0;
}

/* acme_eab { key_id K  mac_key M }: both, each once. */
static int cfg__acme_eab(const cfg_directive_t *d, cfg_options_t *o, cfg_error_t *err)
{
    if (cfg_expect_args(d, 0, 0, err)) return -1;
    if (!d->block) return cfg_errorf(err, &d->name, "acme_eab: expected a block { key_id ...  mac_key ... }");
    o->acme_eab_key_id = o->acme_eab_mac_key = NULL;
    for (size_t i = 0; i < d->block->count; i++) {
        const cfg_directive_t *s = &d->block->items[i];
        static const char *const known[] = { "key_id", "mac_key" };
        const char **slot = cfg_is_word(&s->name, "key_id")    ? &o->acme_eab_key_id
                            : cfg_is_word(&s->name, "mac_key") ? &o->acme_eab_mac_key
                                                               : NULL;
        if (!slot) return cfg_error_unknown(err, &s->name, "acme_eab option", known, 2);
        if (cfg_expect_args(s, 1, 1, err) || cfg_expect_no_block(s, err)) return -1;
        if (s->args[0].text.len == 0) return cfg_errorf(err, &s->args[0], "%s: expected a value", s->name.text.ptr);
        *slot = s->args[0].text.ptr;
    }
    if (!o->acme_eab_key_id || !o->acme_eab_mac_key)
        return cfg_errorf(err, &d->name, "acme_eab: needs both key_id and mac_key");
    return 0;
}

/* on_demand_tls { ask URL  interval D  burst N } (Caddy 2.6). interval
 * and burst go together: at most burst certificates per interval. */
static int cfg__on_demand(const cfg_directive_t *d, cfg_options_t *o, cfg_error_t *err)
{
    if (cfg_expect_args(d, 0, 0, err)) return -1;
    if (!d->block) return cfg_errorf(err, &d->name, "on_demand_tls: expected a block { ask URL ... }");
    const cfg_token_t *interval = NULL, *burst = NULL;
    for (size_t i = 0; i < d->block->count; i++) {
        const cfg_directive_t *s = &d->block->items[i];
        static const char *const known[] = { "ask", "burst", "interval" };
        if (cfg_expect_args(s, 1, 1, err) || cfg_expect_no_block(s, err)) return -1;
        const cfg_token_t *a = &s->args[0];
        if (cfg_is_word(&s->name, "ask")) {
            if (strncmp(a->text.ptr, "http://", 7) != 0 && strncmp(a->text.ptr, "https://", 8) != 0)
                return cfg_errorf(err, a, "ask: expected an http:// or https:// URL, got '%s'", a->text.ptr);
            if (strchr(a->text.ptr, '#'))
                return cfg_errorf(err, a, "ask: the URL cannot have a fragment ('#')");
            o->on_demand_ask = a->text.ptr;
        } else if (cfg_is_word(&s->name, "interval")) {
            if (cfg_parse_duration(a, 0, &o->on_demand_interval_ns, err)) return -1;
            if (o->on_demand_interval_ns <= 0) return cfg_errorf(err, a, "interval: must be more than 0");
            interval = a;
        } else if (cfg_is_word(&s->name, "burst")) {
            int64_t v;
            if (cfg_parse_int(a, 1, 1000000, &v, err)) return -1;
            o->on_demand_burst = (int)v;
            burst = a;
        } else if (cfg_is_word(&s->name, "permission")) {
            return cfg_errorf(err, &s->name, "on_demand_tls: 'permission' is not supported by ifrit yet (use ask)");
        } else {
            return cfg_error_unknown(err, &s->name, "on_demand_tls option", known, 3);
        }
    }
    if (!interval != !burst)
        return cfg_errorf(err, interval ? interval : burst, "on_demand_tls: interval and burst go together (at most "
                          "burst certificates per interval)");
    return 0;
}

/* A ratio as Caddy takes it: a decimal strictly between 0 and 1. */
static int cfg__acme_ratio(const cfg_token_t *t, double *out, cfg_error_t *err)
{
    char *end;
    double v = strtod(t->text.ptr, &end);
    if (end == t->text.ptr || *end || !(v > 0.0 && v < 1.0))
        return cfg_errorf(err, t, "renewal_window_ratio: expected a number between 0 and 1 (such as 0.33), "
                                  "got '%s'", t->text.ptr);
    *out = v;
    return 0;
}

int cfg_parse_acme_option(const cfg_directive_t *d, cfg_options_t *o, cfg_error_t *err)
{
    const cfg_token_t *name = &d->name;
    if (cfg_is_word(name, "cert_issuer")) return cfg__acme_issuer(d, o, err) ? -1 : 0;
    if (cfg_is_word(name, "acme_eab")) return cfg__acme_eab(d, o, err) ? -1 : 0;
    if (cfg_is_word(name, "on_demand_tls")) return cfg__on_demand(d, o, err) ? -1 : 0;
    const char **slot = cfg_is_word(name, "email")          ? &o->acme_email
                        : cfg_is_word(name, "acme_ca")      ? &o->acme_ca
                        : cfg_is_word(name, "acme_ca_root") ? &o->acme_ca_root
                                                            : NULL;
    if (!slot && !cfg_is_word(name, "renewal_window_ratio")) return 1;
    if (cfg_expect_args(d, 1, 1, err) || cfg_expect_no_block(d, err)) return -1;
    if (!slot) return cfg__acme_ratio(&d->args[0], &o->renewal_window_ratio, err);
    if (d->args[0].text.len == 0) return cfg_errorf(err, &d->args[0], "%s: expected a value", name->text.ptr);
    *slot = d->args[0].text.ptr;
    return 0;
}
