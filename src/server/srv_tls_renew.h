/* A background thread that calls a function now and then: how the local
 * CA's leaves are renewed and ACME certificates obtained without a worker
 * ever waiting for a signature, a file write or a CA. Stopping wakes it
 * between calls and joins it (a call in progress runs to its end). */
#ifndef IFRIT_SERVER_SRV_TLS_RENEW_H
#define IFRIT_SERVER_SRV_TLS_RENEW_H

#include <stdint.h>

typedef struct srv_tls_renew srv_tls_renew_t;

/* Starts the thread: fn(ud) after first_ns, then every interval_ns.
 * NULL when the thread cannot start (the caller logs it). */
srv_tls_renew_t *srv_tls_renew_start(int64_t first_ns, int64_t interval_ns, void (*fn)(void *ud), void *ud);
/* Stops and joins it (waits for a call in progress); NULL is fine. */
void srv_tls_renew_stop(srv_tls_renew_t *r);

#endif
