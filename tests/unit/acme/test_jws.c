/* src/acme: base64url, P-256 keys, JWK, thumbprint, ES256 JWS and the
 * HS256 external account binding, checked against RFC 4648 and RFC 7515
 * A.3, against values computed with Python's hmac, and against OpenSSL. */
#define TEST_SUITE "acme/jws"
#include "testing.h"

#include <openssl/bn.h>
#include <openssl/ec.h>

#include "acme/b64url.h"
#include "acme/eab.h"
#include "acme/jws.h"
#include "acme/key.h"

/* RFC 7515 appendix A.3: the ES256 example. */
#define A3_JWK "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\"," \
               "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}"
#define A3_PROTECTED "eyJhbGciOiJFUzI1NiJ9"
#define A3_PAYLOAD "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
#define A3_SIGNATURE "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q"

static ifr_json_t *parse(ifr_arena_t *a, const char *text)
{
    ifr_json_error_t err;
    return ifr_json_parse(a, text, strlen(text), &err);
}

static EVP_PKEY *a3_key(ifr_arena_t *a)
{
    const char *why = NULL;
    return acme_jwk_to_key(parse(a, A3_JWK), &why);
}

static void test_b64url_rfc4648_vectors(void)
{
    static const char *plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
    static const char *enc[] = { "", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy" };
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        ifr_buf_t b = IFR_BUF_INIT;
        CHECK(acme_b64url_append(&b, plain[i], strlen(plain[i])) == 0);
        CHECK_INT_EQ(b.len, acme_b64url_len(strlen(plain[i])));
        CHECK(b.len == strlen(enc[i]) && (b.len == 0 || memcmp(b.data, enc[i], b.len) == 0));
        uint8_t out[8];
        long n = acme_b64url_decode(enc[i], strlen(enc[i]), out, sizeof out);
        CHECK_INT_EQ(n, (long)strlen(plain[i]));
        CHECK(n >= 0 && memcmp(out, plain[i], (size_t)n) == 0);
        ifr_buf_free(&b);
    }
    /* The URL-safe letters for 62 and 63. */
    ifr_buf_t b = IFR_BUF_INIT;
    CHECK(acme_b64url_append(&b, "\xfb\xff", 2) == 0);
    CHECK_MEM_EQ(b.data, b.len, "-_8");
    ifr_buf_free(&b);
}

static void test_b64url_refusals(void)
{
    uint8_t out[16];
    CHECK(acme_b64url_decode("Zg==", 4, out, sizeof out) == -1);  /* padding */
    CHECK(acme_b64url_decode("+/8", 3, out, sizeof out) == -1);   /* plain base64 letters */
    CHECK(acme_b64url_decode("Zm9vY", 5, out, sizeof out) == -1); /* 4k+1 characters */
    CHECK(acme_b64url_decode("Zh", 2, out, sizeof out) == -1);    /* leftover bits set */
    CHECK(acme_b64url_decode("Zm 9v", 5, out, sizeof out) == -1); /* whitespace */
    CHECK(acme_b64url_decode("Zm9vYmFy", 8, out, 5) == -1);       /* longer than cap */
}

static void test_rfc7515_a3_verifies(void)
{
    ifr_arena_t a;
    ifr_arena_init(&a, 0);
    EVP_PKEY *key = a3_key(&a);
    CHECK(key != NULL);
    acme_jws_t jws = { 0 };
    const char *why = NULL;
    CHECK_INT_EQ(acme_jws_verify_parts(&a, IFR_LIT(A3_PROTECTED), IFR_LIT(A3_PAYLOAD), IFR_LIT(A3_SIGNATURE),
                                       key, &jws, &why), 1);
    CHECK(jws.payload && strstr(jws.payload, "\"iss\":\"joe\"") != NULL);
    /* One changed character in the signature, or in the payload, fails. */
    char sig[] = A3_SIGNATURE;
    sig[10] = sig[10] == 'A' ? 'B' : 'A';
    CHECK_INT_EQ(acme_jws_verify_parts(&a, IFR_LIT(A3_PROTECTED), IFR_LIT(A3_PAYLOAD), ifr_cstr(sig), key, &jws, &why), 0);
    char payload[] = A3_PAYLOAD;
    payload[5] = payload[5] == 'A' ? 'B' : 'A';
    CHECK_INT_EQ(acme_jws_verify_parts(&a, IFR_LIT(A3_PROTECTED), ifr_cstr(payload), IFR_LIT(A3_SIGNATURE), key, &jws, &why), 0);
    /* alg none is refused as malformed, not verified. */
    CHECK_INT_EQ(acme_jws_verify_parts(&a, IFR_LIT("eyJhbGciOiJub25lIn0"), IFR_LIT(A3_PAYLOAD), IFR_LIT(A3_SIGNATURE),
                                       key, &jws, &why), -1);
    CHECK(why && strstr(why, "ES256"));
    EVP_PKEY_free(key);
    ifr_arena_destroy(&a);
}

static void test_thumbprint_of_a3_key(void)
{
    /* base64url(SHA-256('{"crv":"P-256","kty":"EC","x":...,"y":...}')),
     * computed independently with Python's hashlib. */
    ifr_arena_t a;
    ifr_arena_init(&a, 0);
    EVP_PKEY *key = a3_key(&a);
    char tp[ACME_THUMBPRINT_LEN + 1];
    CHECK(key && acme_jwk_thumbprint(key, tp) == 0);
    CHECK_STR_EQ(tp, "oKIywvGUpTVTyxMQ3bwIIeQUudfr_CkLMjCE19ECD-U");
    ifr_buf_t jwk = IFR_BUF_INIT;
    CHECK(acme_jwk_append(&jwk, key) == 0);
    CHECK_MEM_EQ(jwk.data, jwk.len, "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
                                    "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}");
    ifr_buf_free(&jwk);
    EVP_PKEY_free(key);
    ifr_arena_destroy(&a);
}

static void test_jwk_refusals(void)
{
    ifr_arena_t a;
    ifr_arena_init(&a, 0);
    const char *why = NULL;
    CHECK(acme_jwk_to_key(parse(&a, "[1]"), &why) == NULL && why);
    CHECK(acme_jwk_to_key(parse(&a, "{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\"}"), &why) == NULL);
    CHECK(acme_jwk_to_key(parse(&a, "{\"kty\":\"EC\",\"crv\":\"P-384\",\"x\":\"AA\",\"y\":\"AA\"}"), &why) == NULL);
    CHECK(acme_jwk_to_key(parse(&a, "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AAAA\",\"y\":\"AAAA\"}"), &why) == NULL);
    CHECK(why && strstr(why, "32 bytes"));
    /* The A.3 key with y's last byte changed: a point off the curve. */
    CHECK(acme_jwk_to_key(parse(&a, "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
                                    "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a4\"}"), &why) == NULL);
    CHECK(why && strstr(why, "not on P-256"));
    ifr_arena_destroy(&a);
}

/* Verifies r || s with OpenSSL alone, so a bug shared by acme_es256_sign
 * and acme_es256_verify cannot hide. */
static int openssl_verify_raw(EVP_PKEY *key, const char *msg, size_t len, const uint8_t *sig)
{
    ECDSA_SIG *es = ECDSA_SIG_new();
    ECDSA_SIG_set0(es, BN_bin2bn(sig, 32, NULL), BN_bin2bn(sig + 32, 32, NULL));
    unsigned char *der = NULL;
    int der_len = i2d_ECDSA_SIG(es, &der);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
             EVP_DigestVerify(md, der, (size_t)der_len, (const unsigned char *)msg, len) == 1;
    EVP_MD_CTX_free(md);
    OPENSSL_free(der);
    ECDSA_SIG_free(es);
    return ok;
}

static void test_own_jws_with_kid(void)
{
    ifr_arena_t a;
    ifr_arena_init(&a, 0);
    EVP_PKEY *key = acme_key_generate();
    CHECK(key && acme_key_is_p256(key));
    acme_jws_header_t h = { .url = "https://ca.test/acme/new-order", .nonce = "n0nce-\"1\"", .kid = "https://ca.test/acct/7" };
    const char *payload = "{\"identifiers\":[{\"type\":\"dns\",\"value\":\"a.test\"}]}";
    ifr_buf_t out = IFR_BUF_INIT;
    CHECK(acme_jws_append(&out, key, &h, payload, strlen(payload)) == 0);
    CHECK(ifr_buf_append_byte(&out, '\0') == 0); /* the checks below read it as a C string */
    out.len--;
    acme_jws_t jws = { 0 };
    const char *why = NULL;
    CHECK_INT_EQ(acme_jws_verify_json(&a, out.data, out.len, key, &jws, &why), 1);
    CHECK(jws.payload && strcmp(jws.payload, payload) == 0);
    const ifr_json_t *v = ifr_json_get(jws.header, "url");
    CHECK(v && ifr_str_eq_cstr(v->string, h.url));
    v = ifr_json_get(jws.header, "nonce");
    CHECK(v && ifr_str_eq_cstr(v->string, h.nonce));
    v = ifr_json_get(jws.header, "kid");
    CHECK(v && ifr_str_eq_cstr(v->string, h.kid));
    CHECK(ifr_json_get(jws.header, "jwk") == NULL);

    /* The signature is 64 raw bytes and OpenSSL agrees it is valid. */
    ifr_json_t *doc = parse(&a, out.data);
    const ifr_json_t *prot = ifr_json_get(doc, "protected"), *pl = ifr_json_get(doc, "payload"),
                     *sig = ifr_json_get(doc, "signature");
    CHECK(prot && pl && sig);
    uint8_t raw[80];
    CHECK_INT_EQ(acme_b64url_decode(sig->string.ptr, sig->string.len, raw, sizeof raw), 64);
    char *input = ifr_arena_printf(&a, "%s.%s", prot->string.ptr, pl->string.ptr);
    CHECK(openssl_verify_raw(key, input, strlen(input), raw));

    /* Another key does not verify it. */
    EVP_PKEY *other = acme_key_generate();
    CHECK_INT_EQ(acme_jws_verify_json(&a, out.data, out.len, other, &jws, &why), 0);
    EVP_PKEY_free(other);
    ifr_buf_free(&out);
    EVP_PKEY_free(key);
    ifr_arena_destroy(&a);
}

static void test_own_jws_with_jwk_and_empty_payload(void)
{
    ifr_arena_t a;
    ifr_arena_init(&a, 0);
    EVP_PKEY *key = acme_key_generate();
    acme_jws_header_t h = { .url = "https://ca.test/acme/new-acct", .nonce = "abc" };
    ifr_buf_t out = IFR_BUF_INIT;
    CHECK(acme_jws_append(&out, key, &h, NULL, 0) == 0);
    CHECK(ifr_buf_append_byte(&out, '\0') == 0);
    out.len--;
    CHECK(out.len && strstr(out.data, "\"payload\":\"\"") != NULL);
    acme_jws_t jws = { 0 };
    const char *why = NULL;
    /* No key given: the header's own jwk verifies it. */
    CHECK_INT_EQ(acme_jws_verify_json(&a, out.data, out.len, NULL, &jws, &why), 1);
    CHECK_INT_EQ(jws.payload_len, 0);
    const char *why2 = NULL;
    EVP_PKEY *embedded = acme_jwk_to_key(ifr_json_get(jws.header, "jwk"), &why2);
    char t1[ACME_THUMBPRINT_LEN + 1], t2[ACME_THUMBPRINT_LEN + 1];
    CHECK(embedded && acme_jwk_thumbprint(key, t1) == 0 && acme_jwk_thumbprint(embedded, t2) == 0);
    CHECK_STR_EQ(t1, t2);
    EVP_PKEY_free(embedded);
    ifr_buf_free(&out);
    EVP_PKEY_free(key);
    ifr_arena_destroy(&a);
}

static void test_jws_json_refusals(void)
{
    ifr_arena_t a;
    ifr_arena_init(&a, 0);
    acme_jws_t jws = { 0 };
    const char *why = NULL;
    CHECK_INT_EQ(acme_jws_verify_json(&a, "nope", 4, NULL, &jws, &why), -1);
    const char *no_sig = "{\"protected\":\"" A3_PROTECTED "\",\"payload\":\"\"}";
    CHECK_INT_EQ(acme_jws_verify_json(&a, no_sig, strlen(no_sig), NULL, &jws, &why), -1);
    /* The A.3 header carries no jwk, so without a key it cannot verify. */
    const char *a3 = "{\"protected\":\"" A3_PROTECTED "\",\"payload\":\"" A3_PAYLOAD "\",\"signature\":\"" A3_SIGNATURE "\"}";
    CHECK_INT_EQ(acme_jws_verify_json(&a, a3, strlen(a3), NULL, &jws, &why), -1);
    CHECK(why && strstr(why, "jwk"));
    ifr_arena_destroy(&a);
}

static void test_key_pem_round_trip(void)
{
    EVP_PKEY *key = acme_key_generate();
    ifr_buf_t pem = IFR_BUF_INIT;
    CHECK(key && acme_key_to_pem(key, &pem) == 0);
    CHECK(pem.len && memmem(pem.data, pem.len, "BEGIN PRIVATE KEY", 17) != NULL);
    EVP_PKEY *back = acme_key_from_pem(pem.data, pem.len);
    char t1[ACME_THUMBPRINT_LEN + 1], t2[ACME_THUMBPRINT_LEN + 1];
    CHECK(back && acme_jwk_thumbprint(key, t1) == 0 && acme_jwk_thumbprint(back, t2) == 0);
    CHECK_STR_EQ(t1, t2);
    CHECK(acme_key_from_pem("garbage", 7) == NULL);
    /* A P-384 key is a valid key but not one this client signs with. */
    EVP_PKEY *p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    ifr_buf_t pem384 = IFR_BUF_INIT;
    CHECK(p384 && acme_key_to_pem(p384, &pem384) == 0);
    CHECK(acme_key_from_pem(pem384.data, pem384.len) == NULL);
    EVP_PKEY_free(p384);
    ifr_buf_free(&pem384);
    EVP_PKEY_free(back);
    ifr_buf_free(&pem);
    EVP_PKEY_free(key);
}

/* The binding of the A.3 key to "kid-1" under the MAC key 00 01 .. 1f,
 * for https://ca.example/acme/new-acct: every part computed independently
 * (Python: base64.urlsafe_b64encode without padding, hmac.new(key,
 * input, hashlib.sha256)). */
static void test_eab_known_vector(void)
{
    ifr_arena_t a;
    ifr_arena_init(&a, 0);
    EVP_PKEY *key = a3_key(&a);
    ifr_buf_t out = IFR_BUF_INIT;
    CHECK(key && acme_eab_append(&out, key, "kid-1", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
                                 "https://ca.example/acme/new-acct") == 0);
    CHECK_MEM_EQ(out.data, out.len,
                 "{\"protected\":\"eyJhbGciOiJIUzI1NiIsImtpZCI6ImtpZC0xIiwidXJsIjoiaHR0cHM6Ly9jYS5leGFtcGxlL2FjbWUv"
                 "bmV3LWFjY3QifQ\",\"payload\":\"eyJjcnYiOiJQLTI1NiIsImt0eSI6IkVDIiwieCI6ImY4M09KM0QyeEYxQmc4dnViOXRMZT"
                 "FnSE16Vjc2ZThUdXM5dVBIdlJWRVUiLCJ5IjoieF9GRXpSdTltMzZITE5fdHVlNjU5TE5wWFc2cEN5U3Rpa1lqS0lXSTVhMCJ9\","
                 "\"signature\":\"vovq8J6aN8DMp5ypa3M6s-0W7ydrkYSB7Df915Hc3Mg\"}");
    /* A trailing '=' some CAs print is the same key. */
    ifr_buf_t padded = IFR_BUF_INIT;
    CHECK(acme_eab_append(&padded, key, "kid-1", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
                          "https://ca.example/acme/new-acct") == 0);
    CHECK(padded.len == out.len && memcmp(padded.data, out.data, out.len) == 0);
    ifr_buf_free(&padded);
    ifr_buf_free(&out);
    EVP_PKEY_free(key);
    ifr_arena_destroy(&a);
}

static void test_eab_refusals(void)
{
    ifr_arena_t a;
    ifr_arena_init(&a, 0);
    EVP_PKEY *key = a3_key(&a);
    static const char *const bad[] = { "", "=", "not base64!", "AAEC+wQF", "A", "AAECAwQF/gcI" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ifr_buf_t out = IFR_BUF_INIT;
        CHECK(!acme_eab_mac_valid(bad[i]));
        CHECK(acme_eab_append(&out, key, "kid", bad[i], "https://ca.example/new-acct") == -1);
        ifr_buf_free(&out);
    }
    CHECK(acme_eab_mac_valid("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"));
    EVP_PKEY_free(key);
    ifr_arena_destroy(&a);
}

int main(void)
{
    RUN(test_b64url_rfc4648_vectors);
    RUN(test_b64url_refusals);
    RUN(test_rfc7515_a3_verifies);
    RUN(test_thumbprint_of_a3_key);
    RUN(test_jwk_refusals);
    RUN(test_own_jws_with_kid);
    RUN(test_own_jws_with_jwk_and_empty_payload);
    RUN(test_jws_json_refusals);
    RUN(test_key_pem_round_trip);
    RUN(test_eab_known_vector);
    RUN(test_eab_refusals);
    return testing_done();
}
