/* `wasm` functions at the edge: the function runner (fn/fn_runner.h) that
 * hands each run to the shim, which runs the guest on V8 itself through
 * edge/wasi.mjs (edge/function.mjs). The core records the run and the
 * exchange waits with EDGE_WAIT_FUNCTION; the shim reads the run with
 * edge_function_request, runs it, and reports with edge_function_done; the
 * core answers from there exactly as natively (cgi, json, 5xx). */
#ifndef IFRIT_EDGE_FUNCTION_H
#define IFRIT_EDGE_FUNCTION_H

#include "base/buf.h"
#include "edge/edge_exchange.h"
#include "fn/fn_runner.h"

/* Registers the host; once, before the plan is loaded. modules: the
 * module paths the bundle holds, as (u32 length, bytes) items; a `wasm`
 * directive naming another path does not load. The list is copied.
 * -1 when out of memory. */
int edge_function_register(ifr_str_t modules);

/* The waiting run as (u32 length, bytes) items: module path, timeout in
 * ms, memory_limit in bytes (0: none; the shim picks the bundle's module
 * capped at it), the host calls' grants (permissions as FN_PERM_* bits, KV
 * namespace, outbound timeout in ms, outbound cap in bytes, then three
 * lists, each a count and its items: kv_read prefixes, kv_write prefixes,
 * allow_host), argc, argv..., then the environment ("KEY=value" each). Its stdin
 * is *in. -1 when there is none (or out of memory). */
int edge_function_request(edge_exchange_t *ex, ifr_buf_t *out, ifr_str_t *in);

/* The run ended (fn_runner_done's arguments). */
void edge_function_done(edge_exchange_t *ex, fn_runner_end_t how, int exit_code, ifr_str_t out, ifr_str_t err,
                        ifr_str_t detail);

#endif
