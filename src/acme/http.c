/* libcurl easy-interface requests for the ACME client: see http.h. */
#include "acme/http.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <curl/curl.h>

struct acme_http {
    CURL *curl;
};

static pthread_once_t acme__curl_once = PTHREAD_ONCE_INIT;
static void acme__curl_init(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

acme_http_t *acme_http_new(const char *ca_root, long timeout_ms)
{
    pthread_once(&acme__curl_once, acme__curl_init);
    acme_http_t *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    h->curl = curl_easy_init();
    if (!h->curl) {
        free(h);
        return NULL;
    }
    CURL *c = h->curl;
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);       /* a thread of a multi-threaded server */
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L); /* ACME's Location headers are data */
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
    curl_easy_setopt(c, CURLOPT_USERAGENT, "ifrit-acme/1");
    if (ca_root) curl_easy_setopt(c, CURLOPT_CAINFO, ca_root);
    return h;
}

void acme_http_free(acme_http_t *h)
{
    if (!h) return;
    curl_easy_cleanup(h->curl);
    free(h);
}

static size_t acme__on_body(char *p, size_t size, size_t n, void *ud)
{
    ifr_buf_t *b = ud;
    size_t len = size * n;
    if (b->len + len > ACME_HTTP_BODY_MAX || ifr_buf_append(b, p, len) < 0) return 0; /* aborts the transfer */
    return len;
}

/* Copies header name's value (trimmed) into out, or "". */
static void acme__copy_header(CURL *c, const char *name, char *out, size_t cap)
{
    struct curl_header *hd = NULL;
    out[0] = '\0';
    if (curl_easy_header(c, name, 0, CURLH_HEADER, -1, &hd) == CURLHE_OK && hd->value) {
        snprintf(out, cap, "%s", hd->value);
    }
}

/* Retry-After: delta-seconds or an HTTP-date (RFC 9110 section 10.2.3). */
static long acme__retry_after(const char *v)
{
    if (!v[0]) return -1;
    char *end;
    long secs = strtol(v, &end, 10);
    if (end != v && *end == '\0') return secs < 0 ? -1 : secs;
    time_t when = curl_getdate(v, NULL);
    if (when < 0) return -1;
    time_t now = time(NULL);
    return when > now ? (long)(when - now) : 0;
}

int acme_http_request(acme_http_t *h, const char *url, const char *body, size_t len, acme_http_resp_t *resp)
{
    CURL *c = h->curl;
    memset(resp, 0, sizeof *resp);
    resp->retry_after = -1;
    struct curl_slist *hdrs = NULL;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, acme__on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp->body);
    if (body) {
        hdrs = curl_slist_append(hdrs, "Content-Type: application/jose+json");
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    } else {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    }
    /* A certificate download asks for the PEM chain; JSON for the rest. */
    hdrs = curl_slist_append(hdrs, "Accept: application/pem-certificate-chain, application/json");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(hdrs);
    if (rc != CURLE_OK) {
        snprintf(resp->error, sizeof resp->error, "%s", curl_easy_strerror(rc));
        return -1;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
    char retry[128];
    acme__copy_header(c, "Replay-Nonce", resp->nonce, sizeof resp->nonce);
    acme__copy_header(c, "Location", resp->location, sizeof resp->location);
    acme__copy_header(c, "Content-Type", resp->content_type, sizeof resp->content_type);
    acme__copy_header(c, "Retry-After", retry, sizeof retry);
    resp->retry_after = acme__retry_after(retry);
    /* JSON parsing wants the text NUL-terminated. */
    if (ifr_buf_append_byte(&resp->body, '\0') < 0) {
        snprintf(resp->error, sizeof resp->error, "out of memory");
        return -1;
    }
    resp->body.len--;
    return 0;
}

void acme_http_resp_free(acme_http_resp_t *resp)
{
    ifr_buf_free(&resp->body);
}
