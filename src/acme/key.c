/* P-256 key generation and PEM round trips: see key.h. */
#include "acme/key.h"

#include <stdint.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "base/log.h"

EVP_PKEY *acme_key_generate(void)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (!key) ifr_log_error("acme", "generating a P-256 key failed: %s", ERR_reason_error_string(ERR_get_error()));
    return key;
}

int acme_key_to_pem(EVP_PKEY *key, ifr_buf_t *out)
{
    BIO *bio = BIO_new(BIO_s_mem());
    if (!bio) return -1;
    int rc = -1;
    if (PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) == 1) {
        char *p;
        long n = BIO_get_mem_data(bio, &p);
        if (n > 0 && ifr_buf_append(out, p, (size_t)n) == 0) rc = 0;
    }
    BIO_free(bio);
    return rc;
}

bool acme_key_is_p256(EVP_PKEY *key)
{
    char group[32];
    size_t glen = 0;
    if (!key || !EVP_PKEY_is_a(key, "EC")) return false;
    if (!EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &glen)) return false;
    return strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0;
}

/* An encrypted key is refused instead of OpenSSL asking on the terminal. */
static int acme__no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf; (void)size; (void)rwflag; (void)u;
    return -1;
}

EVP_PKEY *acme_key_from_pem(const char *pem, size_t len)
{
    if (len > INT32_MAX) return NULL;
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    if (!bio) return NULL;
    EVP_PKEY *key = PEM_read_bio_PrivateKey(bio, NULL, acme__no_passphrase, NULL);
    BIO_free(bio);
    ERR_clear_error();
    if (key && !acme_key_is_p256(key)) {
        EVP_PKEY_free(key);
        key = NULL;
    }
    return key;
}
