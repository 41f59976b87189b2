// cflags: -Iinclude
/* A function on ifrit's own host module (include/ifrit_host.h). The
 * request body is one command; the answer is the call's error code, then
 * what it returned:
 *   set KEY TTL_MS VALUE    kv_set
 *   get KEY                 kv_get, asking the length first (cap 0)
 *   del KEY                 kv_delete
 *   lock KEY TTL_MS         lock
 *   unlock KEY              unlock
 *   req METHOD URL [BODY]   http_request with an X-Test header and BODY;
 *                           prints the status, the X-Upstream field and the body
 *   reqh URL HEADERS        http_request GET with HEADERS as given (\n for a newline)
 *   nores                   http_body with no response held
 *   enqueue NAME PAYLOAD    enqueue: the code, then the job's id */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ifrit_host.h"

static char body[8192];

static void print_field(const char *head, uint32_t len, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = head; p < head + len;) {
        const char *eol = memchr(p, '\n', (size_t)(head + len - p));
        if (!eol) break;
        if ((size_t)(eol - p) > n + 1 && strncasecmp(p, name, n) == 0 && p[n] == ':')
            printf(" %s=%.*s", name, (int)(eol - p - n - 2 - (eol[-1] == '\r')), p + n + 2);
        p = eol + 1;
    }
}

static int fetch(const char *method, const char *url, const char *headers, const char *data)
{
    int32_t e = ifrit_http_request(method, strlen(method), url, strlen(url), headers, strlen(headers), data,
                                   data ? strlen(data) : 0);
    printf("%d", e);
    if (e) return 0;
    uint32_t hlen = 0, blen = 0;
    ifrit_http_headers(NULL, 0, &hlen);
    char *head = malloc(hlen + 1);
    int32_t eh = ifrit_http_headers(head, hlen, &hlen);
    int32_t eb = ifrit_http_body(NULL, 0, &blen);
    char *b = malloc(blen + 1);
    int32_t eb2 = ifrit_http_body(b, blen, &blen);
    printf(" status=%d headers=%d/%d body=%d/%d", ifrit_http_status(), eh, eb, eb2, (int)blen);
    print_field(head, hlen, "X-Upstream");
    printf(" %.*s", (int)blen, b);
    return 0;
}

int main(void)
{
    size_t n = fread(body, 1, sizeof body - 1, stdin);
    body[n] = '\0';
    char *cmd = strtok(body, " "), *a = strtok(NULL, " ");
    if (!cmd) return 2;
    if (!strcmp(cmd, "set") && a) {
        char *ttl = strtok(NULL, " "), *v = strtok(NULL, "");
        if (!ttl || !v) return 2;
        printf("%d", ifrit_kv_set(a, strlen(a), v, strlen(v), atoll(ttl)));
    } else if (!strcmp(cmd, "get") && a) {
        uint32_t len = 0;
        int32_t e = ifrit_kv_get(a, strlen(a), NULL, 0, &len);
        if (e != IFRIT_HOST_BUFFER_TOO_SMALL && e != IFRIT_HOST_OK) {
            printf("%d", e);
            return 0;
        }
        char *v = malloc(len + 1);
        e = ifrit_kv_get(a, strlen(a), v, len, &len);
        printf("%d %u %.*s", e, len, (int)len, v);
    } else if (!strcmp(cmd, "del") && a) {
        printf("%d", ifrit_kv_delete(a, strlen(a)));
    } else if (!strcmp(cmd, "lock") && a) {
        char *ttl = strtok(NULL, " ");
        printf("%d", ifrit_lock(a, strlen(a), ttl ? atoll(ttl) : 0));
    } else if (!strcmp(cmd, "unlock") && a) {
        printf("%d", ifrit_unlock(a, strlen(a)));
    } else if (!strcmp(cmd, "req") && a) {
        char *url = strtok(NULL, " "), *data = strtok(NULL, "");
        if (!url) return 2;
        fetch(a, url, "X-Test: from-guest\n", data);
    } else if (!strcmp(cmd, "reqh") && a) {
        char *h = strtok(NULL, "");
        for (char *p = h; p && (p = strstr(p, "\\n")); p++) { p[0] = '\n'; memmove(p + 1, p + 2, strlen(p + 2) + 1); }
        fetch("GET", a, h ? h : "", NULL);
    } else if (!strcmp(cmd, "enqueue") && a) {
        char id[32], *payload = strtok(NULL, "");
        if (!payload) return 2;
        int32_t e = ifrit_enqueue(a, strlen(a), payload, strlen(payload), id);
        printf("%d %.*s", e, e ? 0 : 32, id);
    } else if (!strcmp(cmd, "nores")) {
        uint32_t len = 0;
        printf("%d %d", ifrit_http_body(NULL, 0, &len), ifrit_http_status());
    } else {
        return 2;
    }
    return 0;
}
