/* What an edge bundle must carry for one Caddyfile (`ifrit edge config`):
 * the directories its `root`s name and the modules of its functions. */
#ifndef IFRIT_SERVER_CMD_EDGE_SCAN_H
#define IFRIT_SERVER_CMD_EDGE_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "config/caddyfile.h"

/* A function module: the path as the Caddyfile writes it (the core asks the
 * bundle for it by that name) and where it is on this machine. */
typedef struct {
    const char *written;
    const char *real;
    uint64_t memory_limit;     /* the directive's memory_limit in bytes; 0: none */
} srv_edge_scan_module_t;

/* Everything lives in the arena given to srv_edge_scan. */
typedef struct {
    const char **roots;        /* as written; relative ones from the working directory */
    size_t nroots;
    srv_edge_scan_module_t *modules;
    size_t nmodules;
    const char **imports;      /* files the Caddyfile imports, as resolved here */
    size_t nimports;
} srv_edge_scan_t;

/* Walks every block of every site. `root [matcher] DIR` (and file_server's
 * `root DIR`) names a directory; without any, a `file_server` serves the
 * working directory, as Caddy does. `wasm`/`reactor`/`gojinn` name a
 * module, resolved from config_dir as the native server does, once per
 * memory_limit its directives give it. Roots with
 * placeholders and modules that are not files here are reported on stderr
 * and left out; a function asking for what the edge cannot serve
 * (cmd_edge_native_only.h) fails the scan. 0, or -1 (reported) when out of memory or past 256 of either. */
int srv_edge_scan(ifr_arena_t *a, const cfg_doc_t *doc, const char *config_dir, srv_edge_scan_t *out);

#endif
