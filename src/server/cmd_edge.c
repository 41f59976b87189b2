/* ifrit edge config --config FILE --out DIR [--listen HOST:PORT]
 *                   [--outbound public|private] [--shim DIR] [--wasm FILE]
 *
 * Writes the workerd bundle that serves FILE at the edge (docs/edge.md):
 * the Caddyfile is parsed by the config layer to find the files it
 * imports, the directories its roots serve and its function modules
 * (cmd_edge_scan.c); the bundle is
 * written by cmd_edge_bundle.c. The shim (edge/) and the core
 * (build/edge/ifrit.wasm, `make edge`) are taken from the source tree this
 * binary was built in (build/<variant>/ifrit) unless --shim / --wasm say. */
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/cmd_edge_bundle.h"
#include "server/cmd_edge_scan.h"
#include "server/commands.h"
#include "server/srv_server.h"

static int srv__cmd_edge_usage(void)
{
    fprintf(stderr, "usage: ifrit edge config --config Caddyfile --out DIR [--listen HOST:PORT]\n"
                    "                         [--outbound public|private] [--shim DIR] [--wasm FILE]\n");
    return 2;
}

/* Files the Caddyfile imports, each once, in the parse's arena. */
typedef struct {
    ifr_arena_t *a;
    const char **paths;
    size_t n, cap;
    bool failed;
} srv__cmd_edge_imports_t;

static void srv__cmd_edge_on_import(void *ud, const char *path)
{
    srv__cmd_edge_imports_t *im = ud;
    for (size_t i = 0; i < im->n; i++)
        if (strcmp(im->paths[i], path) == 0) return;
    if (im->n == im->cap) {
        size_t cap = im->cap * 2 + 16;
        const char **grown = ifr_arena_calloc(im->a, cap, sizeof *grown);
        if (!grown) { im->failed = true; return; }
        if (im->n) memcpy(grown, im->paths, im->n * sizeof *grown);
        im->paths = grown;
        im->cap = cap;
    }
    const char *copy = ifr_arena_strndup(im->a, path, strlen(path));
    if (!copy) { im->failed = true; return; }
    im->paths[im->n++] = copy;
}

/* The source tree of this binary: three levels above build/<variant>/ifrit. */
static bool srv__cmd_edge_tree(char *out, size_t cap)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return false;
    exe[n] = '\0';
    for (int up = 0; up < 3; up++) {
        char *slash = strrchr(exe, '/');
        if (!slash) return false;
        *slash = '\0';
    }
    return snprintf(out, cap, "%s", exe[0] ? exe : "/") < (int)cap;
}

static int srv__cmd_edge_config(int argc, char **argv)
{
    srv_edge_bundle_opts_t o = { .listen = "127.0.0.1:8080" };
    for (int i = 0; i < argc; i += 2) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) return srv__cmd_edge_usage();
        if (strcmp(k, "--config") == 0 || strcmp(k, "-c") == 0) o.config = v;
        else if (strcmp(k, "--out") == 0) o.out = v;
        else if (strcmp(k, "--listen") == 0) o.listen = v;
        else if (strcmp(k, "--shim") == 0) o.shim_dir = v;
        else if (strcmp(k, "--wasm") == 0) o.wasm = v;
        else if (strcmp(k, "--outbound") == 0 && (strcmp(v, "public") == 0 || strcmp(v, "private") == 0))
            o.private_outbound = strcmp(v, "private") == 0;
        else return srv__cmd_edge_usage();
    }
    if (!o.config || !o.out) return srv__cmd_edge_usage();
    char tree[PATH_MAX], shim[PATH_MAX + 8], wasm[PATH_MAX + 24];
    if ((!o.shim_dir || !o.wasm) && srv__cmd_edge_tree(tree, sizeof tree)) {
        snprintf(shim, sizeof shim, "%s/edge", tree);
        snprintf(wasm, sizeof wasm, "%s/build/edge/ifrit.wasm", tree);
        if (!o.shim_dir) o.shim_dir = shim;
        if (!o.wasm) o.wasm = wasm;
    }
    if (!o.shim_dir || !o.wasm) {
        fprintf(stderr, "edge config: cannot tell where the shim and ifrit.wasm are; give --shim and --wasm\n");
        return 1;
    }

    ifr_arena_t a;
    ifr_arena_init(&a, 0);
    cfg_doc_t *doc;
    cfg_error_t err = { 0 };
    char dir_buf[PATH_MAX];
    snprintf(dir_buf, sizeof dir_buf, "%s", o.config);
    srv_edge_scan_t scan;
    int rc = 1;
    srv__cmd_edge_imports_t imports = { .a = &a };
    cfg_parse_opts_t popts = { .on_import = srv__cmd_edge_on_import, .on_import_ud = &imports };
    if (cfg_parse_file(&a, o.config, &popts, &doc, &err) != 0) {
        char msg[1024];
        srv_format_config_error(&err, msg, sizeof msg);
        fprintf(stderr, "%s\n", msg);
    } else if (imports.failed) {
        fprintf(stderr, "edge config: out of memory\n");
    } else if (srv_edge_scan(&a, doc, dirname(dir_buf), &scan) == 0) {
        scan.imports = imports.paths;
        scan.nimports = imports.n;
        rc = srv_edge_bundle_write(&o, &scan) == 0 ? 0 : 1;
    }
    ifr_arena_destroy(&a);
    return rc;
}

int srv_cmd_edge(int argc, char **argv)
{
    if (argc >= 1 && strcmp(argv[0], "config") == 0) return srv__cmd_edge_config(argc - 1, argv + 1);
    return srv__cmd_edge_usage();
}
