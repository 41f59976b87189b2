/* The registered password verifier (see password.h). */
#include "route/password.h"

static route_password_verify_cb route_password_verifier;
static route_password_cached_cb route_password_cache;

void route_password_register(route_password_verify_cb verify)
{
    route_password_verifier = verify;
}

int route_password_verify(const char *hash, const char *password, size_t len)
{
    return route_password_verifier ? route_password_verifier(hash, password, len) : -1;
}

void route_password_register_cache(route_password_cached_cb cached)
{
    route_password_cache = cached;
}

bool route_password_cached(const char *hash, const char *password, size_t len)
{
    return route_password_cache && route_password_cache(hash, password, len);
}
