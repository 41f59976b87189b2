/* OCSP fetches; see srv_acme_ocsp.h. */
#include "server/srv_acme_ocsp.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "acme/http.h"
#include "tls/tls_ocsp.h"

/* A GET URL is the responder's, a slash and the request in base64 with
 * '+', '/' and '=' percent-encoded; a request is well under 200 bytes. */
#define SRV__OCSP_URL_MAX 2048

static int srv__ocsp_get_url(const char *base, const unsigned char *der, size_t len, char *out, size_t cap)
{
    unsigned char b64[1024];
    if (len > 3 * (sizeof b64 / 4) - 3) return -1;
    int n = EVP_EncodeBlock(b64, der, (int)len);
    size_t k = (size_t)snprintf(out, cap, "%s%s", base, base[0] && base[strlen(base) - 1] == '/' ? "" : "/");
    for (int i = 0; i < n && k + 4 < cap; i++) {
        unsigned char ch = b64[i];
        if (ch == '+' || ch == '/' || ch == '=') k += (size_t)snprintf(out + k, cap - k, "%%%02X", ch);
        else out[k++] = (char)ch;
    }
    if (k + 4 >= cap) return -1;
    out[k] = '\0';
    return 0;
}

int srv_acme_ocsp_update(SSL_CTX *ctx, const tls_cert_t *c, time_t *refresh_at, bool *revoked, char *err,
                         size_t err_len)
{
    char base[1024], url[SRV__OCSP_URL_MAX];
    unsigned char *req = NULL;
    size_t req_len = 0;
    int rc = tls_ocsp_request(c, base, sizeof base, &req, &req_len);
    if (rc != 0) {
        if (rc < 0) snprintf(err, err_len, "cannot make the OCSP request");
        return rc;
    }
    rc = -1;
    acme_http_t *h = NULL;
    acme_http_resp_t resp = { 0 };
    if (srv__ocsp_get_url(base, req, req_len, url, sizeof url) != 0) {
        snprintf(err, err_len, "the OCSP request does not fit a URL");
        goto out;
    }
    if (!(h = acme_http_new(NULL, SRV_OCSP_TIMEOUT_MS)) || acme_http_request(h, url, NULL, 0, &resp) != 0) {
        snprintf(err, err_len, "no answer from the OCSP responder %s: %s", base, h ? resp.error : "out of memory");
        goto out;
    }
    if (resp.status != 200 || resp.body.len == 0 || resp.body.len > TLS_OCSP_RESPONSE_MAX) {
        snprintf(err, err_len, "the OCSP responder %s answered %ld with %zu bytes", base, resp.status, resp.body.len);
        goto out;
    }
    if (tls_ocsp_check(c, (const unsigned char *)resp.body.data, resp.body.len, time(NULL), refresh_at, revoked, err,
                       err_len) != 0)
        goto out;
    if (tls_ocsp_staple(ctx, (const unsigned char *)resp.body.data, resp.body.len) != 0) {
        snprintf(err, err_len, "out of memory");
        goto out;
    }
    rc = 0;
out:
    acme_http_resp_free(&resp);
    acme_http_free(h);
    OPENSSL_free(req);
    return rc;
}
