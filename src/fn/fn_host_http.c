/* Outbound HTTP: Gojinn's host_http_get and ifrit's http_request (with
 * http_status, http_headers and http_body to read the response). A call
 * checks the guest's pointers, the grant (http_get, or http for any other
 * method) and allow_host, builds a job (fn_host.h) and suspends the guest;
 * fn_run.c runs the job on a helper thread and resumes the guest on its
 * worker when the response is in. The backend connects only to addresses
 * that are public, or to any address when allow_host names the host
 * exactly (fn_host_net.c).
 *
 * Gojinn's form returns the number of body bytes written at out (at most
 * max: a longer body is cut there), whatever the status, and 0 when the
 * call failed or was denied. */
#include <stdio.h>
#include <string.h>

#include "fn/fn_function.h"
#include "fn/fn_host_call.h"

/* The helper thread's part: the job is the pool's copy. */
static void fn__http_work(void *arg)
{
    const fn_host_backend_t *b = fn_host_backend();
    fn_http_job_t *job = arg;
    if (b && b->http_fetch) {
        b->http_fetch(job);
    } else {
        job->error = FN_HOST_E_UNAVAILABLE;
        snprintf(job->detail, sizeof job->detail, "no outbound HTTP in this build");
    }
}

fn_call_t *fn_host_request_of(fn_function_t *f, const char *call)
{
    fn_call_t *c = fn_host_current();
    if (c && c->f == f) return c;
    ifr_log_warn(f->logger, "%s while the function loads: host calls are not available there, it fails", call);
    return NULL;
}

/* A job for method url with the header lines and body, in c's arena,
 * reusing the last one when it is large enough. NULL when out of memory. */
static fn_http_job_t *fn__http_job(fn_call_t *c, ifr_str_t method, ifr_str_t url, ifr_str_t host, ifr_str_t headers,
                                   ifr_str_t body, uint64_t max_body)
{
    fn_host_call_t *h = fn_host_state(c);
    if (!h) return NULL;
    size_t size = sizeof(fn_http_job_t) + method.len + url.len + host.len + headers.len + body.len +
                  FN_HTTP_MAX_RESPONSE_HEADERS + max_body;
    fn_http_job_t *j = h->job && h->job_size >= size ? h->job : ifr_arena_alloc(c->x->arena, size);
    if (!j) return NULL;
    if (j != h->job) {
        h->job = j;
        h->job_size = size;
    }
    if (h->response == j) h->response = NULL;   /* replaced by this request's */
    if (h->ai_answer == j) h->ai_answer = NULL;
    memset(j, 0, sizeof *j);
    int64_t left_ms = (c->deadline - fn_clock_ns()) / 1000000;
    int64_t timeout_ms = c->f->conf->host.http_timeout_ns / 1000000;
    j->timeout_ms = left_ms < timeout_ms ? left_ms : timeout_ms;
    if (j->timeout_ms < 1) j->timeout_ms = 1;
    j->max_body = max_body;
    j->method_len = (uint32_t)method.len;
    j->url_len = (uint32_t)url.len;
    j->host_len = (uint32_t)host.len;
    j->headers_len = (uint32_t)headers.len;
    j->body_len = body.len;
    memcpy(fn_http_job_method(j), method.ptr, method.len);
    memcpy(fn_http_job_url(j), url.ptr, url.len);
    memcpy(fn_http_job_host(j), host.ptr, host.len);
    if (headers.len) memcpy(fn_http_job_headers(j), headers.ptr, headers.len);
    if (body.len) memcpy(fn_http_job_body(j), body.ptr, body.len);
    return j;
}

int fn_host_http_prepare(fn_call_t *c, const char *call, unsigned need, const char *grant, ifr_str_t method,
                         ifr_str_t url, ifr_str_t headers, ifr_str_t body, uint64_t max_body, bool truncate)
{
    const fn_host_config_t *h = &c->f->conf->host;
    if (!(h->perms & need)) {
        fn_host_log(c, IFR_LOG_WARN, "%s denied: the function's permissions do not grant %s", call, grant);
        return FN_HOST_E_DENIED;
    }
    char hbuf[256], why[120];
    fn_url_t u;
    if (fn_host_url_parse(url, &u, hbuf, sizeof hbuf, why, sizeof why) < 0) {
        fn_host_log(c, IFR_LOG_WARN, "%s: %s", call, why);
        return FN_HOST_E_INVALID;
    }
    int allowed = fn_host_allowed(h, u.host);
    if (!allowed) {
        fn_host_log(c, IFR_LOG_WARN, "%s denied: allow_host does not name %s", call, hbuf);
        return FN_HOST_E_DENIED;
    }
    fn_http_job_t *j = fn__http_job(c, method, url, u.host, headers, body, max_body);
    if (!j) {
        fn_host_log(c, IFR_LOG_ERROR, "%s: out of memory for the response", call);
        return FN_HOST_E_UNAVAILABLE;
    }
    j->truncate = truncate;
    j->allow_private = allowed == 2;
    fn_host_call_t *hc = c->host;
    hc->pending = j;
    hc->pending_size = hc->job_size;
    hc->work = fn__http_work;
    return FN_HOST_E_OK;
}

/* The job is back: logs a failure. */
static void fn__http_note(fn_call_t *c, const char *call, fn_http_job_t *j)
{
    if (j->error)
        fn_host_log(c, IFR_LOG_WARN, "%s %.*s %.*s: %s (%s)", call, (int)j->method_len, (char *)fn_http_job_method(j),
                    (int)(j->url_len > 200 ? 200 : j->url_len), (char *)fn_http_job_url(j), fn_host_error_name(j->error),
                    j->detail);
}

/* ---- Gojinn's host_http_get ---------------------------------------------- */

static void fn__gojinn_http_complete(fn_call_t *c)
{
    fn_host_call_t *h = c->host;
    fn_http_job_t *j = h->job;
    fn__http_note(c, "host_http_get", j);
    uint64_t n = j->error ? 0 : j->resp_body_len;
    /* The guest has not run since the call: its buffer is where it was. */
    void *out = n ? iw_memory_lift(c->inst, h->out, n) : NULL;
    if (n && out) memcpy(out, fn_http_job_resp_body(j), n);
    h->results[0] = out ? n : 0;
}

/* Both declared forms (i32 and i64 results) carry the same length. */
FN_HOST_FN(fn_gojinn_http_get)
{
    fn_function_t *f = env;
    uint32_t max = (uint32_t)args[3];
    const char *url = fn_host_lift(inst, "host_http_get", "URL", (uint32_t)args[0], (uint32_t)args[1]);
    if (!url || !fn_host_lift(inst, "host_http_get", "buffer", (uint32_t)args[2], max)) return IW_HOST_TRAP;
    results[0] = 0;
    fn_call_t *c = fn_host_request_of(f, "host_http_get");
    if (!c) return IW_HOST_OK;
    uint64_t cap = c->f->conf->host.http_max_response;
    if (fn_host_http_prepare(c, "host_http_get", FN_PERM_HTTP_GET, "http_get", IFR_LIT("GET"),
                             ifr_str(url, (uint32_t)args[1]), IFR_LIT(""), IFR_LIT(""), max < cap ? max : cap,
                             true) != FN_HOST_E_OK)
        return IW_HOST_OK;
    fn_host_call_t *h = c->host;
    h->out = (uint32_t)args[2];
    h->complete = fn__gojinn_http_complete;
    h->suspended = true;
    return IW_HOST_SUSPEND;
}

/* ---- ifrit's http_request ------------------------------------------------ */

static bool fn__http_token(ifr_str_t s)
{
    if (s.len == 0 || s.len > 64) return false;
    for (size_t i = 0; i < s.len; i++) {
        unsigned char ch = (unsigned char)s.ptr[i];
        if (ch <= 0x20 || ch >= 0x7f || strchr("\"(),/:;<=>?@[\\]{}", ch)) return false;
    }
    return true;
}

/* The guest's header block ("Name: value" lines, ending in \n or \r\n)
 * as "Name: value\r\n" lines in buf. -1 with a sentence in why for a
 * malformed line or a field ifrit sets itself. */
static int fn__http_headers(ifr_str_t in, char *buf, size_t size, size_t *len, char *why, size_t wsize)
{
    size_t o = 0;
    while (in.len) {
        long nl = ifr_str_find_char(in, '\n');
        ifr_str_t line = nl >= 0 ? ifr_str_sub(in, 0, (size_t)nl) : in;
        in = nl >= 0 ? ifr_str_sub(in, (size_t)nl + 1, in.len) : ifr_str(in.ptr + in.len, 0);
        if (line.len && line.ptr[line.len - 1] == '\r') line.len--;
        if (line.len == 0) continue;
        long colon = ifr_str_find_char(line, ':');
        ifr_str_t name = colon > 0 ? ifr_str_sub(line, 0, (size_t)colon) : line;
        if (colon <= 0 || !fn__http_token(name)) {
            snprintf(why, wsize, "a header line is not 'Name: value'");
            return -1;
        }
        for (size_t i = 0; i < line.len; i++)
            if (line.ptr[i] == '\r' || line.ptr[i] == '\0') {
                snprintf(why, wsize, "a header value has a CR or NUL byte");
                return -1;
            }
        if (ifr_str_eq_nocase(name, IFR_LIT("Content-Length")) || ifr_str_eq_nocase(name, IFR_LIT("Transfer-Encoding")) ||
            ifr_str_eq_nocase(name, IFR_LIT("Host")) || ifr_str_eq_nocase(name, IFR_LIT("Connection"))) {
            snprintf(why, wsize, "%.*s is set by ifrit, not by the guest", (int)name.len, name.ptr);
            return -1;
        }
        if (o + line.len + 2 > size) {
            snprintf(why, wsize, "the headers are larger than %zu bytes", size);
            return -1;
        }
        memcpy(buf + o, line.ptr, line.len);
        memcpy(buf + o + line.len, "\r\n", 2);
        o += line.len + 2;
    }
    *len = o;
    return 0;
}

static void fn__ifrit_http_complete(fn_call_t *c)
{
    fn_host_call_t *h = c->host;
    fn__http_note(c, "http_request", h->job);
    h->response = h->job->error ? NULL : h->job;
    h->results[0] = (uint32_t)h->job->error;
}

FN_HOST_FN(fn_ifrit_http_request)
{
    fn_function_t *f = env;
    const char *call = "http_request";
    const char *method = fn_host_lift(inst, call, "method", (uint32_t)args[0], (uint32_t)args[1]);
    const char *url = method ? fn_host_lift(inst, call, "URL", (uint32_t)args[2], (uint32_t)args[3]) : NULL;
    const char *hdrs = url ? fn_host_lift(inst, call, "headers", (uint32_t)args[4], (uint32_t)args[5]) : NULL;
    const char *body = hdrs ? fn_host_lift(inst, call, "body", (uint32_t)args[6], (uint32_t)args[7]) : NULL;
    if (!body) return IW_HOST_TRAP;
    fn_call_t *c = fn_host_request_of(f, call);
    if (!c) {
        results[0] = FN_HOST_E_UNAVAILABLE;
        return IW_HOST_OK;
    }
    ifr_str_t m = ifr_str(method, (uint32_t)args[1]);
    char why[120];
    int e = FN_HOST_E_OK;
    size_t hlen = 0;
    /* Each line may gain a CR. */
    size_t hcap = 2 * (size_t)(uint32_t)args[5] + 2;
    char *hbuf = ifr_arena_alloc(c->x->arena, hcap);
    if (!fn__http_token(m)) {
        fn_host_log(c, IFR_LOG_WARN, "%s: the method is not an HTTP token", call);
        e = FN_HOST_E_INVALID;
    } else if ((uint32_t)args[7] > FN_HTTP_MAX_REQUEST_BODY) {
        fn_host_log(c, IFR_LOG_WARN, "%s: the body has %u bytes, more than %u", call, (uint32_t)args[7],
                    FN_HTTP_MAX_REQUEST_BODY);
        e = FN_HOST_E_TOO_LARGE;
    } else if (!hbuf) {
        e = FN_HOST_E_UNAVAILABLE;
    } else if (fn__http_headers(ifr_str(hdrs, (uint32_t)args[5]), hbuf, hcap, &hlen, why,
                                sizeof why) < 0) {
        fn_host_log(c, IFR_LOG_WARN, "%s: %s", call, why);
        e = FN_HOST_E_INVALID;
    } else {
        bool get = ifr_str_eq_cstr(m, "GET");
        e = fn_host_http_prepare(c, call, get ? FN_PERM_HTTP_GET : FN_PERM_HTTP, get ? "http_get" : "http", m,
                                 ifr_str(url, (uint32_t)args[3]), ifr_str(hbuf, hlen),
                                 ifr_str(body, (uint32_t)args[7]), c->f->conf->host.http_max_response, false);
    }
    if (e != FN_HOST_E_OK) {
        if (c->host) c->host->response = NULL;
        results[0] = (uint32_t)e;
        return IW_HOST_OK;
    }
    c->host->complete = fn__ifrit_http_complete;
    c->host->suspended = true;
    return IW_HOST_SUSPEND;
}

FN_HOST_FN(fn_ifrit_http_status)
{
    (void)args;
    fn_call_t *c = fn_host_current();
    fn_http_job_t *r = c && c->f == env && c->host ? c->host->response : NULL;
    (void)inst;
    results[0] = r ? (uint32_t)r->status : 0;
    return IW_HOST_OK;
}

/* Copies part (len bytes at src) to the guest: FN_HOST_E_OK, or
 * BUFFER_TOO_SMALL with the length written (and the first cap bytes). */
static iw_host_result_t fn__http_copy(iw_instance_t *inst, void *env, const char *call, const uint64_t *args,
                                      uint64_t *results, bool body)
{
    void *out = fn_host_lift(inst, call, "buffer", (uint32_t)args[0], (uint32_t)args[1]);
    uint8_t *lenp = out ? fn_host_lift(inst, call, "length", (uint32_t)args[2], 4) : NULL;
    if (!lenp) return IW_HOST_TRAP;
    fn_call_t *c = fn_host_current();
    fn_http_job_t *r = c && c->f == env && c->host ? c->host->response : NULL;
    if (!r) {
        results[0] = FN_HOST_E_NO_RESPONSE;
        return IW_HOST_OK;
    }
    const unsigned char *src = body ? fn_http_job_resp_body(r) : fn_http_job_resp_headers(r);
    uint64_t len = body ? r->resp_body_len : r->resp_headers_len, cap = (uint32_t)args[1];
    memcpy(out, src, len < cap ? len : cap);
    lenp[0] = (uint8_t)len;
    lenp[1] = (uint8_t)(len >> 8);
    lenp[2] = (uint8_t)(len >> 16);
    lenp[3] = (uint8_t)(len >> 24);
    results[0] = len > cap ? FN_HOST_E_BUFFER_TOO_SMALL : FN_HOST_E_OK;
    return IW_HOST_OK;
}

FN_HOST_FN(fn_ifrit_http_headers) { return fn__http_copy(inst, env, "http_headers", args, results, false); }
FN_HOST_FN(fn_ifrit_http_body) { return fn__http_copy(inst, env, "http_body", args, results, true); }
