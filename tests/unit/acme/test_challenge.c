/* src/acme: the HTTP-01 token table the server answers from, the
 * TLS-ALPN-01 certificate (parsed back with OpenSSL) and the finalize CSR. */
#define TEST_SUITE "acme/challenge"
#include "testing.h"

#include <openssl/x509v3.h>

#include "acme/challenge.h"
#include "acme/csr.h"
#include "acme/key.h"

static void test_http01_lookup(void)
{
    char out[300];
    CHECK(acme_http01_put("tok-1_A", "tok-1_A.thumb") == 0);
    CHECK_INT_EQ(acme_http01_lookup(IFR_LIT("/.well-known/acme-challenge/tok-1_A"), out, sizeof out), 13);
    CHECK_STR_EQ(out, "tok-1_A.thumb");
    /* Not the prefix, another token, a token with a path or query after it. */
    CHECK(acme_http01_lookup(IFR_LIT("/tok-1_A"), out, sizeof out) == -1);
    CHECK(acme_http01_lookup(IFR_LIT("/.well-known/acme-challenge/tok-2"), out, sizeof out) == -1);
    CHECK(acme_http01_lookup(IFR_LIT("/.well-known/acme-challenge/tok-1_A/x"), out, sizeof out) == -1);
    CHECK(acme_http01_lookup(IFR_LIT("/.well-known/acme-challenge/tok-1_A?x"), out, sizeof out) == -1);
    CHECK(acme_http01_lookup(IFR_LIT("/.well-known/acme-challenge/"), out, sizeof out) == -1);
    /* Too small a buffer gets nothing rather than a cut answer. */
    CHECK(acme_http01_lookup(IFR_LIT("/.well-known/acme-challenge/tok-1_A"), out, 5) == -1);
    /* Replacing keeps one entry; removing forgets it. */
    CHECK(acme_http01_put("tok-1_A", "tok-1_A.other") == 0);
    CHECK(acme_http01_lookup(IFR_LIT("/.well-known/acme-challenge/tok-1_A"), out, sizeof out) == 13);
    CHECK_STR_EQ(out, "tok-1_A.other");
    acme_http01_remove("tok-1_A");
    CHECK(acme_http01_lookup(IFR_LIT("/.well-known/acme-challenge/tok-1_A"), out, sizeof out) == -1);
    /* A token outside base64url is never stored (it could hold a path). */
    CHECK(acme_http01_put("../x", "k") == -1);
    CHECK(acme_http01_put("", "k") == -1);
}

static void test_http01_table_full(void)
{
    char tok[32];
    for (int i = 0; i < ACME_CHALLENGES_MAX; i++) {
        snprintf(tok, sizeof tok, "t%d", i);
        CHECK(acme_http01_put(tok, "k") == 0);
    }
    CHECK(acme_http01_put("one-more", "k") == -1);
    for (int i = 0; i < ACME_CHALLENGES_MAX; i++) {
        snprintf(tok, sizeof tok, "t%d", i);
        acme_http01_remove(tok);
    }
    CHECK(acme_http01_put("one-more", "k") == 0);
    acme_http01_remove("one-more");
}

static void test_tlsalpn_certificate(void)
{
    X509 *cert = NULL;
    EVP_PKEY *key = NULL;
    const char *keyauth = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.thumbprint";
    CHECK(acme_tlsalpn_cert("alpn.example.test", keyauth, &cert, &key) == 0);
    CHECK(cert && key && X509_check_private_key(cert, key) == 1);
    /* Self-signed, the domain as its only SAN. */
    CHECK(X509_verify(cert, key) == 1);
    CHECK(X509_check_host(cert, "alpn.example.test", 0, 0, NULL) == 1);
    GENERAL_NAMES *sans = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    CHECK(sans && sk_GENERAL_NAME_num(sans) == 1);
    GENERAL_NAMES_free(sans);
    /* id-pe-acmeIdentifier, critical, holding OCTET STRING(SHA-256(keyauth)). */
    ASN1_OBJECT *oid = OBJ_txt2obj("1.3.6.1.5.5.7.1.31", 1);
    int at = X509_get_ext_by_OBJ(cert, oid, -1);
    CHECK(at >= 0);
    X509_EXTENSION *ext = at >= 0 ? X509_get_ext(cert, at) : NULL;
    CHECK(ext && X509_EXTENSION_get_critical(ext) == 1);
    if (ext) {
        ASN1_OCTET_STRING *data = X509_EXTENSION_get_data(ext);
        const unsigned char *p = ASN1_STRING_get0_data(data);
        ASN1_OCTET_STRING *inner = d2i_ASN1_OCTET_STRING(NULL, &p, ASN1_STRING_length(data));
        unsigned char want[32];
        EVP_Digest(keyauth, strlen(keyauth), want, NULL, EVP_sha256(), NULL);
        CHECK(inner && ASN1_STRING_length(inner) == 32 && memcmp(ASN1_STRING_get0_data(inner), want, 32) == 0);
        ASN1_OCTET_STRING_free(inner);
    }
    ASN1_OBJECT_free(oid);
    X509_free(cert);
    EVP_PKEY_free(key);
}

static void test_tlsalpn_use(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    SSL *ssl = SSL_new(ctx);
    CHECK(acme_tlsalpn_use(ssl, "alpn.example.test") == -1);
    CHECK(acme_tlsalpn_put("alpn.example.test", "tok.thumb") == 0);
    CHECK(acme_tlsalpn_use(ssl, "ALPN.example.test") == 0); /* names compare without case */
    X509 *cert = SSL_get_certificate(ssl);
    CHECK(cert && X509_check_host(cert, "alpn.example.test", 0, 0, NULL) == 1);
    CHECK(acme_tlsalpn_use(ssl, NULL) == -1);
    acme_tlsalpn_remove("alpn.example.test");
    SSL *ssl2 = SSL_new(ctx);
    CHECK(acme_tlsalpn_use(ssl2, "alpn.example.test") == -1);
    SSL_free(ssl2);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
}

static void test_csr_names(void)
{
    EVP_PKEY *key = acme_key_generate();
    const char *names[] = { "a.example.test", "b.example.test" };
    ifr_buf_t der = IFR_BUF_INIT;
    CHECK(acme_csr_der(&der, key, names, 2) == 0);
    const unsigned char *p = (const unsigned char *)der.data;
    X509_REQ *req = d2i_X509_REQ(NULL, &p, (long)der.len);
    CHECK(req && X509_REQ_verify(req, key) == 1);
    STACK_OF(X509_EXTENSION) *exts = req ? X509_REQ_get_extensions(req) : NULL;
    GENERAL_NAMES *sans = exts ? X509V3_get_d2i(exts, NID_subject_alt_name, NULL, NULL) : NULL;
    CHECK(sans && sk_GENERAL_NAME_num(sans) == 2);
    for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans); i++) {
        GENERAL_NAME *gn = sk_GENERAL_NAME_value(sans, i);
        CHECK(gn->type == GEN_DNS);
        CHECK(ASN1_STRING_length(gn->d.dNSName) == (int)strlen(names[i]) &&
              memcmp(ASN1_STRING_get0_data(gn->d.dNSName), names[i], strlen(names[i])) == 0);
    }
    GENERAL_NAMES_free(sans);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    X509_REQ_free(req);
    /* A name longer than a CN may be still gets a CSR (SAN only). */
    char longname[200];
    memset(longname, 'a', 63);
    strcpy(longname + 63, ".example.test");
    const char *one[] = { longname };
    ifr_buf_t der2 = IFR_BUF_INIT;
    CHECK(acme_csr_der(&der2, key, one, 1) == 0);
    CHECK(acme_csr_der(&der2, key, one, 0) == -1);
    ifr_buf_free(&der2);
    ifr_buf_free(&der);
    EVP_PKEY_free(key);
}

int main(void)
{
    RUN(test_http01_lookup);
    RUN(test_http01_table_full);
    RUN(test_tlsalpn_certificate);
    RUN(test_tlsalpn_use);
    RUN(test_csr_names);
    return testing_done();
}
