/* ES256 JWS, JWK and thumbprint on OpenSSL's EVP API: see jws.h. */
#include "acme/jws.h"

#include <string.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>

#include "acme/b64url.h"
#include "acme/key.h"
#include "base/json.h"

#define ACME__COORD_LEN 32

/* x and y of a P-256 public key, 32 bytes each, big-endian. */
static int acme__ec_coords(EVP_PKEY *key, uint8_t x[ACME__COORD_LEN], uint8_t y[ACME__COORD_LEN])
{
    BIGNUM *bx = NULL, *by = NULL;
    int rc = -1;
    if (acme_key_is_p256(key) &&
        EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &bx) &&
        EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &by) &&
        BN_bn2binpad(bx, x, ACME__COORD_LEN) == ACME__COORD_LEN &&
        BN_bn2binpad(by, y, ACME__COORD_LEN) == ACME__COORD_LEN)
        rc = 0;
    BN_free(bx);
    BN_free(by);
    return rc;
}

int acme_jwk_append(ifr_buf_t *out, EVP_PKEY *key)
{
    uint8_t x[ACME__COORD_LEN], y[ACME__COORD_LEN];
    if (acme__ec_coords(key, x, y) < 0) return -1;
    if (ifr_buf_append_cstr(out, "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"") < 0 ||
        acme_b64url_append(out, x, sizeof x) < 0 ||
        ifr_buf_append_cstr(out, "\",\"y\":\"") < 0 ||
        acme_b64url_append(out, y, sizeof y) < 0 ||
        ifr_buf_append_cstr(out, "\"}") < 0)
        return -1;
    return 0;
}

int acme_jwk_thumbprint(EVP_PKEY *key, char out[ACME_THUMBPRINT_LEN + 1])
{
    ifr_buf_t jwk = IFR_BUF_INIT, enc = IFR_BUF_INIT;
    uint8_t digest[32];
    int rc = -1;
    if (acme_jwk_append(&jwk, key) == 0 &&
        EVP_Digest(jwk.data, jwk.len, digest, NULL, EVP_sha256(), NULL) == 1 &&
        acme_b64url_append(&enc, digest, sizeof digest) == 0 && enc.len == ACME_THUMBPRINT_LEN) {
        memcpy(out, enc.data, enc.len);
        out[enc.len] = '\0';
        rc = 0;
    }
    ifr_buf_free(&jwk);
    ifr_buf_free(&enc);
    return rc;
}

/* One 32-byte coordinate of a JWK: base64url of exactly 32 bytes. */
static int acme__jwk_coord(const ifr_json_t *jwk, const char *name, uint8_t out[ACME__COORD_LEN])
{
    const ifr_json_t *v = ifr_json_get(jwk, name);
    if (!v || v->type != IFR_JSON_STRING) return -1;
    return acme_b64url_decode(v->string.ptr, v->string.len, out, ACME__COORD_LEN) == ACME__COORD_LEN ? 0 : -1;
}

static bool acme__json_str_is(const ifr_json_t *v, const char *want)
{
    return v && v->type == IFR_JSON_STRING && ifr_str_eq_cstr(v->string, want);
}

EVP_PKEY *acme_jwk_to_key(const ifr_json_t *jwk, const char **why)
{
    uint8_t point[1 + 2 * ACME__COORD_LEN];
    if (!jwk || jwk->type != IFR_JSON_OBJECT) {
        *why = "the jwk is not a JSON object";
        return NULL;
    }
    if (!acme__json_str_is(ifr_json_get(jwk, "kty"), "EC") || !acme__json_str_is(ifr_json_get(jwk, "crv"), "P-256")) {
        *why = "the jwk is not an EC key on P-256";
        return NULL;
    }
    point[0] = 0x04; /* uncompressed point: 04 || x || y (SEC 1, 2.3.3) */
    if (acme__jwk_coord(jwk, "x", point + 1) < 0 || acme__jwk_coord(jwk, "y", point + 1 + ACME__COORD_LEN) < 0) {
        *why = "the jwk's x or y is not 32 bytes of base64url";
        return NULL;
    }
    EVP_PKEY *key = NULL;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    if (bld && ctx &&
        OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0) &&
        OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point) &&
        (params = OSSL_PARAM_BLD_to_param(bld)) != NULL &&
        EVP_PKEY_fromdata_init(ctx) == 1 &&
        EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) == 1) {
        /* fromdata takes any bytes; a point off the curve is refused here. */
        EVP_PKEY_CTX *check = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
        if (!check || EVP_PKEY_public_check(check) != 1) {
            EVP_PKEY_free(key);
            key = NULL;
        }
        EVP_PKEY_CTX_free(check);
    }
    if (!key) *why = "the jwk's point is not on P-256";
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EVP_PKEY_CTX_free(ctx);
    ERR_clear_error();
    return key;
}

int acme_es256_sign(EVP_PKEY *key, const void *msg, size_t len, uint8_t sig[ACME_ES256_SIG_LEN])
{
    uint8_t der[80]; /* a P-256 DER signature is at most 72 bytes */
    size_t der_len = sizeof der;
    int rc = -1;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md) return -1;
    if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
        EVP_DigestSign(md, der, &der_len, msg, len) == 1) {
        const unsigned char *p = der;
        ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
        if (es) {
            const BIGNUM *r, *s;
            ECDSA_SIG_get0(es, &r, &s);
            if (BN_bn2binpad(r, sig, 32) == 32 && BN_bn2binpad(s, sig + 32, 32) == 32) rc = 0;
            ECDSA_SIG_free(es);
        }
    }
    EVP_MD_CTX_free(md);
    ERR_clear_error();
    return rc;
}

int acme_es256_verify(EVP_PKEY *key, const void *msg, size_t len, const uint8_t sig[ACME_ES256_SIG_LEN])
{
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, 32, NULL), *s = BN_bin2bn(sig + 32, 32, NULL);
    unsigned char *der = NULL;
    int ok = 0;
    if (es && r && s && ECDSA_SIG_set0(es, r, s) == 1) {
        r = s = NULL; /* owned by es now */
        int der_len = i2d_ECDSA_SIG(es, &der);
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        if (der_len > 0 && md && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) == 1)
            ok = EVP_DigestVerify(md, der, (size_t)der_len, msg, len) == 1;
        EVP_MD_CTX_free(md);
    }
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(es);
    OPENSSL_free(der);
    ERR_clear_error();
    return ok;
}

static int acme__append_member(ifr_buf_t *b, const char *name, const char *value)
{
    return ifr_buf_printf(b, ",\"%s\":", name) < 0 || ifr_json_append_string(b, ifr_cstr(value)) < 0 ? -1 : 0;
}

int acme_jws_append(ifr_buf_t *out, EVP_PKEY *key, const acme_jws_header_t *hdr,
                    const char *payload, size_t len)
{
    ifr_buf_t header = IFR_BUF_INIT, input = IFR_BUF_INIT;
    uint8_t sig[ACME_ES256_SIG_LEN];
    int rc = -1;
    /* The protected header as JSON, then the signing input
     * base64url(header) "." base64url(payload) (RFC 7515 section 5.1). */
    if (ifr_buf_append_cstr(&header, "{\"alg\":\"ES256\"") < 0) goto out;
    if (hdr->kid) {
        if (acme__append_member(&header, "kid", hdr->kid) < 0) goto out;
    } else if (ifr_buf_append_cstr(&header, ",\"jwk\":") < 0 || acme_jwk_append(&header, key) < 0) {
        goto out;
    }
    if (hdr->nonce && acme__append_member(&header, "nonce", hdr->nonce) < 0) goto out;
    if (acme__append_member(&header, "url", hdr->url) < 0 || ifr_buf_append_byte(&header, '}') < 0) goto out;
    if (acme_b64url_append(&input, header.data, header.len) < 0 || ifr_buf_append_byte(&input, '.') < 0 ||
        acme_b64url_append(&input, payload, len) < 0)
        goto out;
    if (acme_es256_sign(key, input.data, input.len, sig) < 0) goto out;
    const char *dot = memchr(input.data, '.', input.len);
    size_t hlen = (size_t)(dot - input.data);
    if (ifr_buf_append_cstr(out, "{\"protected\":\"") < 0 || ifr_buf_append(out, input.data, hlen) < 0 ||
        ifr_buf_append_cstr(out, "\",\"payload\":\"") < 0 ||
        ifr_buf_append(out, dot + 1, input.len - hlen - 1) < 0 ||
        ifr_buf_append_cstr(out, "\",\"signature\":\"") < 0 || acme_b64url_append(out, sig, sizeof sig) < 0 ||
        ifr_buf_append_cstr(out, "\"}") < 0)
        goto out;
    rc = 0;
out:
    ifr_buf_free(&header);
    ifr_buf_free(&input);
    return rc;
}

/* Decodes one base64url part into a NUL-terminated arena copy. */
static char *acme__decode_part(ifr_arena_t *a, ifr_str_t b64, size_t *len)
{
    size_t cap = b64.len / 4 * 3 + 3;
    uint8_t *buf = ifr_arena_alloc(a, cap + 1);
    if (!buf) return NULL;
    long n = acme_b64url_decode(b64.ptr, b64.len, buf, cap);
    if (n < 0) return NULL;
    buf[n] = '\0';
    *len = (size_t)n;
    return (char *)buf;
}

int acme_jws_verify_parts(ifr_arena_t *a, ifr_str_t protected_b64, ifr_str_t payload_b64,
                          ifr_str_t signature_b64, EVP_PKEY *key, acme_jws_t *out, const char **why)
{
    size_t hlen = 0;
    char *htext = acme__decode_part(a, protected_b64, &hlen);
    if (!htext) {
        *why = "the protected header is not base64url";
        return -1;
    }
    ifr_json_error_t jerr;
    ifr_json_t *header = ifr_json_parse(a, htext, hlen, &jerr);
    if (!header || header->type != IFR_JSON_OBJECT) {
        *why = "the protected header is not a JSON object";
        return -1;
    }
    if (!acme__json_str_is(ifr_json_get(header, "alg"), "ES256")) {
        *why = "the protected header's alg is not ES256";
        return -1;
    }
    uint8_t sig[ACME_ES256_SIG_LEN];
    if (acme_b64url_decode(signature_b64.ptr, signature_b64.len, sig, sizeof sig) != ACME_ES256_SIG_LEN) {
        *why = "the signature is not 64 bytes of base64url";
        return -1;
    }
    size_t plen = 0;
    char *payload = acme__decode_part(a, payload_b64, &plen);
    if (!payload) {
        *why = "the payload is not base64url";
        return -1;
    }
    EVP_PKEY *own = NULL;
    if (!key) {
        own = key = acme_jwk_to_key(ifr_json_get(header, "jwk"), why);
        if (!key) return -1;
    }
    /* The signing input is the parts as sent, not a re-encoding. */
    ifr_buf_t input = IFR_BUF_INIT;
    int rc = -1;
    if (ifr_buf_append_str(&input, protected_b64) == 0 && ifr_buf_append_byte(&input, '.') == 0 &&
        ifr_buf_append_str(&input, payload_b64) == 0) {
        rc = acme_es256_verify(key, input.data, input.len, sig);
        if (!rc) *why = "the signature does not verify";
    } else {
        *why = "out of memory";
    }
    ifr_buf_free(&input);
    EVP_PKEY_free(own);
    if (rc == 1) {
        out->header = header;
        out->payload = payload;
        out->payload_len = plen;
    }
    return rc;
}

static bool acme__string_member(const ifr_json_t *obj, const char *name, ifr_str_t *out)
{
    const ifr_json_t *v = ifr_json_get(obj, name);
    if (!v || v->type != IFR_JSON_STRING) return false;
    *out = v->string;
    return true;
}

int acme_jws_verify_json(ifr_arena_t *a, const char *text, size_t len, EVP_PKEY *key,
                         acme_jws_t *out, const char **why)
{
    ifr_json_error_t jerr;
    ifr_json_t *doc = ifr_json_parse(a, text, len, &jerr);
    ifr_str_t prot, payload, sig;
    if (!doc || doc->type != IFR_JSON_OBJECT) {
        *why = "the JWS is not a JSON object";
        return -1;
    }
    if (!acme__string_member(doc, "protected", &prot) || !acme__string_member(doc, "payload", &payload) ||
        !acme__string_member(doc, "signature", &sig)) {
        *why = "the JWS lacks a protected, payload or signature string";
        return -1;
    }
    return acme_jws_verify_parts(a, prot, payload, sig, key, out, why);
}
