/* External account binding (RFC 8555 section 7.3.4): a CA that knows its
 * customers (ZeroSSL, Google Trust Services, a company's own CA) hands
 * out a key identifier and a MAC key; newAccount then carries, as
 * "externalAccountBinding", a JWS over the new account's public JWK,
 * signed with HS256 under the MAC key, whose protected header is
 * {"alg":"HS256","kid":KEY_ID,"url":NEW_ACCOUNT_URL} (no nonce). */
#ifndef IFRIT_ACME_EAB_H
#define IFRIT_ACME_EAB_H

#include <stddef.h>
#include <openssl/evp.h>

#include "base/buf.h"

/* The longest MAC key taken, decoded (CAs hand out 32 to 64 bytes). */
#define ACME_EAB_MAC_MAX 256

/* Whether mac_key is a MAC key as CAs give it: base64url without padding
 * (trailing '=' are tolerated, as some CAs print them), 1 to
 * ACME_EAB_MAC_MAX bytes. */
int acme_eab_mac_valid(const char *mac_key);

/* Appends the flattened JWS {"protected":..,"payload":..,"signature":..}
 * binding account's public key to key_id, for the newAccount request at
 * url. -1 when mac_key is not valid or a buffer cannot grow. */
int acme_eab_append(ifr_buf_t *out, EVP_PKEY *account, const char *key_id, const char *mac_key, const char *url);

#endif
