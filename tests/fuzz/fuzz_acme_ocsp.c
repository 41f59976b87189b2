/* libFuzzer target for the OCSP response check (tls/tls_ocsp.h), what
 * every responder's answer goes through before it is stapled: the input is
 * the response's DER, checked against a leaf and issuer made once here.
 * Must never crash, leak or read out of bounds; an answer made by no one
 * holding the issuer's key is never accepted. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "tls/tls_cert.h"
#include "tls/tls_ocsp.h"

static X509 *fuzz_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key)
{
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), issuer ? 2 : 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_NAME *n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
    X509_set_pubkey(x, key);
    X509_sign(x, issuer_key, EVP_sha256());
    return x;
}

static tls_cert_t *fuzz_pair(void)
{
    static tls_cert_t c;
    if (c.leaf) return &c;
    EVP_PKEY *ca_key = EVP_EC_gen("P-256"), *leaf_key = EVP_EC_gen("P-256");
    X509 *ca = fuzz_cert("fuzz CA", ca_key, NULL, ca_key);
    c.leaf = fuzz_cert("leaf.test", leaf_key, ca, ca_key);
    c.chain = sk_X509_new_null();
    sk_X509_push(c.chain, ca);
    c.key = leaf_key;
    EVP_PKEY_free(ca_key);
    return &c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tls_cert_t *c = fuzz_pair();
    char err[512];
    time_t refresh;
    bool revoked;
    /* The issuer's key is gone: no input can carry a valid signature. */
    if (tls_ocsp_check(c, data, size, 1700000000, &refresh, &revoked, err, sizeof err) == 0) abort();
    return 0;
}
