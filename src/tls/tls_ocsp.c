/* OCSP requests, checks and stapling; see tls_ocsp.h. */
#include "tls/tls_ocsp.h"

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A context's stapled response: replaced by the fetching thread, copied
 * by each handshake that asks. */
typedef struct {
    pthread_mutex_t mu;
    unsigned char *der;
    size_t len;
} tls__ocsp_staple_t;

static int tls__ocsp_index = -1;
static pthread_once_t tls__ocsp_index_once = PTHREAD_ONCE_INIT;

static void tls__ocsp_staple_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
    tls__ocsp_staple_t *s = ptr;
    if (!s) return;
    free(s->der);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

static void tls__ocsp_make_index(void) { tls__ocsp_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, tls__ocsp_staple_free); }

/* The leaf's issuer: the first certificate of the chain that issued it. */
static X509 *tls__ocsp_issuer(const tls_cert_t *c)
{
    for (int i = 0; c->chain && i < sk_X509_num(c->chain); i++) {
        X509 *x = sk_X509_value(c->chain, i);
        if (X509_check_issued(x, c->leaf) == X509_V_OK) return x;
    }
    return NULL;
}

int tls_ocsp_request(const tls_cert_t *c, char *url, size_t url_len, unsigned char **der, size_t *der_len)
{
    STACK_OF(OPENSSL_STRING) *urls = X509_get1_ocsp(c->leaf);
    X509 *issuer = tls__ocsp_issuer(c);
    int rc = 1;
    if (!urls || sk_OPENSSL_STRING_num(urls) == 0 || !issuer) goto out;
    rc = -1;
    const char *u = sk_OPENSSL_STRING_value(urls, 0);
    if (strlen(u) >= url_len) goto out;
    snprintf(url, url_len, "%s", u);
    OCSP_REQUEST *req = OCSP_REQUEST_new();
    OCSP_CERTID *id = OCSP_cert_to_id(NULL, c->leaf, issuer);
    if (req && id && OCSP_request_add0_id(req, id)) {
        id = NULL;   /* the request owns it */
        unsigned char *out = NULL;
        int n = i2d_OCSP_REQUEST(req, &out);
        if (n > 0) {
            *der = out;
            *der_len = (size_t)n;
            rc = 0;
        }
    }
    OCSP_CERTID_free(id);
    OCSP_REQUEST_free(req);
out:
    X509_email_free(urls);
    ERR_clear_error();
    return rc;
}

int tls_ocsp_check(const tls_cert_t *c, const unsigned char *der, size_t len, time_t now, time_t *refresh_at,
                   bool *revoked, char *err, size_t err_len)
{
    const unsigned char *p = der;
    OCSP_RESPONSE *resp = d2i_OCSP_RESPONSE(NULL, &p, (long)len);
    OCSP_BASICRESP *basic = NULL;
    OCSP_CERTID *id = NULL;
    X509_STORE *store = X509_STORE_new();
    X509 *issuer = tls__ocsp_issuer(c);
    int rc = -1;
    if (!resp || p != der + len) {
        snprintf(err, err_len, "the OCSP response is not DER");
        goto out;
    }
    int st = OCSP_response_status(resp);
    if (st != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
        snprintf(err, err_len, "the OCSP responder answered %s", OCSP_response_status_str(st));
        goto out;
    }
    if (!issuer || !store || !(basic = OCSP_response_get1_basic(resp)) || X509_STORE_add_cert(store, issuer) != 1) {
        snprintf(err, err_len, "the OCSP response has no basic response or the certificate no issuer");
        goto out;
    }
    /* Signed by the issuer itself, or by a responder certificate the
     * issuer signed for OCSP signing (RFC 6960 4.2.2.2): the issuer is the
     * one trust anchor, the chain is not looked at beyond it. */
    if (OCSP_basic_verify(basic, c->chain, store, OCSP_TRUSTOTHER | OCSP_PARTIAL_CHAIN) <= 0) {
        snprintf(err, err_len, "the OCSP response's signature does not verify: %s",
                 ERR_reason_error_string(ERR_peek_last_error()));
        goto out;
    }
    id = OCSP_cert_to_id(NULL, c->leaf, issuer);
    int status, reason;
    ASN1_GENERALIZEDTIME *this_upd, *next_upd;
    if (!id || !OCSP_resp_find_status(basic, id, &status, &reason, NULL, &this_upd, &next_upd)) {
        snprintf(err, err_len, "the OCSP response is not about this certificate");
        goto out;
    }
    if (status == V_OCSP_CERTSTATUS_UNKNOWN) {
        snprintf(err, err_len, "the OCSP responder does not know this certificate");
        goto out;
    }
    if (!OCSP_check_validity(this_upd, next_upd, 300, -1)) {
        snprintf(err, err_len, "the OCSP response is outside its validity");
        goto out;
    }
    *revoked = status == V_OCSP_CERTSTATUS_REVOKED;
    *refresh_at = now + 3600;
    struct tm t_this, t_next;
    if (next_upd && ASN1_TIME_to_tm(this_upd, &t_this) && ASN1_TIME_to_tm(next_upd, &t_next)) {
        time_t a = timegm(&t_this), b = timegm(&t_next);
        if (b > a) *refresh_at = a + (b - a) / 2;
    }
    rc = 0;
out:
    OCSP_CERTID_free(id);
    OCSP_BASICRESP_free(basic);
    OCSP_RESPONSE_free(resp);
    X509_STORE_free(store);
    ERR_clear_error();
    return rc;
}

/* Called in a handshake whose client sent status_request. */
static int tls__ocsp_status_cb(SSL *ssl, void *arg)
{
    (void)arg;
    tls__ocsp_staple_t *s = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), tls__ocsp_index);
    if (!s) return SSL_TLSEXT_ERR_NOACK;
    pthread_mutex_lock(&s->mu);
    unsigned char *copy = s->len ? OPENSSL_malloc(s->len) : NULL;
    size_t len = s->len;
    if (copy) memcpy(copy, s->der, len);
    pthread_mutex_unlock(&s->mu);
    if (!copy) return SSL_TLSEXT_ERR_NOACK;
    if (SSL_set_tlsext_status_ocsp_resp(ssl, copy, (long)len) != 1) {
        OPENSSL_free(copy);
        return SSL_TLSEXT_ERR_NOACK;
    }
    return SSL_TLSEXT_ERR_OK;
}

int tls_ocsp_staple(SSL_CTX *ctx, const unsigned char *der, size_t len)
{
    pthread_once(&tls__ocsp_index_once, tls__ocsp_make_index);
    tls__ocsp_staple_t *s = SSL_CTX_get_ex_data(ctx, tls__ocsp_index);
    if (!s) {
        if (!(s = calloc(1, sizeof *s))) return -1;
        pthread_mutex_init(&s->mu, NULL);
        SSL_CTX_set_ex_data(ctx, tls__ocsp_index, s);
        SSL_CTX_set_tlsext_status_cb(ctx, tls__ocsp_status_cb);
    }
    unsigned char *copy = NULL;
    if (len && !(copy = malloc(len))) return -1;
    if (len) memcpy(copy, der, len);
    pthread_mutex_lock(&s->mu);
    unsigned char *old = s->der;
    s->der = copy;
    s->len = len;
    pthread_mutex_unlock(&s->mu);
    free(old);
    return 0;
}
