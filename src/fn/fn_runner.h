/* A function runner other than the in-process engine. The edge registers
 * one that hands each run to its JavaScript shim (V8 runs the guest): as
 * with route/proxy_transport.h, the core records the run (start), the host
 * performs it outside the core, and reports how it ended (fn_runner_done);
 * the core then answers exactly as natively (cgi, json, 5xx mapping).
 * Without a registered host, functions run on src/wasm in-process. */
#ifndef IFRIT_FN_FN_RUNNER_H
#define IFRIT_FN_FN_RUNNER_H

#include "fn/fn.h"

typedef struct fn_call fn_call_t;

typedef struct {
    /* At config load, instead of reading and compiling the module: 0, or
     * -1 with a sentence in why (the config then does not load). */
    int (*load)(const fn_config_t *c, char *why, size_t size);
    /* Starts one run (the inputs below are ready): 0, or -1 (answers 500). */
    int (*start)(fn_call_t *c);
    /* The FN_PERM_* grants (fn_host_conf.h) whose host calls the runner's
     * host serves itself (the edge: KV, locks, outbound HTTP); a block
     * granting any other does not load. */
    unsigned host_perms;
} fn_runner_t;

/* Once, before any plan is loaded. */
void fn_runner_register(const fn_runner_t *h);
/* NULL natively. */
const fn_runner_t *fn_runner_get(void);

/* A run's inputs. argv is the config's name then args; env comes from
 * fn_runner_env in the order the native sandbox sees it. */
route_exchange_t *fn_runner_exchange(const fn_call_t *c);
const fn_config_t *fn_runner_config(const fn_call_t *c);
ifr_str_t fn_runner_stdin(const fn_call_t *c);
int fn_runner_env(fn_call_t *c, int (*add)(void *ud, const char *kv), void *ud);

typedef enum {
    FN_RUNNER_EXITED,      /* returned from _start (exit_code 0) or called proc_exit */
    FN_RUNNER_TRAPPED,     /* detail says why */
    FN_RUNNER_TIMED_OUT,
} fn_runner_end_t;

/* The run ended: stdout and stderr go through the native sinks, then the
 * response is made. */
void fn_runner_done(fn_call_t *c, fn_runner_end_t how, int exit_code, ifr_str_t out, ifr_str_t err, ifr_str_t detail);

#endif
