/* Finds the roots and function modules of a Caddyfile (cmd_edge_scan.h). */
#include "server/cmd_edge_scan.h"

#include "config/dispense.h"
#include "server/cmd_edge_native_only.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define SRV__EDGE_SCAN_MAX 256   /* roots, and modules: far more than any Caddyfile names */

typedef struct {
    ifr_arena_t *a;
    const char *config_dir;
    srv_edge_scan_t *out;
    bool file_server;
    int rc;
} srv__edge_scan_walk_t;

static bool srv__edge_scan_is(const cfg_directive_t *d, const char *name)
{
    return ifr_str_eq_cstr(d->name.text, name);
}

static void srv__edge_scan_root(srv__edge_scan_walk_t *w, const char *dir)
{
    srv_edge_scan_t *o = w->out;
    if (strchr(dir, '{')) {
        fprintf(stderr, "edge config: root %s has placeholders; its files are not embedded\n", dir);
        return;
    }
    for (size_t i = 0; i < o->nroots; i++)
        if (strcmp(o->roots[i], dir) == 0) return;
    if (o->nroots == SRV__EDGE_SCAN_MAX) {
        fprintf(stderr, "edge config: more than %d roots\n", SRV__EDGE_SCAN_MAX);
        w->rc = -1;
        return;
    }
    o->roots[o->nroots++] = dir;
}

/* The memory_limit line of a function's block, if any. */
static int srv__edge_scan_memory_limit(const cfg_directive_t *d, uint64_t *limit)
{
    *limit = 0;
    for (size_t i = 0; d->block && i < d->block->count; i++) {
        const cfg_directive_t *s = &d->block->items[i];
        cfg_error_t err = { 0 };
        if (!srv__edge_scan_is(s, "memory_limit") || s->nargs != 1) continue;
        if (cfg_parse_size(&s->args[0], CFG_SIZE_BINARY, limit, &err) != 0) {
            fprintf(stderr, "%s:%d:%d: %s\n", err.file, err.line, err.col, err.message);
            return -1;
        }
    }
    return 0;
}

static void srv__edge_scan_module(srv__edge_scan_walk_t *w, const cfg_directive_t *d, const char *written)
{
    srv_edge_scan_t *o = w->out;
    uint64_t limit;
    if (srv__edge_scan_memory_limit(d, &limit) != 0 || srv_edge_native_only(d) != 0) { w->rc = -1; return; }
    for (size_t i = 0; i < o->nmodules; i++)
        if (strcmp(o->modules[i].written, written) == 0 && o->modules[i].memory_limit == limit) return;
    const char *real = written[0] == '/' ? written : ifr_arena_printf(w->a, "%s/%s", w->config_dir, written);
    struct stat st;
    if (!real) { w->rc = -1; return; }
    if (stat(real, &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "edge config: function module %s is not a file here; not embedded\n", written);
        return;
    }
    if (o->nmodules == SRV__EDGE_SCAN_MAX) {
        fprintf(stderr, "edge config: more than %d function modules\n", SRV__EDGE_SCAN_MAX);
        w->rc = -1;
        return;
    }
    o->modules[o->nmodules++] = (srv_edge_scan_module_t){ written, real, limit };
}

static void srv__edge_scan_block(srv__edge_scan_walk_t *w, const cfg_block_t *b)
{
    for (size_t i = 0; b && i < b->count; i++) {
        const cfg_directive_t *d = &b->items[i];
        const char *last = d->nargs ? d->args[d->nargs - 1].text.ptr : NULL;
        /* `vars root DIR` is a root too: file_server without one serves
         * {http.vars.root}, as Caddy (the block form `vars { root DIR }`
         * is a `root` line, found below). */
        bool vars_root = srv__edge_scan_is(d, "vars") && d->nargs == 2 && ifr_str_eq_cstr(d->args[0].text, "root");
        if (last && (srv__edge_scan_is(d, "root") || vars_root)) srv__edge_scan_root(w, last);
        else if (last && (srv__edge_scan_is(d, "wasm") || srv__edge_scan_is(d, "reactor") || srv__edge_scan_is(d, "gojinn")))
            srv__edge_scan_module(w, d, last);
        if (srv__edge_scan_is(d, "file_server")) w->file_server = true;
        srv__edge_scan_block(w, d->block);
    }
}

int srv_edge_scan(ifr_arena_t *a, const cfg_doc_t *doc, const char *config_dir, srv_edge_scan_t *out)
{
    *out = (srv_edge_scan_t){ 0 };
    out->roots = ifr_arena_calloc(a, SRV__EDGE_SCAN_MAX, sizeof(*out->roots));
    out->modules = ifr_arena_calloc(a, SRV__EDGE_SCAN_MAX, sizeof(*out->modules));
    if (!out->roots || !out->modules) return -1;
    srv__edge_scan_walk_t w = { .a = a, .config_dir = config_dir, .out = out };
    for (size_t i = 0; i < doc->nsites; i++) srv__edge_scan_block(&w, &doc->sites[i].body);
    if (out->nroots == 0 && w.file_server) out->roots[out->nroots++] = ".";
    return w.rc;
}
