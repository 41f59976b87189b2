/* The pending challenge tables: see challenge.h. Both are small arrays
 * under one mutex each: a handful of entries live for seconds while an
 * order is validated, and lookups come only for challenge requests. */
#include "acme/challenge.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <openssl/bn.h>
#include <openssl/x509v3.h>

#include "acme/key.h"

#define ACME__TOKEN_MAX 128
#define ACME__KEYAUTH_MAX 256
#define ACME__DOMAIN_MAX 256

typedef struct {
    char token[ACME__TOKEN_MAX];
    char key_authorization[ACME__KEYAUTH_MAX];
} acme__http01_entry_t;

static pthread_mutex_t acme__http01_lock = PTHREAD_MUTEX_INITIALIZER;
static acme__http01_entry_t acme__http01[ACME_CHALLENGES_MAX];

static bool acme__is_b64url(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return false;
    }
    return len > 0;
}

int acme_http01_put(const char *token, const char *key_authorization)
{
    size_t tlen = strlen(token), klen = strlen(key_authorization);
    if (!acme__is_b64url(token, tlen) || tlen >= ACME__TOKEN_MAX || klen >= ACME__KEYAUTH_MAX) return -1;
    int rc = -1;
    pthread_mutex_lock(&acme__http01_lock);
    acme__http01_entry_t *free_slot = NULL;
    for (size_t i = 0; i < ACME_CHALLENGES_MAX; i++) {
        acme__http01_entry_t *e = &acme__http01[i];
        if (strcmp(e->token, token) == 0) { free_slot = e; break; }
        if (!e->token[0] && !free_slot) free_slot = e;
    }
    if (free_slot) {
        memcpy(free_slot->token, token, tlen + 1);
        memcpy(free_slot->key_authorization, key_authorization, klen + 1);
        rc = 0;
    }
    pthread_mutex_unlock(&acme__http01_lock);
    return rc;
}

void acme_http01_remove(const char *token)
{
    pthread_mutex_lock(&acme__http01_lock);
    for (size_t i = 0; i < ACME_CHALLENGES_MAX; i++)
        if (acme__http01[i].token[0] && strcmp(acme__http01[i].token, token) == 0) memset(&acme__http01[i], 0, sizeof acme__http01[i]);
    pthread_mutex_unlock(&acme__http01_lock);
}

long acme_http01_lookup(ifr_str_t path, char *out, size_t cap)
{
    ifr_str_t prefix = IFR_LIT(ACME_HTTP01_PREFIX);
    if (!ifr_str_starts_with(path, prefix)) return -1;
    ifr_str_t token = ifr_str_sub(path, prefix.len, path.len);
    if (!acme__is_b64url(token.ptr, token.len) || token.len >= ACME__TOKEN_MAX) return -1;
    long n = -1;
    pthread_mutex_lock(&acme__http01_lock);
    for (size_t i = 0; i < ACME_CHALLENGES_MAX; i++) {
        acme__http01_entry_t *e = &acme__http01[i];
        if (e->token[0] && ifr_str_eq_cstr(token, e->token)) {
            size_t klen = strlen(e->key_authorization);
            if (klen < cap) {
                memcpy(out, e->key_authorization, klen + 1);
                n = (long)klen;
            }
            break;
        }
    }
    pthread_mutex_unlock(&acme__http01_lock);
    return n;
}

/* id-pe-acmeIdentifier, RFC 8737 section 6.1. */
#define ACME__OID_ACME_IDENTIFIER "1.3.6.1.5.5.7.1.31"

static bool acme__random_serial(X509 *cert)
{
    BIGNUM *bn = BN_new();
    bool ok = bn && BN_rand(bn, 63, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) == 1 &&
              BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != NULL;
    BN_free(bn);
    return ok;
}

int acme_tlsalpn_cert(const char *domain, const char *key_authorization, X509 **cert_out, EVP_PKEY **key_out)
{
    uint8_t digest[32];
    if (EVP_Digest(key_authorization, strlen(key_authorization), digest, NULL, EVP_sha256(), NULL) != 1) return -1;
    EVP_PKEY *key = acme_key_generate();
    X509 *cert = X509_new();
    ASN1_OCTET_STRING *inner = ASN1_OCTET_STRING_new(), *value = ASN1_OCTET_STRING_new();
    ASN1_OBJECT *oid = OBJ_txt2obj(ACME__OID_ACME_IDENTIFIER, 1);
    X509_EXTENSION *ext = NULL;
    GENERAL_NAMES *sans = NULL;
    unsigned char *der = NULL;
    int rc = -1;
    if (!key || !cert || !inner || !value || !oid) goto out;
    /* The extension's value is the DER of an OCTET STRING holding the digest. */
    if (!ASN1_OCTET_STRING_set(inner, digest, sizeof digest)) goto out;
    int der_len = i2d_ASN1_OCTET_STRING(inner, &der);
    if (der_len <= 0 || !ASN1_OCTET_STRING_set(value, der, der_len)) goto out;
    ext = X509_EXTENSION_create_by_OBJ(NULL, oid, 1 /* critical */, value);
    if (!ext) goto out;
    /* The SAN: the domain alone, as a dNSName. */
    GENERAL_NAME *gn = GENERAL_NAME_new();
    ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();
    sans = GENERAL_NAMES_new();
    if (!gn || !ia5 || !sans || !ASN1_STRING_set(ia5, domain, (int)strlen(domain))) {
        GENERAL_NAME_free(gn);
        ASN1_IA5STRING_free(ia5);
        goto out;
    }
    GENERAL_NAME_set0_value(gn, GEN_DNS, ia5);
    if (!sk_GENERAL_NAME_push(sans, gn)) { GENERAL_NAME_free(gn); goto out; }
    X509_NAME *subject = X509_get_subject_name(cert);
    if (X509_set_version(cert, 2) != 1 ||
        !acme__random_serial(cert) ||
        !X509_gmtime_adj(X509_getm_notBefore(cert), -3600) || !X509_gmtime_adj(X509_getm_notAfter(cert), 7 * 86400) ||
        X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC, (const unsigned char *)domain, -1, -1, 0) != 1 ||
        X509_set_issuer_name(cert, subject) != 1 || X509_set_pubkey(cert, key) != 1 ||
        X509_add1_ext_i2d(cert, NID_subject_alt_name, sans, 0, X509V3_ADD_DEFAULT) != 1 ||
        X509_add_ext(cert, ext, -1) != 1 || X509_sign(cert, key, EVP_sha256()) <= 0)
        goto out;
    *cert_out = cert;
    *key_out = key;
    cert = NULL;
    key = NULL;
    rc = 0;
out:
    OPENSSL_free(der);
    GENERAL_NAMES_free(sans);
    X509_EXTENSION_free(ext);
    ASN1_OBJECT_free(oid);
    ASN1_OCTET_STRING_free(inner);
    ASN1_OCTET_STRING_free(value);
    X509_free(cert);
    EVP_PKEY_free(key);
    return rc;
}

typedef struct {
    char domain[ACME__DOMAIN_MAX];
    X509 *cert;
    EVP_PKEY *key;
} acme__tlsalpn_entry_t;

static pthread_mutex_t acme__tlsalpn_lock = PTHREAD_MUTEX_INITIALIZER;
static acme__tlsalpn_entry_t acme__tlsalpn[ACME_CHALLENGES_MAX];

static void acme__tlsalpn_clear(acme__tlsalpn_entry_t *e)
{
    X509_free(e->cert);
    EVP_PKEY_free(e->key);
    memset(e, 0, sizeof *e);
}

int acme_tlsalpn_put(const char *domain, const char *key_authorization)
{
    size_t dlen = strlen(domain);
    if (!dlen || dlen >= ACME__DOMAIN_MAX) return -1;
    X509 *cert;
    EVP_PKEY *key;
    if (acme_tlsalpn_cert(domain, key_authorization, &cert, &key) < 0) return -1;
    int rc = -1;
    pthread_mutex_lock(&acme__tlsalpn_lock);
    acme__tlsalpn_entry_t *slot = NULL;
    for (size_t i = 0; i < ACME_CHALLENGES_MAX; i++) {
        acme__tlsalpn_entry_t *e = &acme__tlsalpn[i];
        if (e->domain[0] && strcasecmp(e->domain, domain) == 0) { slot = e; break; }
        if (!e->domain[0] && !slot) slot = e;
    }
    if (slot) {
        acme__tlsalpn_clear(slot);
        memcpy(slot->domain, domain, dlen + 1);
        slot->cert = cert;
        slot->key = key;
        cert = NULL;
        key = NULL;
        rc = 0;
    }
    pthread_mutex_unlock(&acme__tlsalpn_lock);
    X509_free(cert);
    EVP_PKEY_free(key);
    return rc;
}

void acme_tlsalpn_remove(const char *domain)
{
    pthread_mutex_lock(&acme__tlsalpn_lock);
    for (size_t i = 0; i < ACME_CHALLENGES_MAX; i++)
        if (acme__tlsalpn[i].domain[0] && strcasecmp(acme__tlsalpn[i].domain, domain) == 0) acme__tlsalpn_clear(&acme__tlsalpn[i]);
    pthread_mutex_unlock(&acme__tlsalpn_lock);
}

int acme_tlsalpn_use(SSL *ssl, const char *domain)
{
    int rc = -1;
    if (!domain) return -1;
    pthread_mutex_lock(&acme__tlsalpn_lock);
    for (size_t i = 0; i < ACME_CHALLENGES_MAX; i++) {
        acme__tlsalpn_entry_t *e = &acme__tlsalpn[i];
        if (e->domain[0] && strcasecmp(e->domain, domain) == 0) {
            rc = SSL_use_certificate(ssl, e->cert) == 1 && SSL_use_PrivateKey(ssl, e->key) == 1 ? 0 : -1;
            break;
        }
    }
    pthread_mutex_unlock(&acme__tlsalpn_lock);
    return rc;
}
