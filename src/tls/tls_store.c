/* SNI lookup and the ClientHello switch; see tls_store.h. */
#include "tls/tls_store.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "tls/tls_cert.h"
#include "tls/tls_ctx.h"

typedef struct {
    char *name;
    SSL_CTX *ctx;
} tls__store_entry_t;

struct tls_store {
    atomic_int refs;
    pthread_mutex_t mu;
    tls__store_entry_t *entries;
    size_t count, cap;
    char *default_sni;    /* for a ClientHello without SNI */
    char *fallback_sni;   /* for one whose SNI matches nothing */
    SSL_CTX *accept_ctx;
    tls_policy_t accept_policy;   /* its protocol settings: the defaults */
    tls_on_demand_fn on_demand;   /* under mu */
    void *on_demand_ud;
};

tls_store_t *tls_store_new(const char *default_sni, const char *fallback_sni)
{
    tls_store_t *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    atomic_init(&s->refs, 1);
    pthread_mutex_init(&s->mu, NULL);
    if ((default_sni && default_sni[0] && !(s->default_sni = strdup(default_sni))) ||
        (fallback_sni && fallback_sni[0] && !(s->fallback_sni = strdup(fallback_sni)))) {
        tls_store_release(s);
        return NULL;
    }
    return s;
}

void tls_store_retain(tls_store_t *s) { atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed); }

void tls_store_release(tls_store_t *s)
{
    if (!s || atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1) return;
    for (size_t i = 0; i < s->count; i++) {
        free(s->entries[i].name);
        SSL_CTX_free(s->entries[i].ctx);
    }
    free(s->entries);
    free(s->default_sni);
    free(s->fallback_sni);
    SSL_CTX_free(s->accept_ctx);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

int tls_store_add(tls_store_t *s, const char *name, SSL_CTX *ctx)
{
    pthread_mutex_lock(&s->mu);
    int rc = 0;
    for (size_t i = 0; i < s->count; i++)
        if (strcasecmp(s->entries[i].name, name) == 0) goto out;
    if (s->count == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        tls__store_entry_t *n = realloc(s->entries, cap * sizeof *n);
        if (!n) { rc = -1; goto out; }
        s->entries = n;
        s->cap = cap;
    }
    char *copy = strdup(name);
    if (!copy) { rc = -1; goto out; }
    for (char *c = copy; *c; c++) if (*c >= 'A' && *c <= 'Z') *c = (char)(*c + 32);
    SSL_CTX_up_ref(ctx);
    s->entries[s->count++] = (tls__store_entry_t){ copy, ctx };
out:
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* Under mu: the entry named exactly, or NULL. */
static SSL_CTX *tls__store_exact(tls_store_t *s, const char *name)
{
    for (size_t i = 0; i < s->count; i++)
        if (strcasecmp(s->entries[i].name, name) == 0) return s->entries[i].ctx;
    return NULL;
}

static SSL_CTX *tls__store_wildcard(tls_store_t *s, const char *name)
{
    for (size_t i = 0; i < s->count; i++)
        if (s->entries[i].name[0] == '*' && tls_name_matches(s->entries[i].name, name)) return s->entries[i].ctx;
    return NULL;
}

/* Under mu: the pick, with the on-demand hook asked after the named
 * entries when ssl is given (a handshake); *od is its answer. */
static SSL_CTX *tls__store_pick_locked(tls_store_t *s, const char *sni, const char *local_ip, SSL *ssl,
                                       tls_on_demand_t *od)
{
    SSL_CTX *ctx = NULL;
    *od = TLS_ON_DEMAND_NONE;
    if (sni && sni[0]) ctx = tls__store_exact(s, sni);
    if (!ctx && sni && sni[0]) ctx = tls__store_wildcard(s, sni);
    if (ctx) SSL_CTX_up_ref(ctx);
    if (!ctx && sni && sni[0] && ssl && s->on_demand) {
        *od = s->on_demand(s->on_demand_ud, ssl, sni, &ctx);
        if (*od != TLS_ON_DEMAND_NONE) return *od == TLS_ON_DEMAND_READY ? ctx : NULL;
    }
    if (ctx) return ctx;
    if ((!sni || !sni[0]) && local_ip) ctx = tls__store_exact(s, local_ip);
    if (!ctx) ctx = tls__store_exact(s, "");
    const char *instead = sni && sni[0] ? s->fallback_sni : s->default_sni;
    if (!ctx && instead) ctx = tls__store_exact(s, instead);
    if (ctx) SSL_CTX_up_ref(ctx);
    return ctx;
}

SSL_CTX *tls_store_pick(tls_store_t *s, const char *sni, const char *local_ip)
{
    tls_on_demand_t od;
    pthread_mutex_lock(&s->mu);
    SSL_CTX *ctx = tls__store_pick_locked(s, sni, local_ip, NULL, &od);
    pthread_mutex_unlock(&s->mu);
    return ctx;
}

void tls_store_set_on_demand(tls_store_t *s, tls_on_demand_fn fn, void *ud)
{
    pthread_mutex_lock(&s->mu);
    s->on_demand = fn;
    s->on_demand_ud = ud;
    pthread_mutex_unlock(&s->mu);
}

void tls_store_replace(tls_store_t *s, SSL_CTX *old, SSL_CTX *new_ctx)
{
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->count; i++) {
        if (s->entries[i].ctx != old) continue;
        SSL_CTX_up_ref(new_ctx);
        SSL_CTX_free(old);   /* the entry's reference; the caller still holds one */
        s->entries[i].ctx = new_ctx;
    }
    pthread_mutex_unlock(&s->mu);
}

/* The host_name from a server_name extension body (RFC 6066 3): a list of
 * (type, length, name). Lowercased into out; 0 none, -1 malformed. */
static int tls__store_parse_sni(const unsigned char *p, size_t len, char *out, size_t cap)
{
    if (len < 2) return -1;
    size_t list = ((size_t)p[0] << 8) | p[1];
    if (list != len - 2) return -1;
    p += 2;
    while (list >= 3) {
        unsigned type = p[0];
        size_t n = ((size_t)p[1] << 8) | p[2];
        if (n + 3 > list) return -1;
        if (type == 0) {
            if (n == 0 || n >= cap) return -1;
            for (size_t i = 0; i < n; i++) {
                unsigned char c = p[3 + i];
                /* A host name's bytes; anything else is no name we serve. */
                bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                          c == '-' || c == '.' || c == '_';
                if (!ok) return -1;
                out[i] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
            }
            out[n] = '\0';
            /* A trailing dot names the same host. */
            if (n > 1 && out[n - 1] == '.') out[n - 1] = '\0';
            return 1;
        }
        p += 3 + n;
        list -= 3 + n;
    }
    return list ? -1 : 0;
}

static void tls__store_local_ip(SSL *ssl, char *out, size_t cap)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    out[0] = '\0';
    int fd = SSL_get_fd(ssl);
    if (fd < 0 || getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) return;
    if (ss.ss_family == AF_INET) {
        inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, out, (socklen_t)cap);
    } else if (ss.ss_family == AF_INET6) {
        const struct in6_addr *a = &((struct sockaddr_in6 *)&ss)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a)) inet_ntop(AF_INET, &a->s6_addr[12], out, (socklen_t)cap);
        else inet_ntop(AF_INET6, a, out, (socklen_t)cap);
    }
}

static _Atomic(tls_challenge_fn) store_challenge;

void tls_store_set_challenge(tls_challenge_fn fn) { atomic_store(&store_challenge, fn); }

/* Whether the ClientHello's ALPN list is exactly acme-tls/1 (RFC 8737 3:
 * a validation offers that protocol and no other). */
static bool tls__store_wants_acme_tls(SSL *ssl)
{
    static const unsigned char want[] = "\x00\x0b\x0a" "acme-tls/1";
    const unsigned char *ext;
    size_t len;
    return SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_application_layer_protocol_negotiation, &ext, &len) &&
           len == sizeof want - 1 && memcmp(ext, want, len) == 0;
}

static int tls__store_client_hello(SSL *ssl, int *al, void *arg)
{
    tls_store_t *s = arg;
    const unsigned char *ext;
    size_t len;
    char name[256], ip[64];
    const char *sni = NULL;
    if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &ext, &len)) {
        int r = tls__store_parse_sni(ext, len, name, sizeof name);
        if (r < 0) {
            *al = SSL_AD_UNRECOGNIZED_NAME;
            return SSL_CLIENT_HELLO_ERROR;
        }
        if (r > 0) sni = name;
    }
    tls_challenge_fn challenge = atomic_load(&store_challenge);
    if (sni && challenge && tls__store_wants_acme_tls(ssl)) {
        /* Stays on the accepting context, with the challenge's certificate. */
        if (challenge(ssl, sni) == 0) return SSL_CLIENT_HELLO_SUCCESS;
        *al = SSL_AD_UNRECOGNIZED_NAME;
        return SSL_CLIENT_HELLO_ERROR;
    }
    if (!sni) tls__store_local_ip(ssl, ip, sizeof ip);
    tls_on_demand_t od;
    pthread_mutex_lock(&s->mu);
    SSL_CTX *ctx = tls__store_pick_locked(s, sni, sni ? NULL : ip, ssl, &od);
    pthread_mutex_unlock(&s->mu);
    /* Called again when the connection is woken: the answer is there then. */
    if (od == TLS_ON_DEMAND_WAIT) return SSL_CLIENT_HELLO_RETRY;
    if (!ctx) {
        *al = SSL_AD_UNRECOGNIZED_NAME;
        return SSL_CLIENT_HELLO_ERROR;
    }
    const tls_policy_t *p = tls_ctx_policy(ctx);
    /* Most sites have the accepting context's protocol settings (the
     * defaults): then nothing is parsed again for this connection. */
    bool ok = SSL_set_SSL_CTX(ssl, ctx) != NULL && p &&
              (tls_policy_same_protocols(&s->accept_policy, p) ||
               (SSL_set_min_proto_version(ssl, p->min_version) && SSL_set_max_proto_version(ssl, p->max_version) &&
                SSL_set_ciphersuites(ssl, p->ciphersuites) && (!p->ciphers[0] || SSL_set_cipher_list(ssl, p->ciphers)) &&
                SSL_set1_groups_list(ssl, p->groups)));
    if (ok) {
        SSL_set_verify(ssl, SSL_CTX_get_verify_mode(ctx), SSL_CTX_get_verify_callback(ctx));
        SSL_set_options(ssl, SSL_CTX_get_options(ctx));
    }
    SSL_CTX_free(ctx);   /* the connection holds its own reference now */
    if (!ok) {
        *al = SSL_AD_INTERNAL_ERROR;
        return SSL_CLIENT_HELLO_ERROR;
    }
    return SSL_CLIENT_HELLO_SUCCESS;
}

SSL_CTX *tls_store_accept_ctx(tls_store_t *s)
{
    pthread_mutex_lock(&s->mu);
    /* Made even while the store is empty: an ACME host's first
     * certificate may come by a TLS-ALPN-01 handshake. */
    if (!s->accept_ctx) {
        SSL_CTX *a = SSL_CTX_new(TLS_server_method());
        /* The default policy's versions, ciphers and groups; a connection
         * for a site with other ones gets them in the ClientHello callback. */
        tls_policy_defaults(&s->accept_policy);
        if (a && tls_policy_apply_ctx(a, &s->accept_policy) != 0) {
            SSL_CTX_free(a);
            a = NULL;
        }
        if (a) {
            SSL_CTX_set_num_tickets(a, TLS_CTX_TICKETS);   /* copied by SSL_new: the switch keeps it */
            /* Options are copied into a connection by SSL_new, so kTLS
             * is asked for here, not by the site's context. */
            SSL_CTX_set_options(a, SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                                       SSL_OP_NO_RENEGOTIATION | tls_ctx_ktls_option());
            SSL_CTX_set_mode(a, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
            static const unsigned char sid[] = "ifrit";
            SSL_CTX_set_session_id_context(a, sid, sizeof sid - 1);
            SSL_CTX_set_client_hello_cb(a, tls__store_client_hello, s);
            tls_ctx_set_alpn_select(a);
            /* Read what the socket has in one call, not a record header
             * and then its body: the transport asks SSL_has_pending before
             * it waits, so nothing read ahead is left behind. */
            SSL_CTX_set_read_ahead(a, 1);
        }
        s->accept_ctx = a;
    }
    SSL_CTX *a = s->accept_ctx;
    pthread_mutex_unlock(&s->mu);
    return a;
}

SSL *tls_store_new_ssl(tls_store_t *s, int fd)
{
    SSL_CTX *a = tls_store_accept_ctx(s);
    SSL *ssl = a ? SSL_new(a) : NULL;
    if (!ssl) return NULL;
    if (SSL_set_fd(ssl, fd) != 1) {
        SSL_free(ssl);
        return NULL;
    }
    SSL_set_accept_state(ssl);
    return ssl;
}
