/* libFuzzer target: what the ACME client does with bytes it did not make.
 * The first byte picks the reader (below 0xf0, by its value modulo 4):
 *   0: a flattened JWS (JSON) verified with the key its own header carries
 *      (base64url, the header's JSON, the JWK's point, the signature);
 *   1: the same as three '.'-separated parts, the compact form's fields;
 *   2: base64url decoding, which must round-trip: whatever decodes encodes
 *      back to the same text (one encoding per byte string);
 *   3: a request path looked up in the HTTP-01 table (one token pending);
 *   0xf0 and above: an external account binding, "KEY_ID\nMAC_KEY\nURL",
 *      for a fixed account key: made exactly when acme_eab_mac_valid says
 *      the MAC key is one, and its JSON parses with its three members. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acme/b64url.h"
#include "acme/challenge.h"
#include "acme/eab.h"
#include "acme/jws.h"
#include "base/json_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    ifr_arena_t a;
    ifr_arena_init(&a, 0);
    acme_jws_t jws;
    const char *why = NULL;
    switch (data[0] >= 0xf0 ? 4 : data[0] % 4) {
    case 0:
        acme_jws_verify_json(&a, text, len, NULL, &jws, &why);
        break;
    case 1: {
        const char *d1 = memchr(text, '.', len);
        const char *d2 = d1 ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - text)) : NULL;
        if (d2)
            acme_jws_verify_parts(&a, ifr_str(text, (size_t)(d1 - text)), ifr_str(d1 + 1, (size_t)(d2 - d1 - 1)),
                                  ifr_str(d2 + 1, len - (size_t)(d2 + 1 - text)), NULL, &jws, &why);
        break;
    }
    case 2: {
        uint8_t *out = malloc(len + 1);
        long n = out ? acme_b64url_decode(text, len, out, len) : -1;
        if (n >= 0) {
            ifr_buf_t enc = IFR_BUF_INIT;
            if (acme_b64url_append(&enc, out, (size_t)n) == 0 && (enc.len != len || (len && memcmp(enc.data, text, len) != 0)))
                abort();
            ifr_buf_free(&enc);
        }
        free(out);
        break;
    }
    case 4: {
        /* The three lines as C strings (a NUL inside ends one early). */
        char *copy = malloc(len + 1);
        if (!copy) break;
        memcpy(copy, text, len);
        copy[len] = '\0';
        char *mac = strchr(copy, '\n'), *url = mac ? strchr(mac + 1, '\n') : NULL;
        if (url) {
            *mac++ = '\0';
            *url++ = '\0';
            static const char jwk[] = "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
                                      "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}";
            ifr_json_error_t jerr;
            EVP_PKEY *key = acme_jwk_to_key(ifr_json_parse(&a, jwk, sizeof jwk - 1, &jerr), &why);
            ifr_buf_t out = IFR_BUF_INIT;
            int rc = key ? acme_eab_append(&out, key, copy, mac, url) : -1;
            if (key && (rc == 0) != (acme_eab_mac_valid(mac) != 0)) abort();
            if (rc == 0) {
                const ifr_json_t *j = ifr_json_parse(&a, out.data, out.len, &jerr);
                if (!j || !ifr_json_get(j, "protected") || !ifr_json_get(j, "payload") || !ifr_json_get(j, "signature"))
                    abort();
            }
            ifr_buf_free(&out);
            EVP_PKEY_free(key);
        }
        free(copy);
        break;
    }
    default: {
        char answer[300];
        acme_http01_put("fuzz-token", "fuzz-token.thumbprint");
        long n = acme_http01_lookup(ifr_str(text, len), answer, sizeof answer);
        if (n >= 0 && !ifr_str_eq(ifr_str(text, len), IFR_LIT("/.well-known/acme-challenge/fuzz-token"))) abort();
        break;
    }
    }
    ifr_arena_destroy(&a);
    return 0;
}
