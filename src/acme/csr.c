/* CSR for finalize: see csr.h. */
#include "acme/csr.h"

#include <string.h>
#include <openssl/x509v3.h>

int acme_csr_der(ifr_buf_t *out, EVP_PKEY *key, const char *const *names, size_t n)
{
    if (n == 0) return -1;
    X509_REQ *req = X509_REQ_new();
    GENERAL_NAMES *sans = GENERAL_NAMES_new();
    STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
    unsigned char *der = NULL;
    int rc = -1;
    if (!req || !sans || !exts) goto out;
    for (size_t i = 0; i < n; i++) {
        GENERAL_NAME *gn = GENERAL_NAME_new();
        ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();
        if (!gn || !ia5 || !ASN1_STRING_set(ia5, names[i], (int)strlen(names[i]))) {
            GENERAL_NAME_free(gn);
            ASN1_IA5STRING_free(ia5);
            goto out;
        }
        GENERAL_NAME_set0_value(gn, GEN_DNS, ia5);
        if (!sk_GENERAL_NAME_push(sans, gn)) { GENERAL_NAME_free(gn); goto out; }
    }
    X509_EXTENSION *san = X509V3_EXT_i2d(NID_subject_alt_name, 0, sans);
    if (!san || !sk_X509_EXTENSION_push(exts, san)) { X509_EXTENSION_free(san); goto out; }
    X509_NAME *subject = X509_REQ_get_subject_name(req);
    /* A CN holds at most 64 characters (RFC 5280's ub-common-name); the SAN is what counts. */
    if (strlen(names[0]) <= 64 &&
        X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC, (const unsigned char *)names[0], -1, -1, 0) != 1)
        goto out;
    if (X509_REQ_set_version(req, 0) != 1 ||
        X509_REQ_set_pubkey(req, key) != 1 || X509_REQ_add_extensions(req, exts) != 1 ||
        X509_REQ_sign(req, key, EVP_sha256()) <= 0)
        goto out;
    int len = i2d_X509_REQ(req, &der);
    if (len > 0 && ifr_buf_append(out, der, (size_t)len) == 0) rc = 0;
out:
    OPENSSL_free(der);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    GENERAL_NAMES_free(sans);
    X509_REQ_free(req);
    return rc;
}
