/* JSON Web Signatures with ES256 (RFC 7515, RFC 7518 section 3.4) as ACME
 * sends them (RFC 8555 section 6.2): the flattened JSON serialization, a
 * protected header with alg, nonce, url and either the account's kid or the
 * public key as a JWK (RFC 7517), and the JWK thumbprint (RFC 7638) that key
 * authorizations are built from.
 *
 * An ES256 signature is r || s, 32 bytes each, big-endian: not the DER
 * form OpenSSL produces and takes, which is converted here. */
#ifndef IFRIT_ACME_JWS_H
#define IFRIT_ACME_JWS_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/json_read.h"

#define ACME_ES256_SIG_LEN 64
/* base64url of a SHA-256 digest: 43 characters. */
#define ACME_THUMBPRINT_LEN 43

/* Appends the public half of a P-256 key as a JWK with its required
 * members in lexicographic order and no whitespace, which is also the
 * thumbprint's input (RFC 7638 section 3.2). -1 on failure. */
int acme_jwk_append(ifr_buf_t *out, EVP_PKEY *key);

/* The JWK thumbprint: base64url(SHA-256(canonical JWK)), NUL-terminated. */
int acme_jwk_thumbprint(EVP_PKEY *key, char out[ACME_THUMBPRINT_LEN + 1]);

/* A public key from a parsed JWK object ({"kty":"EC","crv":"P-256",x,y}),
 * or NULL with *why set when it is not one or the point is not on the
 * curve. The caller frees the key. */
EVP_PKEY *acme_jwk_to_key(const ifr_json_t *jwk, const char **why);

/* Signs msg with SHA-256 and the P-256 key; sig gets r || s. -1 on failure. */
int acme_es256_sign(EVP_PKEY *key, const void *msg, size_t len, uint8_t sig[ACME_ES256_SIG_LEN]);
/* 1 when sig (r || s) is key's signature of msg, 0 when it is not. */
int acme_es256_verify(EVP_PKEY *key, const void *msg, size_t len, const uint8_t sig[ACME_ES256_SIG_LEN]);

/* The protected header of one ACME request. kid NULL sends the key as a
 * jwk instead (newAccount, and revocation by certificate key). nonce NULL
 * leaves the nonce out (only an external account binding does that). */
typedef struct {
    const char *url;
    const char *nonce;
    const char *kid;
} acme_jws_header_t;

/* Appends {"protected":..,"payload":..,"signature":..}. payload NULL with
 * len 0 is the empty payload of a POST-as-GET (RFC 8555 section 6.3).
 * -1 on failure. */
int acme_jws_append(ifr_buf_t *out, EVP_PKEY *key, const acme_jws_header_t *hdr,
                    const char *payload, size_t len);

/* A verified JWS, its parts decoded into the arena. */
typedef struct {
    ifr_json_t *header;     /* the protected header, parsed */
    char *payload;          /* decoded payload, NUL-terminated */
    size_t payload_len;
} acme_jws_t;

/* Checks a JWS given as its three base64url parts (the compact form's
 * fields): the protected header must be a JSON object with alg ES256 and
 * the signature must verify with key, or with the header's jwk when key is
 * NULL. Returns 1 (verified, *out filled), 0 (a well-formed JWS whose
 * signature does not verify) or -1 (malformed: *why says how). */
int acme_jws_verify_parts(ifr_arena_t *a, ifr_str_t protected_b64, ifr_str_t payload_b64,
                          ifr_str_t signature_b64, EVP_PKEY *key, acme_jws_t *out, const char **why);

/* The same for the flattened JSON serialization acme_jws_append writes. */
int acme_jws_verify_json(ifr_arena_t *a, const char *text, size_t len, EVP_PKEY *key,
                         acme_jws_t *out, const char **why);

#endif
