/* bcrypt at the edge: wasi-libc has no crypt(3), so basic_auth checks
 * passwords with the core's own bcrypt (base/bcrypt.h), which agrees with
 * crypt(3) natively. As natively (server/password_crypt.c), successful
 * checks are remembered, so a browser re-sending the same credentials on
 * every request pays once per isolate; failures are always checked in
 * full. The core runs one call from the shim at a time (requests in
 * flight interleave only between calls): no lock. */
#include "edge/edge_password.h"

#include <stdlib.h>
#include <string.h>

#include "base/bcrypt.h"
#include "base/ct_equal.h"
#include "base/log.h"
#include "route/password.h"

#define EDGE__AUTH_CACHE 16

typedef struct {
    char hash[IFR_BCRYPT_LEN + 1];
    char *password;    /* owned */
    size_t len;
} edge__auth_entry_t;

static edge__auth_entry_t edge__auth_cache[EDGE__AUTH_CACHE];
static size_t edge__auth_next;

static bool edge__auth_cached(const char *hash, const char *pw, size_t len)
{
    bool hit = false;
    for (size_t i = 0; i < EDGE__AUTH_CACHE; i++) {
        const edge__auth_entry_t *e = &edge__auth_cache[i];
        hit |= e->password && strcmp(e->hash, hash) == 0 && ifr_ct_equal(e->password, e->len, pw, len);
    }
    return hit;
}

static void edge__auth_remember(const char *hash, const char *pw, size_t len)
{
    char *copy = malloc(len ? len : 1);
    if (!copy) return;
    memcpy(copy, pw, len);
    edge__auth_entry_t *e = &edge__auth_cache[edge__auth_next++ % EDGE__AUTH_CACHE];
    free(e->password);
    strcpy(e->hash, hash);     /* a verified hash is IFR_BCRYPT_LEN long */
    e->password = copy;
    e->len = len;
}

static int edge__password_verify(const char *hash, const char *password, size_t len)
{
    if (memchr(password, '\0', len)) return 0;   /* crypt(3) natively cannot take one either */
    int cost = ifr_bcrypt_cost(hash);
    if (cost > EDGE_BCRYPT_MAX_COST) {
        ifr_log_error("edge", "basic_auth: bcrypt cost %d is more than a request may spend at the edge (at most %d); "
                      "hash the password with a lower cost", cost, EDGE_BCRYPT_MAX_COST);
        return -1;
    }
    if (cost >= 0 && edge__auth_cached(hash, password, len)) return 1;
    int rc = ifr_bcrypt_verify(hash, password, len);
    if (rc == 1) edge__auth_remember(hash, password, len);
    return rc;
}

void edge_password_register(void)
{
    route_password_register(edge__password_verify);
}
