/* Building server contexts; see tls_ctx.h. */
#include "tls/tls_ctx.h"

#include <openssl/err.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

/* Caddy's (Go's) cipher suite names and OpenSSL's. */
static const struct { const char *caddy, *openssl; int v13; } tls__ctx_ciphers[] = {
    { "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384", 0 },
    { "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384", 0 },
    { "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256", 0 },
    { "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256", 0 },
    { "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305", 0 },
    { "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305", 0 },
    { "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA", 0 },
    { "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA", 0 },
    { "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA", 0 },
    { "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA", 0 },
    { "TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256", 1 },
    { "TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384", 1 },
    { "TLS_CHACHA20_POLY1305_SHA256", "TLS_CHACHA20_POLY1305_SHA256", 1 },
};
#define TLS__CTX_DEFAULT_CIPHERS                                                                   \
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256:" \
    "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
#define TLS__CTX_DEFAULT_SUITES "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"

static const struct { const char *caddy, *openssl; } tls__ctx_curves[] = {
    { "x25519", "X25519" }, { "secp256r1", "P-256" }, { "secp384r1", "P-384" }, { "secp521r1", "P-521" },
};
#define TLS__CTX_DEFAULT_GROUPS "X25519:P-256"

/* ALPN values served, in the server's order of preference: a client
 * offering both gets HTTP/2. */
static const char *const tls__ctx_alpn_known[] = { "h2", "http/1.1" };

static int tls__ctx_policy_index = -1;
static int tls__ctx_cert_index = -1;
static pthread_once_t tls__ctx_index_once = PTHREAD_ONCE_INIT;

/* Set once at start, before the contexts that read it are made. */
static atomic_bool tls__ctx_ktls;

void tls_ctx_set_ktls(bool on) { atomic_store(&tls__ctx_ktls, on); }
bool tls_ctx_ktls(void) { return atomic_load(&tls__ctx_ktls); }
uint64_t tls_ctx_ktls_option(void) { return tls_ctx_ktls() ? SSL_OP_ENABLE_KTLS : 0; }

int tls_protocol_version(const char *name)
{
    if (strcmp(name, "tls1.2") == 0) return TLS1_2_VERSION;
    if (strcmp(name, "tls1.3") == 0) return TLS1_3_VERSION;
    return 0;
}

void tls_policy_defaults(tls_policy_t *p)
{
    *p = (tls_policy_t){ .min_version = TLS1_2_VERSION, .max_version = TLS1_3_VERSION };
    snprintf(p->ciphers, sizeof p->ciphers, "%s", TLS__CTX_DEFAULT_CIPHERS);
    snprintf(p->ciphersuites, sizeof p->ciphersuites, "%s", TLS__CTX_DEFAULT_SUITES);
    snprintf(p->groups, sizeof p->groups, "%s", TLS__CTX_DEFAULT_GROUPS);
}

bool tls_policy_same_protocols(const tls_policy_t *a, const tls_policy_t *b)
{
    return a->min_version == b->min_version && a->max_version == b->max_version &&
           strcmp(a->ciphers, b->ciphers) == 0 && strcmp(a->ciphersuites, b->ciphersuites) == 0 &&
           strcmp(a->groups, b->groups) == 0;
}

int tls_policy_apply_ctx(SSL_CTX *ctx, const tls_policy_t *p)
{
    return SSL_CTX_set_min_proto_version(ctx, p->min_version) && SSL_CTX_set_max_proto_version(ctx, p->max_version) &&
                   (!p->ciphers[0] || SSL_CTX_set_cipher_list(ctx, p->ciphers)) &&
                   SSL_CTX_set_ciphersuites(ctx, p->ciphersuites) && SSL_CTX_set1_groups_list(ctx, p->groups)
               ? 0
               : -1;
}

static bool tls__ctx_append(char *buf, size_t cap, const char *item)
{
    size_t n = strlen(buf), k = strlen(item);
    if (n + k + 2 > cap) return false;
    if (n) buf[n++] = ':';
    memcpy(buf + n, item, k + 1);
    return true;
}

static int tls__ctx_ciphers_from(const tls_policy_conf_t *c, tls_policy_t *p, char *err, size_t err_len)
{
    snprintf(p->ciphers, sizeof p->ciphers, "%s", c->nciphers ? "" : TLS__CTX_DEFAULT_CIPHERS);
    snprintf(p->ciphersuites, sizeof p->ciphersuites, "%s", c->nciphers ? "" : TLS__CTX_DEFAULT_SUITES);
    for (size_t i = 0; i < c->nciphers; i++) {
        size_t k = 0, n = sizeof tls__ctx_ciphers / sizeof tls__ctx_ciphers[0];
        while (k < n && strcmp(tls__ctx_ciphers[k].caddy, c->ciphers[i]) != 0) k++;
        if (k == n) {
            snprintf(err, err_len, "ciphers: '%s' is not a cipher suite ifrit offers (ECDHE with AES-GCM, "
                                   "ChaCha20-Poly1305 or AES-CBC, or a TLS 1.3 suite, in Go's spelling such as "
                                   "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)", c->ciphers[i]);
            return -1;
        }
        if (tls__ctx_ciphers[k].v13) tls__ctx_append(p->ciphersuites, sizeof p->ciphersuites, tls__ctx_ciphers[k].openssl);
        else tls__ctx_append(p->ciphers, sizeof p->ciphers, tls__ctx_ciphers[k].openssl);
    }
    /* Caddy's ciphers only narrows TLS 1.2 (Go's TLS 1.3 suites are fixed):
     * naming only 1.2 suites keeps every 1.3 one. */
    if (!p->ciphersuites[0]) snprintf(p->ciphersuites, sizeof p->ciphersuites, "%s", TLS__CTX_DEFAULT_SUITES);
    if (!p->ciphers[0] && p->min_version < TLS1_3_VERSION) {
        snprintf(err, err_len, "ciphers: no TLS 1.2 suite is named, so TLS 1.2 clients could not connect "
                               "(add one, or use protocols tls1.3)");
        return -1;
    }
    return 0;
}

static int tls__ctx_curves_from(const tls_policy_conf_t *c, tls_policy_t *p, char *err, size_t err_len)
{
    snprintf(p->groups, sizeof p->groups, "%s", c->ncurves ? "" : TLS__CTX_DEFAULT_GROUPS);
    for (size_t i = 0; i < c->ncurves; i++) {
        size_t k = 0, n = sizeof tls__ctx_curves / sizeof tls__ctx_curves[0];
        while (k < n && strcmp(tls__ctx_curves[k].caddy, c->curves[i]) != 0) k++;
        if (k == n) {
            snprintf(err, err_len, "curves: '%s' is not a curve ifrit offers (x25519, secp256r1, secp384r1, "
                                   "secp521r1)", c->curves[i]);
            return -1;
        }
        tls__ctx_append(p->groups, sizeof p->groups, tls__ctx_curves[k].openssl);
    }
    return 0;
}

static int tls__ctx_alpn_from(const tls_policy_conf_t *c, tls_policy_t *p, char *err, size_t err_len)
{
    /* The default: both, or http/1.1 alone where HTTP/2 is off. */
    const char *const *names = c->nalpn ? c->alpn : c->http2 ? tls__ctx_alpn_known : tls__ctx_alpn_known + 1;
    size_t n = c->nalpn ? c->nalpn : c->http2 ? 2 : 1;
    p->alpn_len = 0;
    for (size_t i = 0; i < n; i++) {
        bool known = false;
        for (size_t k = 0; k < sizeof tls__ctx_alpn_known / sizeof tls__ctx_alpn_known[0]; k++)
            known |= strcmp(tls__ctx_alpn_known[k], names[i]) == 0;
        if (!known) {
            snprintf(err, err_len, "alpn: '%s' is not served by ifrit (h2 or http/1.1)", names[i]);
            return -1;
        }
        if (!c->http2 && strcmp(names[i], "h2") == 0) {
            snprintf(err, err_len, "alpn: h2 is listed but HTTP/2 is off (servers { protocols } has no h2)");
            return -1;
        }
        size_t len = strlen(names[i]);
        if (p->alpn_len + 1 + len > sizeof p->alpn) {
            snprintf(err, err_len, "alpn: too many protocols");
            return -1;
        }
        p->alpn[p->alpn_len++] = (unsigned char)len;
        memcpy(p->alpn + p->alpn_len, names[i], len);
        p->alpn_len += len;
    }
    return 0;
}

static int tls__ctx_alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen, const unsigned char *in,
                           unsigned int inlen, void *arg)
{
    (void)arg;
    /* The context the connection moved to after the ClientHello; none
     * when it stayed on the accepting one for a TLS-ALPN-01 challenge
     * (tls_store.c), which must negotiate acme-tls/1 (RFC 8737 3). */
    const tls_policy_t *p = tls_ctx_policy(SSL_get_SSL_CTX(ssl));
    static const unsigned char acme_tls[] = "\x0a" "acme-tls/1";
    unsigned char *sel;
    if (!p) {
        if (SSL_select_next_proto(&sel, outlen, acme_tls, sizeof acme_tls - 1, in, inlen) != OPENSSL_NPN_NEGOTIATED)
            return SSL_TLSEXT_ERR_ALERT_FATAL;
        *out = sel;
        return SSL_TLSEXT_ERR_OK;
    }
    if (!p || SSL_select_next_proto(&sel, outlen, p->alpn, (unsigned)p->alpn_len, in, inlen) !=
                  OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_NOACK;   /* no overlap: go on without ALPN, as HTTP/1.1 */
    *out = sel;
    return SSL_TLSEXT_ERR_OK;
}

void tls_ctx_set_alpn_select(SSL_CTX *ctx) { SSL_CTX_set_alpn_select_cb(ctx, tls__ctx_alpn_select, NULL); }

static void tls__ctx_free_policy(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
    OPENSSL_free(ptr);
}

static void tls__ctx_free_cert(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
    tls_cert_release(ptr);
}

/* "request"/"require" accept whatever comes: a callback saying yes. */
static int tls__ctx_accept_any(int ok, X509_STORE_CTX *x)
{
    (void)ok; (void)x;
    return 1;
}

static void tls__ctx_make_indexes(void)
{
    tls__ctx_policy_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, tls__ctx_free_policy);
    tls__ctx_cert_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, tls__ctx_free_cert);
}

static int tls__ctx_client_auth(SSL_CTX *ctx, const tls_policy_conf_t *c, tls_policy_t *p, char *err, size_t err_len)
{
    static const int modes[] = {
        [TLS_CLIENT_AUTH_NONE] = SSL_VERIFY_NONE,
        [TLS_CLIENT_AUTH_REQUEST] = SSL_VERIFY_PEER,
        [TLS_CLIENT_AUTH_REQUIRE] = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
        [TLS_CLIENT_AUTH_VERIFY_IF_GIVEN] = SSL_VERIFY_PEER,
        [TLS_CLIENT_AUTH_REQUIRE_AND_VERIFY] = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
    };
    p->verify_mode = modes[c->client_auth];
    bool verifies = c->client_auth >= TLS_CLIENT_AUTH_VERIFY_IF_GIVEN;
    if (verifies && c->nclient_ca_files == 0) {
        snprintf(err, err_len, "client_auth: this mode verifies client certificates, so it needs "
                               "trusted_ca_cert_file");
        return -1;
    }
    STACK_OF(X509_NAME) *names = sk_X509_NAME_new_null();
    if (!names) { snprintf(err, err_len, "out of memory"); return -1; }
    for (size_t i = 0; i < c->nclient_ca_files; i++) {
        if (SSL_CTX_load_verify_locations(ctx, c->client_ca_files[i], NULL) != 1 ||
            SSL_add_file_cert_subjects_to_stack(names, c->client_ca_files[i]) != 1) {
            unsigned long e = ERR_peek_last_error();
            ERR_clear_error();
            snprintf(err, err_len, "client_auth: cannot load the CA certificates in %s: %s", c->client_ca_files[i],
                     e ? ERR_reason_error_string(e) : "no certificate in it");
            sk_X509_NAME_pop_free(names, X509_NAME_free);
            return -1;
        }
    }
    SSL_CTX_set_client_CA_list(ctx, names);
    /* Request and require take any certificate: the check always passes. */
    SSL_CTX_set_verify(ctx, p->verify_mode, verifies ? NULL : tls__ctx_accept_any);
    return 0;
}

SSL_CTX *tls_ctx_new(const tls_policy_conf_t *conf, tls_cert_t *cert, char *err, size_t err_len)
{
    pthread_once(&tls__ctx_index_once, tls__ctx_make_indexes);
    tls_policy_t *p = OPENSSL_zalloc(sizeof *p);
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!p || !ctx) {
        OPENSSL_free(p);
        SSL_CTX_free(ctx);
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    SSL_CTX_set_ex_data(ctx, tls__ctx_policy_index, p);
    p->min_version = TLS1_2_VERSION;
    p->max_version = TLS1_3_VERSION;
    if (conf->protocol_min && !(p->min_version = tls_protocol_version(conf->protocol_min))) {
        snprintf(err, err_len, "protocols: '%s' is not offered (tls1.2 or tls1.3)", conf->protocol_min);
        goto fail;
    }
    if (conf->protocol_max && !(p->max_version = tls_protocol_version(conf->protocol_max))) {
        snprintf(err, err_len, "protocols: '%s' is not offered (tls1.2 or tls1.3)", conf->protocol_max);
        goto fail;
    }
    if (p->min_version > p->max_version) {
        snprintf(err, err_len, "protocols: the minimum %s is above the maximum %s", conf->protocol_min,
                 conf->protocol_max);
        goto fail;
    }
    if (tls__ctx_ciphers_from(conf, p, err, err_len) != 0 || tls__ctx_curves_from(conf, p, err, err_len) != 0 ||
        tls__ctx_alpn_from(conf, p, err, err_len) != 0)
        goto fail;
    if (tls_policy_apply_ctx(ctx, p) != 0) {
        snprintf(err, err_len, "OpenSSL refused the TLS settings: %s", ERR_reason_error_string(ERR_peek_last_error()));
        goto fail;
    }
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION |
                                 SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1 | tls_ctx_ktls_option());
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_num_tickets(ctx, TLS_CTX_TICKETS);
    /* Sessions resume only in the context that made them: every context
     * has its own session id context, so a ticket from one site cannot
     * skip another site's client_auth (or policy) by resumption. */
    unsigned char sid[SSL_MAX_SID_CTX_LENGTH];
    if (RAND_bytes(sid, sizeof sid) != 1 || SSL_CTX_set_session_id_context(ctx, sid, sizeof sid) != 1) {
        snprintf(err, err_len, "no random bytes for the session id context");
        goto fail;
    }
    tls_ctx_set_alpn_select(ctx);
    if (tls__ctx_client_auth(ctx, conf, p, err, err_len) != 0) goto fail;
    if (SSL_CTX_use_certificate(ctx, cert->leaf) != 1 || SSL_CTX_use_PrivateKey(ctx, cert->key) != 1 ||
        SSL_CTX_set1_chain(ctx, cert->chain) != 1) {
        snprintf(err, err_len, "OpenSSL refused the certificate: %s", ERR_reason_error_string(ERR_peek_last_error()));
        goto fail;
    }
    tls_cert_retain(cert);
    SSL_CTX_set_ex_data(ctx, tls__ctx_cert_index, cert);
    return ctx;
fail:
    ERR_clear_error();
    SSL_CTX_free(ctx);   /* frees p through the ex_data callback */
    return NULL;
}

const tls_policy_t *tls_ctx_policy(const SSL_CTX *ctx)
{
    return tls__ctx_policy_index < 0 ? NULL : SSL_CTX_get_ex_data(ctx, tls__ctx_policy_index);
}

tls_cert_t *tls_ctx_cert(const SSL_CTX *ctx)
{
    return tls__ctx_cert_index < 0 ? NULL : SSL_CTX_get_ex_data(ctx, tls__ctx_cert_index);
}
