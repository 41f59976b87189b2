/* The ACME subdirectives of tls; see tls_issuer_acme.h. */
#include "route/tls_issuer_acme.h"

#include "config/dispense.h"

#define ROUTE__COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int route__acme_one(route_parse_t *p, const cfg_directive_t *s, const char **out)
{
    if (cfg_expect_args(s, 1, 1, p->err) || cfg_expect_no_block(s, p->err)) return -1;
    *out = s->args[0].text.ptr;
    return 0;
}

/* eab KEY_ID MAC_KEY: the account's external binding at this CA. */
static int route__acme_eab(route_parse_t *p, const cfg_directive_t *s, route_tls_conf_t *c)
{
    if (cfg_expect_args(s, 2, 2, p->err) || cfg_expect_no_block(s, p->err)) return -1;
    c->acme_eab_key_id = s->args[0].text.ptr;
    c->acme_eab_mac_key = s->args[1].text.ptr;
    return 0;
}

int route_tls_acme_item(route_parse_t *p, const cfg_directive_t *s, route_tls_conf_t *c)
{
    if (cfg_is_word(&s->name, "eab")) return route__acme_eab(p, s, c);
    if (cfg_is_word(&s->name, "ca")) return route__acme_one(p, s, &c->acme_ca);
    return route__acme_one(p, s, &c->acme_ca_root);
}

int route_tls_issuer_acme(route_parse_t *p, const cfg_directive_t *s, route_tls_conf_t *c)
{
    static const char *const known[] = { "dir", "disable_http_challenge", "disable_tlsalpn_challenge", "eab",
                                         "email", "trusted_roots" };
    if (cfg_expect_args(s, 1, 2, p->err)) return -1;
    if (s->nargs == 2) c->acme_ca = s->args[1].text.ptr;
    for (size_t i = 0; s->block && i < s->block->count; i++) {
        const cfg_directive_t *o = &s->block->items[i];
        const cfg_token_t *n = &o->name;
        int rc;
        if (cfg_is_word(n, "dir")) rc = route__acme_one(p, o, &c->acme_ca);
        else if (cfg_is_word(n, "email")) rc = route__acme_one(p, o, &c->acme_email);
        else if (cfg_is_word(n, "trusted_roots")) rc = route__acme_one(p, o, &c->acme_ca_root);
        else if (cfg_is_word(n, "eab")) rc = route__acme_eab(p, o, c);
        else if (cfg_is_word(n, "disable_http_challenge") || cfg_is_word(n, "disable_tlsalpn_challenge")) {
            rc = cfg_expect_args(o, 0, 0, p->err) || cfg_expect_no_block(o, p->err) ? -1 : 0;
            if (n->text.ptr[8] == 'h') c->acme_no_http01 = true;
            else c->acme_no_tlsalpn01 = true;
        } else {
            return cfg_error_unknown(p->err, n, "issuer acme option", known, ROUTE__COUNT(known));
        }
        if (rc) return -1;
    }
    if (c->acme_no_http01 && c->acme_no_tlsalpn01)
        return cfg_errorf(p->err, &s->args[0], "issuer acme: both challenges are disabled, so no certificate "
                                               "could be obtained (ifrit has no DNS challenge)");
    return 0;
}
