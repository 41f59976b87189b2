/* Password verification for `basic_auth`. bcrypt through crypt(3) is
 * native-only, so the host registers the verifier at start-up
 * (src/server/password_crypt.c); without one, basic_auth refuses every
 * login with a logged error (never lets anyone in).
 *
 * Registration happens once before any plan is loaded. */
#ifndef IFRIT_ROUTE_PASSWORD_H
#define IFRIT_ROUTE_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

/* 1: password matches hash; 0: it does not; -1: hash format unsupported or
 * the verifier failed. hash is a NUL-terminated modular crypt string
 * ("$2a$14$..."); password is len bytes (may contain any byte). Must be
 * safe to call from several threads at once. */
typedef int (*route_password_verify_cb)(const char *hash, const char *password, size_t len);

void route_password_register(route_password_verify_cb verify);
/* -1 when no verifier is registered. */
int route_password_verify(const char *hash, const char *password, size_t len);

/* Optional: whether the verifier remembers that password matched hash (its
 * cache of successful checks), answered at once and without hashing, so
 * basic_auth can let a known-good login in on the loop instead of queueing
 * it behind slow checks. Same arguments as the verifier; must be safe from
 * several threads. Hosts that check inline anyway (the edge) need none. */
typedef bool (*route_password_cached_cb)(const char *hash, const char *password, size_t len);
void route_password_register_cache(route_password_cached_cb cached);
/* false when none is registered. */
bool route_password_cached(const char *hash, const char *password, size_t len);

#endif
