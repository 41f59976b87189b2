/* The RFC 8555 flows: see client.h. */
#include "acme/client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acme/b64url.h"
#include "acme/challenge.h"
#include "acme/csr.h"
#include "acme/eab.h"
#include "acme/http.h"
#include "acme/jws.h"
#include "acme/schedule.h"
#include "base/arena.h"
#include "base/json.h"
#include "base/json_read.h"
#include "base/log.h"

#define ACME__URL_MAX 2048

struct acme_client {
    acme_config_t cfg;
    EVP_PKEY *key;
    char thumbprint[ACME_THUMBPRINT_LEN + 1];
    acme_http_t *http;
    bool have_directory;
    char new_nonce[ACME__URL_MAX], new_account[ACME__URL_MAX], new_order[ACME__URL_MAX];
    char kid[ACME__URL_MAX];    /* the account URL, "" before newAccount */
    char nonce[256];            /* the next Replay-Nonce to use, "" when none is held */
};

void acme_config_defaults(acme_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->challenge = ACME_CHALLENGE_HTTP01;
    cfg->request_timeout_ms = 30000;
    cfg->request_attempts = 6;
    cfg->backoff_initial_ms = 1000;
    cfg->backoff_max_ms = 60000;
    cfg->bad_nonce_retries = 10;
    cfg->poll_max = 60;
    cfg->poll_default_ms = 1000;
    cfg->poll_max_ms = 60000;
}

acme_client_t *acme_client_new(const acme_config_t *cfg, EVP_PKEY *account_key)
{
    acme_client_t *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->cfg = *cfg;
    if (acme_jwk_thumbprint(account_key, c->thumbprint) < 0 ||
        !(c->http = acme_http_new(cfg->ca_root, cfg->request_timeout_ms))) {
        ifr_log_error("acme", "cannot set up the ACME client for %s", cfg->directory_url);
        acme_http_free(c->http);
        free(c);
        return NULL;
    }
    EVP_PKEY_up_ref(account_key);
    c->key = account_key;
    return c;
}

void acme_client_free(acme_client_t *c)
{
    if (!c) return;
    acme_http_free(c->http);
    EVP_PKEY_free(c->key);
    free(c);
}

const char *acme_client_account_url(const acme_client_t *c) { return c->kid[0] ? c->kid : NULL; }

/* Waits ms, in slices so a stop is seen; false when told to stop. */
static bool acme__sleep_ms(const acme_client_t *c, long ms)
{
    while (ms > 0) {
        if (c->cfg.stop && atomic_load(c->cfg.stop)) return false;
        long step = ms < ACME_STOP_CHECK_MS ? ms : ACME_STOP_CHECK_MS;
        struct timespec ts = { step / 1000, (step % 1000) * 1000000L };
        while (nanosleep(&ts, &ts) != 0) {}
        ms -= step;
    }
    return !(c->cfg.stop && atomic_load(c->cfg.stop));
}

static void acme__keep_nonce(acme_client_t *c, const acme_http_resp_t *r)
{
    if (r->nonce[0]) snprintf(c->nonce, sizeof c->nonce, "%s", r->nonce);
}

/* One request with the retries of a connection failure or a 5xx. 0 with
 * a response (any status below 500, or the last 5xx), -1 when no attempt
 * got one. */
static int acme__send(acme_client_t *c, const char *what, const char *url, const char *body, size_t len,
                      acme_http_resp_t *r)
{
    for (int attempt = 1;; attempt++) {
        int rc = acme_http_request(c->http, url, body, len, r);
        if (rc == 0) acme__keep_nonce(c, r);
        bool retry = rc < 0 || r->status >= 500;
        if (!retry) return 0;
        if (attempt >= c->cfg.request_attempts) {
            if (rc < 0)
                ifr_log_error("acme", "%s: %s failed %d times, giving up: %s", what, url, attempt, r->error);
            else
                ifr_log_error("acme", "%s: %s answered %ld %d times, giving up", what, url, r->status, attempt);
            return rc;
        }
        long wait = acme_backoff_ms(attempt, c->cfg.backoff_initial_ms, c->cfg.backoff_max_ms);
        if (rc < 0)
            ifr_log_warn("acme", "%s: %s failed (%s); retry %d in %ld ms", what, url, r->error, attempt, wait);
        else
            ifr_log_warn("acme", "%s: %s answered %ld; retry %d in %ld ms", what, url, r->status, attempt, wait);
        acme_http_resp_free(r);
        if (!acme__sleep_ms(c, wait)) {
            *r = (acme_http_resp_t){ .retry_after = -1 };
            snprintf(r->error, sizeof r->error, "stopped");
            ifr_log_info("acme", "%s: stopped before retry %d", what, attempt);
            return -1;
        }
    }
}

static ifr_json_t *acme__json(ifr_arena_t *a, const acme_http_resp_t *r)
{
    ifr_json_error_t err;
    return ifr_json_parse(a, r->body.data ? r->body.data : "", r->body.len, &err);
}

static const char *acme__str(const ifr_json_t *obj, const char *name)
{
    const ifr_json_t *v = ifr_json_get(obj, name);
    return v && v->type == IFR_JSON_STRING ? v->string.ptr : NULL;
}

/* An ACME problem document (RFC 8555 section 6.7, RFC 7807) as a log line. */
static void acme__log_problem_json(const char *what, long status, const ifr_json_t *p, long retry_after)
{
    const char *type = acme__str(p, "type"), *detail = acme__str(p, "detail");
    bool limited = type && strstr(type, ":rateLimited");
    if (limited)
        ifr_log_error("acme", "%s: rate limited by the CA (%s: %s); retry after %ld s", what, type,
                      detail ? detail : "no detail", retry_after);
    else if (status > 0)
        ifr_log_error("acme", "%s: the CA refused (%ld %s: %s)", what, status, type ? type : "no problem type",
                      detail ? detail : "no detail");
    else /* a challenge's error: the problem without an HTTP status */
        ifr_log_error("acme", "%s: %s: %s", what, type ? type : "no problem type", detail ? detail : "no detail");
}

/* Whether the response is a problem of type t (without the
 * urn:ietf:params:acme:error: prefix). */
static bool acme__problem_is(ifr_arena_t *a, const acme_http_resp_t *r, const char *t)
{
    const char *type = acme__str(acme__json(a, r), "type");
    return type && strncmp(type, "urn:ietf:params:acme:error:", 27) == 0 && strcmp(type + 27, t) == 0;
}

static void acme__log_problem(ifr_arena_t *a, const char *what, const acme_http_resp_t *r)
{
    ifr_json_t *p = acme__json(a, r);
    if (p && p->type == IFR_JSON_OBJECT) {
        acme__log_problem_json(what, r->status, p, r->retry_after);
    } else {
        ifr_log_error("acme", "%s: the CA answered %ld (%s) with no problem document", what, r->status,
                      r->content_type[0] ? r->content_type : "no content type");
    }
}

static int acme__directory(acme_client_t *c, ifr_arena_t *a)
{
    if (c->have_directory) return 0;
    acme_http_resp_t r;
    if (acme__send(c, "directory", c->cfg.directory_url, NULL, 0, &r) < 0) return -1;
    int rc = -1;
    ifr_json_t *d = acme__json(a, &r);
    const char *nn = acme__str(d, "newNonce"), *na = acme__str(d, "newAccount"), *no = acme__str(d, "newOrder");
    if (r.status != 200) {
        acme__log_problem(a, "directory", &r);
    } else if (!nn || !na || !no || strlen(nn) >= ACME__URL_MAX || strlen(na) >= ACME__URL_MAX ||
               strlen(no) >= ACME__URL_MAX) {
        ifr_log_error("acme", "directory: %s is not an ACME directory (no newNonce, newAccount or newOrder)",
                      c->cfg.directory_url);
    } else {
        /* A CA that wants a binding says so (RFC 8555 7.1.1): without
         * one configured, say that rather than its refusal later. */
        const ifr_json_t *req = ifr_json_get(ifr_json_get(d, "meta"), "externalAccountRequired");
        if (req && req->type == IFR_JSON_BOOL && req->boolean && !c->cfg.eab_key_id)
            ifr_log_error("acme", "directory: the CA at %s requires an external account binding: give it with "
                          "acme_eab { key_id ... mac_key ... } (or eab in issuer acme)", c->cfg.directory_url);
        strcpy(c->new_nonce, nn);
        strcpy(c->new_account, na);
        strcpy(c->new_order, no);
        c->have_directory = true;
        rc = 0;
    }
    acme_http_resp_free(&r);
    return rc;
}

/* A signed POST (payload NULL: POST-as-GET), with a fresh nonce fetched
 * when none is held and a badNonce answered by a retry with the nonce that
 * came with it. 0 with a response of any status, -1 when none came. */
static int acme__post(acme_client_t *c, ifr_arena_t *a, const char *what, const char *url, const char *payload,
                      acme_http_resp_t *r)
{
    for (int tries = 0;; tries++) {
        if (!c->nonce[0]) {
            acme_http_resp_t nr;
            if (acme__send(c, "newNonce", c->new_nonce, NULL, 0, &nr) < 0) return -1;
            acme_http_resp_free(&nr);
            if (!c->nonce[0]) {
                ifr_log_error("acme", "%s: newNonce (%s) sent no Replay-Nonce", what, c->new_nonce);
                return -1;
            }
        }
        acme_jws_header_t h = { .url = url, .nonce = c->nonce, .kid = c->kid[0] ? c->kid : NULL };
        ifr_buf_t body = IFR_BUF_INIT;
        if (acme_jws_append(&body, c->key, &h, payload, payload ? strlen(payload) : 0) < 0) {
            ifr_buf_free(&body);
            ifr_log_error("acme", "%s: signing the request failed", what);
            return -1;
        }
        c->nonce[0] = '\0'; /* a nonce is good for one request */
        int rc = acme__send(c, what, url, body.data, body.len, r);
        ifr_buf_free(&body);
        if (rc < 0) return -1;
        if (r->status == 400 && acme__problem_is(a, r, "badNonce") && tries < c->cfg.bad_nonce_retries) {
            ifr_log_info("acme", "%s: badNonce, retrying with the fresh nonce", what);
            acme_http_resp_free(r);
            continue;
        }
        return 0;
    }
}

int acme_client_account(acme_client_t *c)
{
    if (c->kid[0]) return 0;
    ifr_arena_t a;
    ifr_arena_init(&a, 0);
    int rc = -1;
    if (acme__directory(c, &a) < 0) goto out;
    ifr_buf_t payload = IFR_BUF_INIT;
    ifr_buf_append_cstr(&payload, "{\"termsOfServiceAgreed\":true");
    if (c->cfg.email) {
        ifr_buf_append_cstr(&payload, ",\"contact\":[");
        char *mailto = ifr_arena_printf(&a, "mailto:%s", c->cfg.email);
        ifr_json_append_string(&payload, ifr_cstr(mailto ? mailto : ""));
        ifr_buf_append_byte(&payload, ']');
    }
    if (c->cfg.eab_key_id && (ifr_buf_append_cstr(&payload, ",\"externalAccountBinding\":") < 0 ||
                              acme_eab_append(&payload, c->key, c->cfg.eab_key_id, c->cfg.eab_mac_key,
                                              c->new_account) < 0)) {
        ifr_log_error("acme", "newAccount: the external account binding's mac_key is not base64url");
        ifr_buf_free(&payload);
        goto out;
    }
    if (ifr_buf_append_cstr(&payload, "}") < 0 || ifr_buf_append_byte(&payload, '\0') < 0) {
        ifr_buf_free(&payload);
        goto out;
    }
    acme_http_resp_t r;
    if (acme__post(c, &a, "newAccount", c->new_account, payload.data, &r) == 0) {
        if ((r.status == 200 || r.status == 201) && r.location[0] && strlen(r.location) < sizeof c->kid) {
            strcpy(c->kid, r.location);
            ifr_log_info("acme", "account %s (%s)", c->kid, r.status == 201 ? "registered" : "found");
            rc = 0;
        } else if (r.status == 200 || r.status == 201) {
            ifr_log_error("acme", "newAccount: the CA answered %ld without the account's Location", r.status);
        } else {
            acme__log_problem(&a, "newAccount", &r);
        }
        acme_http_resp_free(&r);
    }
    ifr_buf_free(&payload);
out:
    ifr_arena_destroy(&a);
    return rc;
}

/* POST-as-GET of an order or authorization until its status leaves the
 * ones in wait_for ("pending", "processing"), bounded by poll_max. The
 * last object parsed, or NULL (logged). */
static ifr_json_t *acme__poll(acme_client_t *c, ifr_arena_t *a, const char *what, const char *url,
                              const char *const *waiting, size_t nwaiting)
{
    for (int poll = 0; poll < c->cfg.poll_max; poll++) {
        acme_http_resp_t r;
        if (acme__post(c, a, what, url, NULL, &r) < 0) return NULL;
        if (r.status != 200) {
            acme__log_problem(a, what, &r);
            acme_http_resp_free(&r);
            return NULL;
        }
        ifr_json_t *obj = acme__json(a, &r);
        const char *status = acme__str(obj, "status");
        long retry_after = r.retry_after;
        acme_http_resp_free(&r);
        if (!status) {
            ifr_log_error("acme", "%s: %s has no status", what, url);
            return NULL;
        }
        bool wait = false;
        for (size_t i = 0; i < nwaiting; i++) wait |= strcmp(status, waiting[i]) == 0;
        if (!wait) return obj;
        if (!acme__sleep_ms(c, acme_poll_wait_ms(retry_after, c->cfg.poll_default_ms, c->cfg.poll_max_ms))) {
            ifr_log_info("acme", "%s: stopped while polling %s", what, url);
            return NULL;
        }
    }
    ifr_log_error("acme", "%s: %s still not done after %d polls", what, url, c->cfg.poll_max);
    return NULL;
}

/* Answers one authorization with the configured challenge and waits until
 * the CA has validated it. */
static int acme__authorize(acme_client_t *c, ifr_arena_t *a, const char *url)
{
    static const char *const pending[] = { "pending" };
    ifr_json_t *authz = acme__poll(c, a, "authorization", url, NULL, 0);
    if (!authz) return -1;
    const char *status = acme__str(authz, "status");
    const char *domain = acme__str(ifr_json_get(authz, "identifier"), "value");
    if (strcmp(status, "valid") == 0) return 0;
    if (!domain || strcmp(status, "pending") != 0) {
        ifr_log_error("acme", "authorization %s for %s is %s", url, domain ? domain : "?", status);
        return -1;
    }
    const char *want = c->cfg.challenge == ACME_CHALLENGE_TLSALPN01 ? "tls-alpn-01" : "http-01";
    const ifr_json_t *list = ifr_json_get(authz, "challenges");
    const ifr_json_t *chal = NULL;
    for (size_t i = 0; list && list->type == IFR_JSON_ARRAY && i < list->count; i++) {
        const char *type = acme__str(&list->items[i], "type");
        if (type && strcmp(type, want) == 0) chal = &list->items[i];
    }
    const char *token = chal ? acme__str(chal, "token") : NULL, *curl = chal ? acme__str(chal, "url") : NULL;
    if (!token || !curl) {
        ifr_log_error("acme", "authorization for %s offers no %s challenge", domain, want);
        return -1;
    }
    /* The key authorization: token "." thumbprint (RFC 8555 section 8.1). */
    char *keyauth = ifr_arena_printf(a, "%s.%s", token, c->thumbprint);
    char *chal_url = ifr_arena_strndup(a, curl, strlen(curl));
    int put = !keyauth || !chal_url ? -1
              : c->cfg.challenge == ACME_CHALLENGE_TLSALPN01 ? acme_tlsalpn_put(domain, keyauth)
                                                             : acme_http01_put(token, keyauth);
    if (put < 0) {
        ifr_log_error("acme", "%s for %s: cannot hold the challenge (token not base64url or table full)", want, domain);
        return -1;
    }
    int rc = -1;
    acme_http_resp_t r;
    if (acme__post(c, a, want, chal_url, "{}", &r) == 0) {
        bool accepted = r.status == 200;
        if (!accepted) acme__log_problem(a, want, &r);
        acme_http_resp_free(&r);
        ifr_json_t *done = accepted ? acme__poll(c, a, "authorization", url, pending, 1) : NULL;
        const char *final = done ? acme__str(done, "status") : NULL;
        if (final && strcmp(final, "valid") == 0) {
            ifr_log_info("acme", "%s for %s: valid", want, domain);
            rc = 0;
        } else if (final) {
            /* The failed challenge carries the CA's reason as a problem. */
            const ifr_json_t *cl = ifr_json_get(done, "challenges");
            const ifr_json_t *err = NULL;
            for (size_t i = 0; cl && cl->type == IFR_JSON_ARRAY && i < cl->count; i++) {
                const char *type = acme__str(&cl->items[i], "type");
                if (type && strcmp(type, want) == 0) err = ifr_json_get(&cl->items[i], "error");
            }
            char *what = ifr_arena_printf(a, "%s for %s (authorization %s)", want, domain, final);
            if (err) acme__log_problem_json(what ? what : want, 0, err, -1);
            else ifr_log_error("acme", "%s: no reason given", what ? what : want);
        }
    }
    if (c->cfg.challenge == ACME_CHALLENGE_TLSALPN01) acme_tlsalpn_remove(domain);
    else acme_http01_remove(token);
    return rc;
}

static int acme__order_payload(ifr_buf_t *p, const char *const *names, size_t n)
{
    int bad = ifr_buf_append_cstr(p, "{\"identifiers\":[");
    for (size_t i = 0; i < n; i++) {
        bad |= ifr_buf_append_cstr(p, i ? ",{\"type\":\"dns\",\"value\":" : "{\"type\":\"dns\",\"value\":");
        bad |= ifr_json_append_string(p, ifr_cstr(names[i]));
        bad |= ifr_buf_append_byte(p, '}');
    }
    bad |= ifr_buf_append_cstr(p, "]}");
    bad |= ifr_buf_append_byte(p, '\0');
    return bad ? -1 : 0;
}

static int acme__finalize(acme_client_t *c, ifr_arena_t *a, const char *order_url, const char *finalize_url,
                          EVP_PKEY *cert_key, const char *const *names, size_t n, ifr_buf_t *chain)
{
    static const char *const waiting[] = { "pending", "processing" };
    ifr_buf_t der = IFR_BUF_INIT, payload = IFR_BUF_INIT;
    int rc = -1;
    if (acme_csr_der(&der, cert_key, names, n) < 0 || ifr_buf_append_cstr(&payload, "{\"csr\":\"") < 0 ||
        acme_b64url_append(&payload, der.data, der.len) < 0 || ifr_buf_append_cstr(&payload, "\"}") < 0 ||
        ifr_buf_append_byte(&payload, '\0') < 0) {
        ifr_log_error("acme", "finalize: cannot build the CSR for %s", names[0]);
        goto out;
    }
    acme_http_resp_t r;
    if (acme__post(c, a, "finalize", finalize_url, payload.data, &r) < 0) goto out;
    bool ok = r.status == 200;
    if (!ok) acme__log_problem(a, "finalize", &r);
    acme_http_resp_free(&r);
    if (!ok) goto out;
    ifr_json_t *order = acme__poll(c, a, "order", order_url, waiting, 2);
    const char *status = order ? acme__str(order, "status") : NULL;
    const char *cert_url = order ? acme__str(order, "certificate") : NULL;
    if (!status || strcmp(status, "valid") != 0 || !cert_url) {
        if (status) ifr_log_error("acme", "order %s for %s ended %s with no certificate", order_url, names[0], status);
        goto out;
    }
    if (acme__post(c, a, "certificate", cert_url, NULL, &r) < 0) goto out;
    static const char pem_start[] = "-----BEGIN CERTIFICATE-----";
    if (r.status == 200 && r.body.len > sizeof pem_start && memcmp(r.body.data, pem_start, sizeof pem_start - 1) == 0) {
        rc = ifr_buf_append(chain, r.body.data, r.body.len);
    } else if (r.status == 200) {
        ifr_log_error("acme", "certificate: %s is not a PEM chain (%s)", cert_url, r.content_type);
    } else {
        acme__log_problem(a, "certificate", &r);
    }
    acme_http_resp_free(&r);
out:
    ifr_buf_free(&der);
    ifr_buf_free(&payload);
    return rc;
}

int acme_client_obtain(acme_client_t *c, const char *const *names, size_t n, EVP_PKEY *cert_key, ifr_buf_t *chain)
{
    static const char *const waiting[] = { "pending" };
    if (n == 0 || acme_client_account(c) < 0) return -1;
    ifr_arena_t a;
    ifr_arena_init(&a, 0);
    int rc = -1;
    ifr_buf_t payload = IFR_BUF_INIT;
    acme_http_resp_t r;
    if (acme__order_payload(&payload, names, n) < 0 || acme__post(c, &a, "newOrder", c->new_order, payload.data, &r) < 0)
        goto out;
    ifr_json_t *order = acme__json(&a, &r);
    char *order_url = ifr_arena_strndup(&a, r.location, strlen(r.location));
    bool created = r.status == 201 && r.location[0];
    if (!created) acme__log_problem(&a, "newOrder", &r);
    acme_http_resp_free(&r);
    if (!created || !order_url) goto out;
    ifr_log_info("acme", "order %s for %s", order_url, names[0]);
    const ifr_json_t *authzs = ifr_json_get(order, "authorizations");
    const char *finalize_url = acme__str(order, "finalize");
    if (!authzs || authzs->type != IFR_JSON_ARRAY || !finalize_url) {
        ifr_log_error("acme", "newOrder: order %s has no authorizations or finalize URL", order_url);
        goto out;
    }
    for (size_t i = 0; i < authzs->count; i++) {
        if (authzs->items[i].type != IFR_JSON_STRING || acme__authorize(c, &a, authzs->items[i].string.ptr) < 0)
            goto out;
    }
    /* Every authorization is valid: the order turns ready. */
    ifr_json_t *now = acme__poll(c, &a, "order", order_url, waiting, 1);
    const char *status = now ? acme__str(now, "status") : NULL;
    if (!status || strcmp(status, "ready") != 0) {
        if (status) ifr_log_error("acme", "order %s for %s is %s, not ready", order_url, names[0], status);
        goto out;
    }
    rc = acme__finalize(c, &a, order_url, finalize_url, cert_key, names, n, chain);
    if (rc == 0) ifr_log_info("acme", "certificate obtained for %s", names[0]);
out:
    ifr_buf_free(&payload);
    ifr_arena_destroy(&a);
    return rc;
}
