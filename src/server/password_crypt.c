/* bcrypt verification for `basic_auth`, through crypt(3) (libxcrypt).
 *
 * A bcrypt check at Caddy's default cost (14) takes about a second of CPU,
 * so, as Caddy does, successful checks are remembered: a small cache of
 * (hash, password) pairs that verified, so a browser re-sending the same
 * credentials on every request pays once. Only successes are cached, so a
 * wrong password is always checked in full. The lookup alone is also
 * registered (route_password_register_cache), so basic_auth lets a
 * remembered login in on the worker's loop; the full check runs on a
 * helper thread (srv_offload.c), which is why both take the lock. */
#include <crypt.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/ct_equal.h"
#include "server/codec_register.h"

#define SRV__AUTH_CACHE 64

typedef struct {
    char *hash, *password;
    size_t len;
} srv__auth_entry_t;

static srv__auth_entry_t srv__auth_cache[SRV__AUTH_CACHE];
static size_t srv__auth_next;
static pthread_mutex_t srv__auth_lock = PTHREAD_MUTEX_INITIALIZER;

bool srv_password_crypt_cached(const char *hash, const char *pw, size_t len)
{
    bool hit = false;
    pthread_mutex_lock(&srv__auth_lock);
    for (size_t i = 0; i < SRV__AUTH_CACHE && !hit; i++) {
        srv__auth_entry_t *e = &srv__auth_cache[i];
        hit = e->hash && strcmp(e->hash, hash) == 0 && ifr_ct_equal(e->password, e->len, pw, len);
    }
    pthread_mutex_unlock(&srv__auth_lock);
    return hit;
}

static void srv__auth_remember(const char *hash, const char *pw, size_t len)
{
    char *h = strdup(hash), *p = malloc(len + 1);
    if (!h || !p) { free(h); free(p); return; }
    memcpy(p, pw, len);
    p[len] = '\0';
    pthread_mutex_lock(&srv__auth_lock);
    srv__auth_entry_t *e = &srv__auth_cache[srv__auth_next++ % SRV__AUTH_CACHE];
    free(e->hash);
    free(e->password);
    *e = (srv__auth_entry_t){ h, p, len };
    pthread_mutex_unlock(&srv__auth_lock);
}

int srv_password_crypt_verify(const char *hash, const char *password, size_t len)
{
    if (memchr(password, '\0', len)) return 0;   /* crypt(3) would cut it short */
    if (srv_password_crypt_cached(hash, password, len)) return 1;
    char *pw = malloc(len + 1);
    struct crypt_data *cd = calloc(1, sizeof(*cd));   /* ~32 KiB: not on the stack */
    if (!pw || !cd) { free(pw); free(cd); return -1; }
    memcpy(pw, password, len);
    pw[len] = '\0';
    const char *out = crypt_r(pw, hash, cd);
    int rc = -1;
    if (out && out[0] != '*') rc = ifr_ct_equal(out, strlen(out), hash, strlen(hash)) ? 1 : 0;
    explicit_bzero(pw, len);
    free(pw);
    free(cd);
    if (rc == 1) srv__auth_remember(hash, password, len);
    return rc;
}
