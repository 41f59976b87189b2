/* Jobs inside src/fn (docs/functions.md, "Jobs"): which function each
 * plan loaded from which file, so a job can name one; queuing a request as
 * a job (an X-Gojinn-Async request, host_enqueue, enqueue); answering a
 * job's state; running a job (fn_job_run in fn_host.h). The host keeps the
 * queue (fn_host_backend_t's job_*). */
#ifndef IFRIT_FN_FN_JOBS_H
#define IFRIT_FN_FN_JOBS_H

#include "fn/fn_call.h"
#include "fn/fn_cron.h"

struct route_plan;

/* At load: f belongs to plan (its arena frees it). 0, or -1 out of memory. */
int fn_jobs_remember(fn_function_t *f, const struct route_plan *plan);
/* The same for the function of a cron line (fn_cron_directive.c), which
 * no route reaches and no job names by file. */
int fn_jobs_remember_cron(fn_function_t *f, const struct route_plan *plan, const fn_cron_entry_t *cron);
/* When f goes (idempotent). */
void fn_jobs_forget(fn_function_t *f);

/* Before a request reaches the guest: answers a GET of a job's state
 * (PATH ending in /_sys/jobs/ID) and refuses an X-Gojinn-Async request the
 * block does not grant enqueue (403). 1 answered, 0 not for it. */
int fn_jobs_intercept(fn_call_t *c);
/* Whether the request asks to run as a job (X-Gojinn-Async: true). */
bool fn_jobs_wanted(const fn_call_t *c);
/* Queues the request (its body read) as a job of its own function and
 * answers 202 with the job's id, as Gojinn's async answer. */
void fn_jobs_accept(fn_call_t *c);
/* Queues payload for the function the name designates in c's plan (its
 * module path, or the end of it after a '/': "worker.wasm"), as Gojinn's
 * host_enqueue: method ASYNC, uri internal://async/job, X-Source:
 * internal. FN_HOST_E_* (the id in id on success; logged otherwise). */
int fn_jobs_enqueue(fn_call_t *c, const char *call, ifr_str_t name, ifr_str_t payload, char *id);

#endif
