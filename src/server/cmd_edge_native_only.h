/* What a function may not ask for at the edge (`ifrit edge config`,
 * docs/edge.md "Host calls at the edge"): the host API there is KV (a
 * Durable Object), locks and outbound HTTP (fetch()); databases, jobs,
 * cron, AI and a Redis store have no backend inside a Worker, so the
 * options that ask for them are refused when the bundle is made, with a
 * sentence naming the option and the reason, rather than failing at the
 * first request. */
#ifndef IFRIT_SERVER_CMD_EDGE_NATIVE_ONLY_H
#define IFRIT_SERVER_CMD_EDGE_NATIVE_ONLY_H

#include "config/caddyfile.h"

/* d is a `wasm`/`reactor`/`gojinn` directive. 0, or -1 with every refused
 * option reported on stderr as FILE:LINE:COL: sentence. */
int srv_edge_native_only(const cfg_directive_t *d);

#endif
