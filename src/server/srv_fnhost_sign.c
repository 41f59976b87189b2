/* Ed25519 signature checks for signed modules (fn_host.h
 * verify_ed25519, src/fn/fn_sign.c) with OpenSSL. */
#include <openssl/evp.h>

#include "server/srv_fnhost.h"

static bool srv__fnhost_verify(const uint8_t *key, const uint8_t *msg, size_t len, const uint8_t *sig)
{
    EVP_PKEY *pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, key, 32);
    EVP_MD_CTX *md = pk ? EVP_MD_CTX_new() : NULL;
    bool ok = md && EVP_DigestVerifyInit(md, NULL, NULL, NULL, pk) == 1 &&
              EVP_DigestVerify(md, sig, 64, msg, len) == 1;
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(pk);
    return ok;
}

void srv_fnhost_sign_fill(fn_host_backend_t *b) { b->verify_ed25519 = srv__fnhost_verify; }
