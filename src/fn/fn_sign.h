/* Signed modules: `security { policy strict|audit; trusted_key HEX... }`
 * in a `wasm` block (docs/functions.md, "Signed modules"). A module must
 * carry an Ed25519 signature by one of the trusted keys over its bytes:
 * detached, in FILE.wasm.sig (64 bytes, or 128 hex digits), or embedded
 * as Gojinn's signer writes it (the module, the 64-byte signature, then
 * "GJSIG"). strict refuses the module otherwise (a config error); audit
 * logs and loads it. The check itself is native (OpenSSL): the backend's
 * verify_ed25519 (fn_host.h). */
#ifndef IFRIT_FN_FN_SIGN_H
#define IFRIT_FN_FN_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "route/directive.h"

typedef enum { FN_SIGN_OFF, FN_SIGN_STRICT, FN_SIGN_AUDIT } fn_sign_policy_t;

#define FN_SIGN_KEY_BYTES 32
#define FN_SIGN_SIG_BYTES 64

typedef struct {
    fn_sign_policy_t policy;              /* OFF: no security block */
    const uint8_t (*keys)[FN_SIGN_KEY_BYTES];
    size_t nkeys;
} fn_sign_config_t;

/* Parses a security block into s: 0, or -1 with p->err filled. */
int fn_sign_option(route_parse_t *p, const cfg_directive_t *d, fn_sign_config_t *s);

/* Checks the module read from path (bytes, *len); an embedded signature
 * is taken off (*len shrinks). 0: load it (valid, or audit, which logs
 * under logger). -1 with a sentence in why: refuse it. */
int fn_sign_check(const fn_sign_config_t *s, const char *path, const uint8_t *bytes, size_t *len,
                  const char *logger, char *why, size_t size);

#endif
