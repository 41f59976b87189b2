/* The registered password verifier (see password.h). */
#include "route/password.h"

static route_password_verify_cb route__password_verifier;
static route_password_cached_cb route__password_cache;

void route_password_register(route_password_verify_cb verify)
{
    route__password_verifier = verify;
}

int route_password_verify(const char *hash, const char *password, size_t len)
{
    return route__password_verifier ? route__password_verifier(hash, password, len) : -1;
}

void route_password_register_cache(route_password_cached_cb cached)
{
    route__password_cache = cached;
}

bool route_password_cached(const char *hash, const char *password, size_t len)
{
    return route__password_cache && route__password_cache(hash, password, len);
}
