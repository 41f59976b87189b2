/* Writes a workerd bundle directory (`ifrit edge config`, docs/edge.md). */
#ifndef IFRIT_SERVER_CMD_EDGE_BUNDLE_H
#define IFRIT_SERVER_CMD_EDGE_BUNDLE_H

#include "server/cmd_edge_scan.h"

/* All strings are the caller's and are only read. */
typedef struct {
    const char *config;      /* the Caddyfile, copied as it is */
    const char *out;         /* the directory to write (created) */
    const char *shim_dir;    /* edge/: worker.js, serve.mjs, core.mjs, wasi.mjs, function.mjs */
    const char *wasm;        /* build/edge/ifrit.wasm */
    const char *listen;      /* the socket address in config.capnp */
    bool private_outbound;   /* fetch() may reach private and loopback addresses */
} srv_edge_bundle_opts_t;

/* Copies the shim, the core, the Caddyfile, every file under the scanned
 * roots and every file it imports (as assets/N) and the function modules (as functions/N.wasm), and
 * writes bundle.mjs and config.capnp. 0, or -1 with the reason on stderr. */
int srv_edge_bundle_write(const srv_edge_bundle_opts_t *o, const srv_edge_scan_t *scan);

#endif
