/* libFuzzer target for the server's ClientHello handling (tls/tls_store.c):
 * the input is what a client sends first, fed to a server connection of a
 * store with an exact, a wildcard and a default entry, through memory
 * BIOs. The ClientHello callback parses the server_name extension itself
 * and moves the connection to the picked context; it must never crash,
 * leak or read out of bounds, whatever the name bytes are. */
#include <stdint.h>
#include <stdlib.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "tls/tls_cert.h"
#include "tls/tls_ctx.h"
#include "tls/tls_store.h"

static tls_store_t *store;

/* A self-signed P-256 certificate for a.test and *.w.test, made once. */
static tls_cert_t *fuzz_cert(void)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_UTF8, (const unsigned char *)"a.test", -1,
                               -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(x));
    X509_gmtime_adj(X509_getm_notBefore(x), -60);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600 * 24 * 365);
    X509_set_pubkey(x, k);
    X509_sign(x, k, EVP_sha256());
    BIO *cb = BIO_new(BIO_s_mem()), *kb = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(cb, x);
    PEM_write_bio_PrivateKey(kb, k, NULL, NULL, 0, NULL, NULL);
    char *cp, *kp, err[256];
    long cl = BIO_get_mem_data(cb, &cp), kl = BIO_get_mem_data(kb, &kp);
    tls_cert_t *c = tls_cert_from_pem(cp, (size_t)cl, "fuzz", kp, (size_t)kl, "fuzz", err, sizeof err);
    BIO_free(cb);
    BIO_free(kb);
    X509_free(x);
    EVP_PKEY_free(k);
    return c;
}

static void fuzz_setup(void)
{
    tls_cert_t *c = fuzz_cert();
    tls_policy_conf_t conf = { 0 }, strict = { .protocol_min = "tls1.3" };
    char err[256];
    SSL_CTX *a = tls_ctx_new(&conf, c, err, sizeof err), *b = tls_ctx_new(&strict, c, err, sizeof err);
    if (!c || !a || !b) abort();
    store = tls_store_new("a.test", "a.test");
    tls_store_add(store, "a.test", a);
    tls_store_add(store, "*.w.test", b);
    SSL_CTX_free(a);
    SSL_CTX_free(b);
    tls_cert_release(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!store) fuzz_setup();
    SSL *ssl = SSL_new(tls_store_accept_ctx(store));
    BIO *in = BIO_new(BIO_s_mem()), *out = BIO_new(BIO_s_mem());
    if (!ssl || !in || !out) abort();
    BIO_write(in, data, (int)size);
    SSL_set_bio(ssl, in, out);
    SSL_set_accept_state(ssl);
    SSL_do_handshake(ssl);
    SSL_free(ssl);
    ERR_clear_error();
    return 0;
}
