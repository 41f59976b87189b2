/* A small per-process pool of helper threads for blocking work a handler
 * must not do on its worker's loop (a bcrypt check costs about a second):
 * route_io_t.offload for native exchanges. The job runs on a helper; its
 * completion goes back to the owning worker through the worker's wake-up
 * (srv_loop_wake), and the handler's `done` runs there, on the loop.
 *
 * Ownership: each job is a malloc'd record owned by the pool, holding a
 * copy of the caller's argument, so a job whose exchange ended (client
 * gone, forced close) can still finish (or be skipped) without touching
 * the exchange or its reset arena; `done` is then not called. A worker
 * keeps its loop running until every job it submitted came back. */
#ifndef IFRIT_SERVER_SRV_OFFLOAD_H
#define IFRIT_SERVER_SRV_OFFLOAD_H

#include <stddef.h>

#include "route/exchange.h"

typedef struct srv_offload_job srv_offload_job_t;
typedef struct srv_worker srv_worker_t;

/* Starts `threads` helpers (main thread, before requests). 0, or -1. */
int srv_offload_start(int threads);
/* Joins the helpers, after every worker was joined (main thread). */
void srv_offload_stop(void);

/* route_io_t.offload for native exchanges (see exchange.h). */
int srv_exchange_offload(route_exchange_t *x, void (*work)(void *arg), void *arg, size_t size,
                         route_resume_cb done, void *ud);
/* Worker thread: runs `done` for this worker's finished jobs. */
void srv_offload_drain(srv_worker_t *w);
/* Worker thread: detaches a job from its ending exchange. */
void srv_offload_detach(srv_offload_job_t *job);

#endif
