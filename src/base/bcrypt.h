/* bcrypt (Provos and Mazières' EksBlowfish), as written by OpenBSD,
 * crypt(3) and Go's x/crypto/bcrypt (what `caddy hash-password` makes):
 * "$2b$" COST "$" SALT(22) HASH(31), 60 characters, costs 04..31, prefixes
 * $2a$, $2b$ and $2y$. Portable C, for hosts without crypt(3) (the edge).
 *
 * Like libxcrypt: only the first 72 bytes of a password count, the
 * password ends at its length (a NUL byte inside it is hashed like any
 * other), $2b$ and $2y$ are the same, and $2a$ differs from them only for
 * the rare passwords that the old sign-extension bug ($2x$) would have
 * hashed identically (crypt_blowfish's safety measure; see bcrypt.c).
 * Time grows as 2^cost: callers that run it inside a request bound it. */
#ifndef IFRIT_BASE_BCRYPT_H
#define IFRIT_BASE_BCRYPT_H

#include <stddef.h>

#define IFR_BCRYPT_LEN 60

/* The cost of a bcrypt setting or hash ("$2b$12$..." -> 12), or -1 when
 * hash does not start with a setting this file accepts (prefix, two-digit
 * cost 4..31, '$', 22 salt characters). hash is NUL-terminated. */
int ifr_bcrypt_cost(const char *hash);

/* Hashes password (len bytes) with the prefix, cost and salt of setting
 * (its first 29 characters; NUL-terminated). Writes IFR_BCRYPT_LEN
 * characters and a NUL into out (caller's buffer). 0, or -1 for a setting
 * ifr_bcrypt_cost rejects. */
int ifr_bcrypt_hash(const char *setting, const void *password, size_t len, char out[IFR_BCRYPT_LEN + 1]);

/* 1 when password hashes to hash, 0 when not, -1 when hash is no bcrypt
 * setting. The final comparison takes the same time wherever it differs. */
int ifr_bcrypt_verify(const char *hash, const void *password, size_t len);

#endif
