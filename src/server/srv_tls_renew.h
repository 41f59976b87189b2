/* A background thread that calls a function now and then: how the local
 * CA's leaves are renewed without a worker ever waiting for a signature
 * or a file write. Stopping wakes it at once and joins it. */
#ifndef IFRIT_SERVER_SRV_TLS_RENEW_H
#define IFRIT_SERVER_SRV_TLS_RENEW_H

#include <stdint.h>

typedef struct srv_tls_renew srv_tls_renew_t;

/* Starts the thread: fn(ud) every interval_ns, first after one interval.
 * NULL when the thread cannot start (the caller logs it). */
srv_tls_renew_t *srv_tls_renew_start(int64_t interval_ns, void (*fn)(void *ud), void *ud);
/* Stops and joins it (waits for a call in progress); NULL is fine. */
void srv_tls_renew_stop(srv_tls_renew_t *r);

#endif
