/* ACME challenge answers; see srv_acme_challenge.h. */
#include "server/srv_acme_challenge.h"

#include <string.h>

#include "acme/challenge.h"
#include "base/log.h"
#include "route/plan.h"
#include "route/response.h"
#include "tls/tls_store.h"

/* A key authorization is a token, a dot and a SHA-256 thumbprint. */
#define SRV__HTTP01_ANSWER_MAX 512

/* GET (or HEAD) /.well-known/acme-challenge/<pending token>: the key
 * authorization as text/plain (RFC 8555 8.3). Any other request goes on
 * to the sites. */
static bool srv__http01_answer(route_exchange_t *x, route_result_t *r)
{
    const http_request_t *q = x->req;
    if (!ifr_str_eq_cstr(q->method, "GET") && !ifr_str_eq_cstr(q->method, "HEAD")) return false;
    char answer[SRV__HTTP01_ANSWER_MAX];
    long n = acme_http01_lookup(q->path, answer, sizeof answer);
    if (n < 0) return false;
    ifr_log_info("acme", "answered the http-01 challenge at %.*s", (int)q->path.len, q->path.ptr);
    if (http_headers_set(&x->resp.headers, x->arena, IFR_LIT("Content-Type"), IFR_LIT("text/plain")) != 0) {
        x->error_status = 500;
        *r = ROUTE_ERROR;
        return true;
    }
    char *body = ifr_arena_alloc(x->arena, (size_t)n);
    if (!body) {
        x->error_status = 500;
        *r = ROUTE_ERROR;
        return true;
    }
    memcpy(body, answer, (size_t)n);
    *r = route_send_simple(x, 200, ifr_str(body, (size_t)n));
    return true;
}

static int srv__tlsalpn_answer(SSL *ssl, const char *sni)
{
    int rc = acme_tlsalpn_use(ssl, sni);
    if (rc == 0) ifr_log_info("acme", "answered the tls-alpn-01 challenge for %s", sni);
    return rc;
}

void srv_acme_challenges_register(void)
{
    route_exchange_set_early(srv__http01_answer);
    tls_store_set_challenge(srv__tlsalpn_answer);
}
