/* proxy-wasm filter: the SDKs' "pause, ask an auth service, then continue
 * or answer 403". The plugin configuration is the auth service's
 * host:port. proxy_on_request_headers sends GET /check with the client's
 * x-token to it (proxy_http_call) and pauses the request;
 * proxy_on_http_call_response reads the answer's :status and x-user
 * (HTTP_CALL_RESPONSE_HEADERS) and its body (HTTP_CALL_RESPONSE_BODY):
 * 200 adds x-auth-user and x-auth-body to the request and continues it
 * (proxy_continue_stream), anything else answers 403 "denied: <body>",
 * and a failed call (no headers) answers 503. Paths:
 *   /open...   no call, CONTINUE
 *   /nowait... PAUSE with no call: nothing could resume it, so it goes on
 *   /bad...    a call to an upstream that is no host:port: x-call-status
 *              says what proxy_http_call answered, then CONTINUE
 *   /body...   the request body is kept to its end (PAUSE from
 *              proxy_on_request_body), sent to the auth service as POST
 *              /check-body, and, PAUSE again until the answer comes,
 *              replaced by the answer's body before it goes on */
#include "proxy_wasm_abi.h"

static char upstream[128];
static size_t upstream_len;
static uint32_t body_stream, body_token;   /* the /body request (one at a time) and its call */
static size_t body_kept;

PW_EXPORT("proxy_on_configure") int32_t proxy_on_configure(uint32_t root, size_t size)
{
    (void)root;
    char *cfg = NULL;
    size_t len = 0;
    if (!size || proxy_get_buffer_bytes(PW_PLUGIN_CONFIGURATION, 0, size, &cfg, &len) != PW_OK ||
        len >= sizeof upstream) {
        free(cfg);
        return 0;   /* no auth service: the filter refuses its configuration */
    }
    memcpy(upstream, cfg, len);
    upstream_len = len;
    free(cfg);
    return 1;
}

static int starts(const char *s, size_t len, const char *prefix)
{
    size_t n = pw_len(prefix);
    return len >= n && memcmp(s, prefix, n) == 0;
}

PW_EXPORT("proxy_on_request_headers") int32_t proxy_on_request_headers(uint32_t id, size_t n, int32_t eos)
{
    (void)id, (void)n, (void)eos;
    char *path = NULL, *token = NULL;
    size_t plen = 0, tlen = 0;
    proxy_get_header_map_value(PW_REQUEST_HEADERS, ":path", 5, &path, &plen);
    int open = starts(path, plen, "/open"), nowait = starts(path, plen, "/nowait"), bad = starts(path, plen, "/bad");
    int body = starts(path, plen, "/body");
    free(path);
    if (body) body_stream = id;
    if (open || body) return PW_CONTINUE;
    if (nowait) return PW_PAUSE;
    if (proxy_get_header_map_value(PW_REQUEST_HEADERS, "x-token", 7, &token, &tlen) != PW_OK) token = NULL;
    char tok[64] = "";
    if (token && tlen < sizeof tok) memcpy(tok, token, tlen), tok[tlen] = 0;
    free(token);
    char up[sizeof upstream + 1];
    memcpy(up, upstream, upstream_len);
    up[upstream_len] = 0;
    const char *kv[] = { ":method", "GET", ":path", "/check", ":authority", "auth.test", "x-token", tok };
    char map[512];
    size_t mlen = pw_map(kv, 4, map, sizeof map);
    uint32_t call = 0;
    int32_t st = bad ? proxy_http_call("no/such upstream", 16, map, mlen, "", 0, "", 0, 1000, &call)
                     : proxy_http_call(up, upstream_len, map, mlen, "", 0, "", 0, 5000, &call);
    if (st != PW_OK) {
        char num[21];
        num[pw_utoa((uint64_t)st, num)] = 0;
        pw_add(PW_REQUEST_HEADERS, "x-call-status", num);
        return PW_CONTINUE;
    }
    return PW_PAUSE;
}

PW_EXPORT("proxy_on_request_body") int32_t proxy_on_request_body(uint32_t id, size_t size, int32_t eos)
{
    if (id != body_stream) return PW_CONTINUE;
    if (!eos) return PW_PAUSE;
    char *body = NULL;
    size_t len = 0;
    if (size) proxy_get_buffer_bytes(0, 0, size, &body, &len);   /* HTTP_REQUEST_BODY */
    const char *kv[] = { ":method", "POST", ":path", "/check-body", ":authority", "auth.test" };
    char map[256];
    size_t mlen = pw_map(kv, 3, map, sizeof map);
    int32_t st = proxy_http_call(upstream, upstream_len, map, mlen, body ? body : "", len, "", 0, 5000, &body_token);
    free(body);
    body_kept = size;
    return st == PW_OK ? PW_PAUSE : PW_CONTINUE;
}

PW_EXPORT("proxy_on_http_call_response")
void proxy_on_http_call_response(uint32_t id, uint32_t token, size_t nheaders, size_t body_size, size_t ntrailers)
{
    (void)id, (void)ntrailers;
    if (token == body_token && body_stream) {
        char *answer = NULL;
        size_t alen = 0;
        if (body_size) proxy_get_buffer_bytes(PW_HTTP_CALL_RESPONSE_BODY, 0, body_size, &answer, &alen);
        proxy_set_buffer_bytes(0, 0, body_kept, answer ? answer : "", alen);   /* HTTP_REQUEST_BODY */
        free(answer);
        body_stream = 0;
        proxy_continue_stream(PW_STREAM_REQUEST);
        return;
    }
    static const char unavailable[] = "auth unavailable";
    if (nheaders == 0) {
        proxy_send_local_response(503, "", 0, unavailable, sizeof unavailable - 1, "", 0, -1);
        return;
    }
    char *status = NULL, *user = NULL, *body = NULL;
    size_t slen = 0, ulen = 0, blen = 0;
    proxy_get_header_map_value(PW_HTTP_CALL_RESPONSE_HEADERS, ":status", 7, &status, &slen);
    if (proxy_get_header_map_value(PW_HTTP_CALL_RESPONSE_HEADERS, "x-user", 6, &user, &ulen) != PW_OK) ulen = 0;
    if (body_size) proxy_get_buffer_bytes(PW_HTTP_CALL_RESPONSE_BODY, 0, body_size, &body, &blen);
    if (slen == 3 && memcmp(status, "200", 3) == 0) {
        proxy_add_header_map_value(PW_REQUEST_HEADERS, "x-auth-user", 11, user ? user : "", ulen);
        proxy_add_header_map_value(PW_REQUEST_HEADERS, "x-auth-body", 11, body ? body : "", blen);
        proxy_continue_stream(PW_STREAM_REQUEST);
    } else {
        char answer[256] = "denied: ";
        size_t n = 8;
        if (blen > sizeof answer - n) blen = sizeof answer - n;
        if (blen) memcpy(answer + n, body, blen);
        proxy_send_local_response(403, "", 0, answer, n + blen, "", 0, -1);
    }
    free(status);
    free(user);
    free(body);
}
