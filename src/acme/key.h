/* ECDSA P-256 keys: the ACME account key and every certificate key.
 * Ownership: each function returning an EVP_PKEY gives the caller one
 * reference (EVP_PKEY_free). */
#ifndef IFRIT_ACME_KEY_H
#define IFRIT_ACME_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <openssl/evp.h>

#include "base/buf.h"

/* A new P-256 key pair, or NULL (the OpenSSL error is logged). */
EVP_PKEY *acme_key_generate(void);

/* The private key as PEM (PKCS#8, "PRIVATE KEY") appended to out. -1 on failure. */
int acme_key_to_pem(EVP_PKEY *key, ifr_buf_t *out);

/* A private key read back from PEM, or NULL when the text holds none or it
 * is not P-256 (the only curve this client signs with). */
EVP_PKEY *acme_key_from_pem(const char *pem, size_t len);

/* Whether key is an EC key on P-256. */
bool acme_key_is_p256(EVP_PKEY *key);

#endif
