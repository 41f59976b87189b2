/* The global options that steer ACME (options.h): email, acme_ca,
 * acme_ca_root, cert_issuer acme, renewal_window_ratio. Kept apart from
 * options.c so the certificate options have one place. */
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
