/* Signed modules (fn_sign.h). Gojinn's format is from its public source
 * (gojinn-io/gojinn pkg/sovereign/wasm.go and keys.go): Ed25519 over the
 * module's bytes, the 64-byte signature and the 5-byte footer "GJSIG"
 * appended; keys as hex. The detached form keeps the module file as the
 * toolchain wrote it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/file.h"
#include "base/log.h"
#include "config/dispense.h"
#include "fn/fn_host.h"
#include "fn/fn_sign.h"

static const char fn__sign_footer[5] = { 'G', 'J', 'S', 'I', 'G' };

static int fn__sign_hex(const char *hex, size_t n, uint8_t *out)
{
    for (size_t i = 0; i < n; i++) {
        unsigned v = 0;
        for (int k = 0; k < 2; k++) {
            char ch = hex[2 * i + (size_t)k];
            unsigned d = ch >= '0' && ch <= '9' ? (unsigned)(ch - '0') : ch >= 'a' && ch <= 'f' ? (unsigned)(ch - 'a' + 10)
                       : ch >= 'A' && ch <= 'F' ? (unsigned)(ch - 'A' + 10) : 16u;
            if (d == 16) return -1;
            v = v * 16 + d;
        }
        out[i] = (uint8_t)v;
    }
    return 0;
}

int fn_sign_option(route_parse_t *p, const cfg_directive_t *d, fn_sign_config_t *s)
{
    if (cfg_expect_args(d, 0, 0, p->err) != 0) return -1;
    if (!d->block) return cfg_errorf(p->err, &d->name, "security: expected a block { policy ...; trusted_key ... }");
    s->policy = FN_SIGN_STRICT;   /* Gojinn's default once keys are given */
    for (size_t i = 0; i < d->block->count; i++) {
        const cfg_directive_t *o = &d->block->items[i];
        if (cfg_expect_no_block(o, p->err) != 0) return -1;
        if (ifr_str_eq_cstr(o->name.text, "policy")) {
            if (cfg_expect_args(o, 1, 1, p->err) != 0) return -1;
            if (cfg_is_word(&o->args[0], "strict")) s->policy = FN_SIGN_STRICT;
            else if (cfg_is_word(&o->args[0], "audit")) s->policy = FN_SIGN_AUDIT;
            else return cfg_errorf(p->err, &o->args[0], "security policy: expected strict or audit, got '%s'",
                                   o->args[0].text.ptr);
        } else if (ifr_str_eq_cstr(o->name.text, "trusted_key")) {
            if (cfg_expect_args(o, 1, SIZE_MAX, p->err) != 0) return -1;
            uint8_t (*keys)[FN_SIGN_KEY_BYTES] = ifr_arena_alloc(p->arena, (s->nkeys + o->nargs) * FN_SIGN_KEY_BYTES);
            if (!keys) return cfg_errorf(p->err, NULL, "out of memory");
            if (s->nkeys) memcpy(keys, s->keys, s->nkeys * FN_SIGN_KEY_BYTES);
            for (size_t k = 0; k < o->nargs; k++) {
                const cfg_token_t *t = &o->args[k];
                if (t->text.len != 2 * FN_SIGN_KEY_BYTES || fn__sign_hex(t->text.ptr, FN_SIGN_KEY_BYTES, keys[s->nkeys]) < 0)
                    return cfg_errorf(p->err, t, "trusted_key: expected an Ed25519 public key as 64 hex digits");
                s->nkeys++;
            }
            s->keys = (const uint8_t (*)[FN_SIGN_KEY_BYTES])keys;
        } else {
            static const char *const known[] = { "policy", "trusted_key" };
            return cfg_error_unknown(p->err, &o->name, "security option", known, 2);
        }
    }
    if (!s->nkeys) return cfg_errorf(p->err, &d->name, "security: no trusted_key: no module could be trusted");
    return 0;
}

/* The detached signature of path: 0 with sig filled, or -1 with why. */
static int fn__sign_detached(const char *path, uint8_t *sig, char *why, size_t size)
{
    char sig_path[4200], read_why[200];
    snprintf(sig_path, sizeof sig_path, "%s.sig", path);
    size_t n = 0;
    char *text = ifr_read_file(sig_path, 4096, &n, read_why, sizeof read_why);
    if (!text) {
        snprintf(why, size, "no signature: %s.sig: %s", path, read_why);
        return -1;
    }
    int rc = -1;
    if (n == FN_SIGN_SIG_BYTES) {
        memcpy(sig, text, FN_SIGN_SIG_BYTES);
        rc = 0;
    } else {
        while (n && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' ')) n--;
        if (n == 2 * FN_SIGN_SIG_BYTES && fn__sign_hex(text, FN_SIGN_SIG_BYTES, sig) == 0) rc = 0;
    }
    if (rc < 0) snprintf(why, size, "%s.sig is not an Ed25519 signature (64 bytes, or 128 hex digits)", path);
    free(text);
    return rc;
}

int fn_sign_check(const fn_sign_config_t *s, const char *path, const uint8_t *bytes, size_t *len,
                  const char *logger, char *why, size_t size)
{
    if (s->policy == FN_SIGN_OFF) return 0;
    const fn_host_backend_t *b = fn_host_backend();
    if (!b || !b->verify_ed25519) {
        snprintf(why, size, "security: signature checks are not available in this build");
        return -1;
    }
    uint8_t sig[FN_SIGN_SIG_BYTES];
    size_t body = *len;
    char fail[300] = "";
    bool embedded = *len >= FN_SIGN_SIG_BYTES + sizeof fn__sign_footer &&
                    memcmp(bytes + *len - sizeof fn__sign_footer, fn__sign_footer, sizeof fn__sign_footer) == 0;
    if (embedded) {
        body = *len - FN_SIGN_SIG_BYTES - sizeof fn__sign_footer;
        memcpy(sig, bytes + body, FN_SIGN_SIG_BYTES);
        *len = body;   /* the module is what comes before */
    } else if (fn__sign_detached(path, sig, fail, sizeof fail) < 0) {
        goto refused;
    }
    for (size_t i = 0; i < s->nkeys; i++)
        if (b->verify_ed25519(s->keys[i], bytes, body, sig)) return 0;
    snprintf(fail, sizeof fail, "the %s signature is not valid for any trusted_key", embedded ? "embedded" : "detached");
refused:
    if (s->policy == FN_SIGN_AUDIT) {
        ifr_log_warn(logger, "security policy audit: %s; loading it anyway", fail);
        return 0;
    }
    snprintf(why, size, "security policy strict: %s", fail);
    return -1;
}
