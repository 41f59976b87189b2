/* Functions' outbound HTTP (fn_host.h http_fetch) with libcurl, on the
 * helper threads of route_io_t.offload.
 *
 * Why libcurl on the helpers, not the server's own upstream client on the
 * loop: the upstream client is reverse_proxy's (its connection pools,
 * health checks and transports are configured per proxy and are changing
 * under issue 17), while a guest may reach any host allow_host names over
 * HTTPS with certificate verification; libcurl is already linked and
 * trusted for ACME, and does resolution, TLS verification against the
 * system store, timeouts and HTTP/1.1 and HTTP/2 in one blocking call. A
 * call holds one helper for at most its timeout; the cost is that a burst
 * of slow outbound calls can keep the helpers (as many as the workers, at
 * least two) from other offloaded work (bcrypt) meanwhile.
 *
 * Rules enforced here: http and https only, no proxy from the
 * environment, redirects not followed, the response's body capped, and
 * every connection's address checked after resolution (open-socket
 * callback): private, loopback and link-local addresses only when
 * allow_host named the host exactly (fn_host_ip_is_public). The host
 * curl parses from the URL must be the one src/fn checked. */
#include <curl/curl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "fn/fn_host.h"
#include "server/srv_fnhost.h"

typedef struct {
    fn_http_job_t *job;
    bool blocked;            /* a connection was refused by the address rule */
    char blocked_addr[64];
    bool over;               /* the body went past max_body */
    bool headers_over;
} srv__fetch_t;

static curl_socket_t srv__http_open_socket(void *ud, curlsocktype purpose, struct curl_sockaddr *a)
{
    srv__fetch_t *f = ud;
    (void)purpose;
    const uint8_t *ip = NULL;
    size_t len = 0;
    if (a->family == AF_INET && a->addrlen >= sizeof(struct sockaddr_in)) {
        ip = (const uint8_t *)&((struct sockaddr_in *)&a->addr)->sin_addr;
        len = 4;
    } else if (a->family == AF_INET6 && a->addrlen >= sizeof(struct sockaddr_in6)) {
        ip = (const uint8_t *)&((struct sockaddr_in6 *)&a->addr)->sin6_addr;
        len = 16;
    }
    if (!ip || (!f->job->allow_private && !fn_host_ip_is_public(ip, len))) {
        f->blocked = true;
        if (ip && len == 4) snprintf(f->blocked_addr, sizeof f->blocked_addr, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
        else snprintf(f->blocked_addr, sizeof f->blocked_addr, "an IPv6 address");
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype, a->protocol);
}

static size_t srv__http_header(char *data, size_t size, size_t n, void *ud)
{
    srv__fetch_t *f = ud;
    fn_http_job_t *j = f->job;
    size_t len = size * n;
    if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        j->resp_headers_len = 0;   /* a new head (after a 1xx): its fields only */
        return len;
    }
    if (len <= 2) return len;       /* the blank line ending the head */
    if (j->resp_headers_len + len > FN_HTTP_MAX_RESPONSE_HEADERS) {
        f->headers_over = true;
        return 0;
    }
    memcpy(fn_http_job_resp_headers(j) + j->resp_headers_len, data, len);
    j->resp_headers_len += (uint32_t)len;
    return len;
}

static size_t srv__http_body(char *data, size_t size, size_t n, void *ud)
{
    srv__fetch_t *f = ud;
    fn_http_job_t *j = f->job;
    size_t len = size * n, room = j->max_body - j->resp_body_len;
    size_t take = len < room ? len : room;
    memcpy(fn_http_job_resp_body(j) + j->resp_body_len, data, take);
    j->resp_body_len += take;
    if (take < len) {
        f->over = true;
        return 0;   /* stops the transfer */
    }
    return len;
}

static void srv__http_fail(fn_http_job_t *j, int error, const char *fmt, const char *arg)
{
    j->error = error;
    snprintf(j->detail, sizeof j->detail, fmt, arg);
}

/* The URL's host as curl sees it must be the one src/fn checked. */
static bool srv__http_same_host(CURLU *u, fn_http_job_t *j)
{
    char *host = NULL;
    if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) return false;
    size_t n = strlen(host);
    const char *h = host;
    if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
        h++;
        n -= 2;
    }
    bool same = n == j->host_len && strncasecmp(h, (const char *)fn_http_job_host(j), n) == 0;
    curl_free(host);
    return same;
}

static void srv__http_fetch(fn_http_job_t *j)
{
    srv__fetch_t f = { .job = j };
    char *url = strndup((const char *)fn_http_job_url(j), j->url_len);
    char *method = strndup((const char *)fn_http_job_method(j), j->method_len);
    CURL *e = curl_easy_init();
    CURLU *u = curl_url();
    struct curl_slist *headers = curl_slist_append(NULL, "Expect:");
    char err[CURL_ERROR_SIZE] = "";
    if (!url || !method || !e || !u || !headers) {
        srv__http_fail(j, FN_HOST_E_UNAVAILABLE, "%s", "out of memory");
        goto done;
    }
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK || !srv__http_same_host(u, j)) {
        srv__http_fail(j, FN_HOST_E_INVALID, "%s", "curl reads the URL differently");
        goto done;
    }
    const char *hp = (const char *)fn_http_job_headers(j), *hend = hp + j->headers_len;
    while (hp < hend) {
        const char *crlf = memmem(hp, (size_t)(hend - hp), "\r\n", 2);
        char *line = strndup(hp, (size_t)((crlf ? crlf : hend) - hp));
        struct curl_slist *grown = line ? curl_slist_append(headers, line) : NULL;
        free(line);
        if (!grown) {
            srv__http_fail(j, FN_HOST_E_UNAVAILABLE, "%s", "out of memory");
            goto done;
        }
        headers = grown;
        hp = crlf ? crlf + 2 : hend;
    }
    curl_easy_setopt(e, CURLOPT_CURLU, u);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_PROXY, "");
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)j->timeout_ms);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, srv__http_open_socket);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, &f);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, srv__http_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, &f);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, srv__http_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &f);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, err);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "ifrit");
    if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else if (strcmp(method, "GET") != 0 || j->body_len) {
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, (const char *)fn_http_job_body(j));
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)j->body_len);
    }
    CURLcode rc = curl_easy_perform(e);
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    j->status = (int)status;
    if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && f.over && j->truncate)) {
        j->error = FN_HOST_E_OK;
    } else if (f.blocked) {
        srv__http_fail(j, FN_HOST_E_BLOCKED, "%s: not a public address, and allow_host does not name the host",
                       f.blocked_addr);
    } else if (rc == CURLE_WRITE_ERROR && f.over) {
        j->error = FN_HOST_E_RESPONSE_TOO_LARGE;
        snprintf(j->detail, sizeof j->detail, "the body is larger than http_max_response (%llu bytes)",
                 (unsigned long long)j->max_body);
    } else if (rc == CURLE_WRITE_ERROR && f.headers_over) {
        srv__http_fail(j, FN_HOST_E_RESPONSE_TOO_LARGE, "%s", "the response head is larger than 64 KiB");
    } else if (rc == CURLE_OPERATION_TIMEDOUT) {
        j->error = FN_HOST_E_TIMEOUT;
        snprintf(j->detail, sizeof j->detail, "no complete response within %lld ms", (long long)j->timeout_ms);
    } else {
        srv__http_fail(j, FN_HOST_E_NETWORK, "%.180s", err[0] ? err : curl_easy_strerror(rc));
    }
    if (j->error) j->resp_body_len = j->resp_headers_len = 0;
done:
    curl_slist_free_all(headers);
    curl_easy_cleanup(e);
    curl_url_cleanup(u);
    free(url);
    free(method);
}

void srv_fnhost_http_fill(fn_host_backend_t *b)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    b->http_fetch = srv__http_fetch;
}
