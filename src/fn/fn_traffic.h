/* Gojinn's per-function traffic options (docs/functions.md, "Traffic
 * options"), checked before the request reaches the guest:
 *
 *   api_key KEY           repeatable: a request must carry one of them in
 *                         X-API-Key or Authorization: Bearer (else 401)
 *   cors_origin ORIGIN    repeatable ("*" for any): CORS headers for a
 *                         listed Origin; a preflight (OPTIONS with Origin)
 *                         is answered 204 without running the guest
 *   rate_limit RPS [BURST] per client (its API key, else its address): a
 *                         token bucket; over it, 429
 *
 * fn_traffic_check runs in fn_run; the buckets live with the loaded
 * function and are shared by every worker. */
#ifndef IFRIT_FN_FN_TRAFFIC_H
#define IFRIT_FN_FN_TRAFFIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/str.h"

typedef struct {
    const char **api_keys;
    size_t napi_keys;
    const char **cors_origins;
    size_t ncors_origins;
    double rate;               /* requests a second per client; 0: no limit */
    uint32_t burst;            /* bucket size; 0: the rate (at least 1), as Gojinn */
} fn_traffic_config_t;

/* How many clients a function's rate limit tracks at once; a new one
 * takes the place of the one seen longest ago. */
#define FN_TRAFFIC_CLIENTS 1024u

typedef struct fn_traffic fn_traffic_t;

/* The buckets of a function with a rate_limit (NULL without one, or out
 * of memory: check t->rate first); freed with fn_traffic_free. */
fn_traffic_t *fn_traffic_new(const fn_traffic_config_t *t);
void fn_traffic_free(fn_traffic_t *tr);

/* Takes a token for client at now_ns: true when the request may go on.
 * Any thread. */
bool fn_traffic_take(fn_traffic_t *tr, const fn_traffic_config_t *t, ifr_str_t client, int64_t now_ns);

#endif
