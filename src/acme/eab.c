/* External account binding: see eab.h. */
#include "acme/eab.h"

#include <string.h>
#include <openssl/crypto.h>
#include <openssl/hmac.h>

#include "acme/b64url.h"
#include "acme/jws.h"
#include "base/json.h"

/* The decoded MAC key into out; its length, or -1. */
static long acme__eab_mac(const char *mac_key, uint8_t out[ACME_EAB_MAC_MAX])
{
    size_t len = strlen(mac_key);
    while (len && mac_key[len - 1] == '=') len--;
    long n = len ? acme_b64url_decode(mac_key, len, out, ACME_EAB_MAC_MAX) : -1;
    return n > 0 ? n : -1;
}

int acme_eab_mac_valid(const char *mac_key)
{
    uint8_t mac[ACME_EAB_MAC_MAX];
    long n = acme__eab_mac(mac_key, mac);
    OPENSSL_cleanse(mac, sizeof mac);
    return n > 0;
}

int acme_eab_append(ifr_buf_t *out, EVP_PKEY *account, const char *key_id, const char *mac_key, const char *url)
{
    uint8_t mac[ACME_EAB_MAC_MAX], sig[EVP_MAX_MD_SIZE];
    unsigned sig_len = 0;
    ifr_buf_t header = IFR_BUF_INIT, jwk = IFR_BUF_INIT, input = IFR_BUF_INIT;
    int rc = -1;
    long mac_len = acme__eab_mac(mac_key, mac);
    if (mac_len < 0) goto out;
    if (ifr_buf_append_cstr(&header, "{\"alg\":\"HS256\",\"kid\":") < 0 ||
        ifr_json_append_string(&header, ifr_cstr(key_id)) < 0 || ifr_buf_append_cstr(&header, ",\"url\":") < 0 ||
        ifr_json_append_string(&header, ifr_cstr(url)) < 0 || ifr_buf_append_byte(&header, '}') < 0 ||
        acme_jwk_append(&jwk, account) < 0)
        goto out;
    /* The signing input, base64url(header) "." base64url(payload), as
     * for every JWS (RFC 7515 section 5.1); HS256 is HMAC-SHA-256 over it. */
    if (acme_b64url_append(&input, header.data, header.len) < 0 || ifr_buf_append_byte(&input, '.') < 0 ||
        acme_b64url_append(&input, jwk.data, jwk.len) < 0)
        goto out;
    if (!HMAC(EVP_sha256(), mac, (int)mac_len, (const unsigned char *)input.data, input.len, sig, &sig_len)) goto out;
    const char *dot = memchr(input.data, '.', input.len);
    size_t hlen = (size_t)(dot - input.data);
    if (ifr_buf_append_cstr(out, "{\"protected\":\"") < 0 || ifr_buf_append(out, input.data, hlen) < 0 ||
        ifr_buf_append_cstr(out, "\",\"payload\":\"") < 0 || ifr_buf_append(out, dot + 1, input.len - hlen - 1) < 0 ||
        ifr_buf_append_cstr(out, "\",\"signature\":\"") < 0 || acme_b64url_append(out, sig, sig_len) < 0 ||
        ifr_buf_append_cstr(out, "\"}") < 0)
        goto out;
    rc = 0;
out:
    OPENSSL_cleanse(mac, sizeof mac);
    ifr_buf_free(&header);
    ifr_buf_free(&jwk);
    ifr_buf_free(&input);
    return rc;
}
