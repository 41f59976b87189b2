/* AI calls: Gojinn's host_ask_ai and ifrit's ai_ask / ai_answer
 * (docs/functions.md, "AI calls"). A call POSTs an OpenAI-style chat
 * completion request,
 *   {"model":M,"messages":[{"role":"user","content":PROMPT}],"stream":false}
 * with the block's ai_token as a bearer token, to ai_endpoint through the
 * outbound HTTP path (fn_host_http.c: the grant, allow_host, the address
 * checks, http_timeout and http_max_response all apply), suspended like
 * any outbound call. The helper thread that fetched the reply also reads
 * it: choices[0].message.content, or for ollama also message.content (its
 * /api/chat shape), written over the reply's body in the job, so the
 * worker only copies the text. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/json.h"
#include "base/json_read.h"
#include "fn/fn_function.h"
#include "fn/fn_host_ai.h"
#include "fn/fn_host_call.h"

#define FN__AI_DEFAULT_MODEL "gpt-3.5-turbo"   /* Gojinn's */

const char *fn_host_ai_endpoint(const fn_host_config_t *h)
{
    if (h->ai_endpoint) return h->ai_endpoint;
    /* Gojinn's defaults: Ollama's OpenAI-compatible endpoint on this host. */
    return h->ai_ollama ? "http://localhost:11434/v1/chat/completions" : "https://api.openai.com/v1/chat/completions";
}

int fn_host_ai_check(const fn_host_config_t *h, char *why, size_t size)
{
    if (!(h->perms & FN_PERM_AI)) return 0;
    const char *url = fn_host_ai_endpoint(h);
    char hbuf[256], bad[120];
    fn_url_t u;
    if (fn_host_url_parse(ifr_cstr(url), &u, hbuf, sizeof hbuf, bad, sizeof bad) < 0) {
        snprintf(why, size, "ai_endpoint %s: %s", url, bad);
        return -1;
    }
    if (!fn_host_allowed(h, u.host)) {
        snprintf(why, size, "permissions: ai calls %s, but allow_host does not name %s", url, hbuf);
        return -1;
    }
    return 0;
}

static void fn__ai_fail(fn_http_job_t *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fn__ai_fail(fn_http_job_t *j, const char *fmt, ...)
{
    j->error = FN_HOST_E_BAD_ANSWER;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(j->detail, sizeof j->detail, fmt, ap);
    va_end(ap);
}

/* The completion's text in the parsed reply, or NULL. */
static const ifr_json_t *fn__ai_content(const ifr_json_t *reply, bool ollama)
{
    const ifr_json_t *choices = ifr_json_get(reply, "choices");
    const ifr_json_t *message = NULL;
    if (choices && choices->type == IFR_JSON_ARRAY && choices->count > 0)
        message = ifr_json_get(&choices->items[0], "message");
    else if (ollama)
        message = ifr_json_get(reply, "message");
    const ifr_json_t *content = ifr_json_get(message, "content");
    return content && content->type == IFR_JSON_STRING ? content : NULL;
}

/* Reads the fetched reply in j, on the helper thread: its text replaces
 * the body, or the job fails with BAD_ANSWER. */
static void fn__ai_read(fn_http_job_t *j, bool ollama)
{
    if (j->error) return;
    if (j->status < 200 || j->status > 299) {
        fn__ai_fail(j, "the endpoint answered status %d", j->status);
        return;
    }
    ifr_arena_t a;
    ifr_arena_init(&a, 64 * 1024);
    ifr_json_error_t err = { 0 };
    unsigned char *body = fn_http_job_resp_body(j);
    const ifr_json_t *reply = ifr_json_parse(&a, (const char *)body, j->resp_body_len, &err);
    const ifr_json_t *content = reply ? fn__ai_content(reply, ollama) : NULL;
    if (!reply) {
        fn__ai_fail(j, "the reply is not JSON: %s (byte %zu)", err.message[0] ? err.message : "out of memory",
                    err.offset);
    } else if (!content) {
        fn__ai_fail(j, "the reply has no completion: no choices[0].message.content string%s",
                    ollama ? " (nor message.content)" : "");
    } else {
        /* Unescaped text is never longer than its JSON form. */
        memmove(body, content->string.ptr, content->string.len);
        j->resp_body_len = content->string.len;
    }
    ifr_arena_destroy(&a);
}

static void fn__ai_fetch(fn_http_job_t *j)
{
    const fn_host_backend_t *b = fn_host_backend();
    b->http_fetch(j);   /* fn_host_link.c refused a function granted ai without it */
}

static void fn__ai_work_openai(void *arg)
{
    fn__ai_fetch(arg);
    fn__ai_read(arg, false);
}

static void fn__ai_work_ollama(void *arg)
{
    fn__ai_fetch(arg);
    fn__ai_read(arg, true);
}

/* Builds the request for prompt and prepares its job: FN_HOST_E_OK (the
 * caller suspends), or the error (logged). */
static int fn__ai_start(fn_call_t *c, const char *call, ifr_str_t prompt)
{
    const fn_host_config_t *h = &c->f->conf->host;
    if (prompt.len > FN_HTTP_MAX_REQUEST_BODY) {   /* before escaping it, which may make it six times larger */
        fn_host_log(c, IFR_LOG_WARN, "%s: the prompt has %zu bytes, more than %u", call, prompt.len,
                    FN_HTTP_MAX_REQUEST_BODY);
        return FN_HOST_E_TOO_LARGE;
    }
    ifr_buf_t body = IFR_BUF_INIT, headers = IFR_BUF_INIT;
    int rc = ifr_buf_append_cstr(&body, "{\"model\":");
    rc |= ifr_json_append_string(&body, ifr_cstr(h->ai_model ? h->ai_model : FN__AI_DEFAULT_MODEL));
    rc |= ifr_buf_append_cstr(&body, ",\"messages\":[{\"role\":\"user\",\"content\":");
    rc |= ifr_json_append_string(&body, prompt);
    rc |= ifr_buf_append_cstr(&body, "}],\"stream\":false}");
    rc |= ifr_buf_append_cstr(&headers, "Content-Type: application/json\r\nAccept: application/json\r\n");
    if (h->ai_token) rc |= ifr_buf_printf(&headers, "Authorization: Bearer %s\r\n", h->ai_token);
    int e;
    if (rc) {
        fn_host_log(c, IFR_LOG_ERROR, "%s: out of memory for the request", call);
        e = FN_HOST_E_UNAVAILABLE;
    } else if (body.len > FN_HTTP_MAX_REQUEST_BODY) {
        fn_host_log(c, IFR_LOG_WARN, "%s: the request for a prompt of %zu bytes has %zu, more than %u", call,
                    prompt.len, body.len, FN_HTTP_MAX_REQUEST_BODY);
        e = FN_HOST_E_TOO_LARGE;
    } else {
        e = fn_host_http_prepare(c, call, FN_PERM_AI, "ai", IFR_LIT("POST"), ifr_cstr(fn_host_ai_endpoint(h)),
                                 ifr_buf_str(&headers), ifr_buf_str(&body), h->http_max_response, false);
    }
    ifr_buf_free(&body);
    ifr_buf_free(&headers);   /* the job holds copies */
    if (e == FN_HOST_E_OK) c->host->work = h->ai_ollama ? fn__ai_work_ollama : fn__ai_work_openai;
    return e;
}

/* The job is back: logs a failure (the endpoint, never the token). */
static void fn__ai_note(fn_call_t *c, const char *call, const fn_http_job_t *j)
{
    if (j->error)
        fn_host_log(c, IFR_LOG_WARN, "%s %s: %s (%s)", call, fn_host_ai_endpoint(&c->f->conf->host),
                    fn_host_error_name(j->error), j->detail);
}

/* ---- Gojinn's host_ask_ai ------------------------------------------------ */

/* Gojinn's form writes a failure where the text would go, as
 * {"error": "..."}, cut at max like the text: the bytes written. */
static uint64_t fn__ai_gojinn_write(iw_instance_t *inst, uint32_t out, uint32_t max, const void *src, uint64_t len)
{
    uint64_t n = len < max ? len : max;
    void *dst = n ? iw_memory_lift(inst, out, n) : NULL;
    if (!dst) return 0;
    memcpy(dst, src, n);
    return n;
}

static uint64_t fn__ai_gojinn_error(iw_instance_t *inst, uint32_t out, uint32_t max, int e)
{
    char why[160], text[200];
    snprintf(why, sizeof why, "%s: ", fn_host_error_name(e));
    size_t n = strlen(why);
#define FN__AI_SENTENCE(name, value, sentence) \
    if (e == value) snprintf(why + n, sizeof why - n, "%s", sentence);
    FN_HOST_ERRORS(FN__AI_SENTENCE)
#undef FN__AI_SENTENCE
    size_t o = (size_t)snprintf(text, sizeof text, "{\"error\":");
    o += ifr_json_escape_to(text + o, sizeof text - o - 1, ifr_cstr(why));
    text[o++] = '}';
    return fn__ai_gojinn_write(inst, out, max, text, o);
}

static void fn__ai_gojinn_complete(fn_call_t *c)
{
    fn_host_call_t *h = c->host;
    fn_http_job_t *j = h->job;
    fn__ai_note(c, "host_ask_ai", j);
    /* The guest has not run since the call: its buffer is where it was. */
    h->results[0] = j->error ? fn__ai_gojinn_error(c->inst, h->out, h->out_max, j->error)
                             : fn__ai_gojinn_write(c->inst, h->out, h->out_max, fn_http_job_resp_body(j),
                                                   j->resp_body_len);
}

/* Both declared forms (i64, and i32 in gojinn-io's host) carry the length. */
FN_HOST_FN(fn_gojinn_ask_ai)
{
    fn_function_t *f = env;
    const char *call = "host_ask_ai";
    uint32_t out = (uint32_t)args[2], max = (uint32_t)args[3];
    const char *prompt = fn_host_lift(inst, call, "prompt", (uint32_t)args[0], (uint32_t)args[1]);
    if (!prompt || !fn_host_lift(inst, call, "buffer", out, max)) return IW_HOST_TRAP;
    fn_call_t *c = fn_host_request_of(f, call);
    if (!c) {
        results[0] = fn__ai_gojinn_error(inst, out, max, FN_HOST_E_UNAVAILABLE);
        return IW_HOST_OK;
    }
    int e = fn__ai_start(c, call, ifr_str(prompt, (uint32_t)args[1]));
    if (e != FN_HOST_E_OK) {
        results[0] = fn__ai_gojinn_error(inst, out, max, e);
        return IW_HOST_OK;
    }
    fn_host_call_t *h = c->host;
    h->out = out;
    h->out_max = max;
    h->complete = fn__ai_gojinn_complete;
    h->suspended = true;
    return IW_HOST_SUSPEND;
}

/* ---- ifrit's ai_ask and ai_answer ---------------------------------------- */

static void fn__ai_ifrit_complete(fn_call_t *c)
{
    fn_host_call_t *h = c->host;
    fn__ai_note(c, "ai_ask", h->job);
    h->ai_answer = h->job->error ? NULL : h->job;
    h->results[0] = (uint32_t)h->job->error;
}

FN_HOST_FN(fn_ifrit_ai_ask)
{
    fn_function_t *f = env;
    const char *call = "ai_ask";
    const char *prompt = fn_host_lift(inst, call, "prompt", (uint32_t)args[0], (uint32_t)args[1]);
    if (!prompt) return IW_HOST_TRAP;
    fn_call_t *c = fn_host_request_of(f, call);
    if (!c) {
        results[0] = FN_HOST_E_UNAVAILABLE;
        return IW_HOST_OK;
    }
    if (c->host) c->host->ai_answer = NULL;   /* a failed ask holds nothing */
    int e = fn__ai_start(c, call, ifr_str(prompt, (uint32_t)args[1]));
    if (e != FN_HOST_E_OK) {
        results[0] = (uint32_t)e;
        return IW_HOST_OK;
    }
    c->host->complete = fn__ai_ifrit_complete;
    c->host->suspended = true;
    return IW_HOST_SUSPEND;
}

FN_HOST_FN(fn_ifrit_ai_answer)
{
    const char *call = "ai_answer";
    uint32_t cap = (uint32_t)args[1];
    void *out = fn_host_lift(inst, call, "buffer", (uint32_t)args[0], cap);
    uint8_t *lenp = out ? fn_host_lift(inst, call, "length", (uint32_t)args[2], 4) : NULL;
    if (!lenp) return IW_HOST_TRAP;
    fn_call_t *c = fn_host_current();
    fn_http_job_t *a = c && c->f == env && c->host ? c->host->ai_answer : NULL;
    if (!a) {
        results[0] = FN_HOST_E_NO_RESPONSE;
        return IW_HOST_OK;
    }
    uint64_t len = a->resp_body_len;
    memcpy(out, fn_http_job_resp_body(a), len < cap ? len : cap);
    for (int i = 0; i < 4; i++) lenp[i] = (uint8_t)(len >> (8 * i));
    results[0] = len > cap ? FN_HOST_E_BUFFER_TOO_SMALL : FN_HOST_E_OK;
    return IW_HOST_OK;
}
