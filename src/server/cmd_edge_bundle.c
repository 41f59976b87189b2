/* The bundle `ifrit edge config` writes (cmd_edge_bundle.h): config.capnp
 * for workerd, bundle.mjs for the shim (edge/serve.mjs), and the files
 * both name. Assets carry their path inside the edge and their mtime, so
 * ETag and Last-Modified come out as the native server's. */
#include "server/cmd_edge_bundle.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/file.h"
#include "base/json.h"
#include "server/cmd_edge_imports.h"
#include "server/cmd_edge_memcap.h"

#define SRV__EDGE_MAX_ASSET (25u << 20)   /* the Workers limit for one asset */
#define SRV__EDGE_MAX_DEPTH 64            /* directory nesting (a symlink loop ends here) */

static const char *const srv__edge_shim_files[] = { "worker.js", "serve.mjs", "core.mjs", "wasi.mjs", "function.mjs",
                                                    "fields.mjs", "hostapi.mjs", "hostapi_ifrit.mjs",
                                                    "kv.mjs" };

typedef struct {
    const srv_edge_bundle_opts_t *o;
    ifr_buf_t imports, entries, modules;
    size_t nassets;
    int rc;
} srv__edge_bundle_t;

static int srv__edge_fail(const char *what, const char *path)
{
    fprintf(stderr, "edge config: %s %s: %s\n", what, path, strerror(errno));
    return -1;
}

static int srv__edge_copy(const char *from, const char *to)
{
    char why[160];
    int fd = ifr_file_open(from, SRV__EDGE_MAX_ASSET, NULL, NULL, NULL, why, sizeof why);
    if (fd < 0) {
        fprintf(stderr, "edge config: cannot read %s: %s\n", from, why);
        return -1;
    }
    FILE *in = fdopen(fd, "rb");
    if (!in) {
        close(fd);
        return srv__edge_fail("cannot read", from);
    }
    FILE *out = fopen(to, "wb");
    if (!out) { fclose(in); return srv__edge_fail("cannot write", to); }
    char buf[65536];
    size_t n;
    int rc = 0;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n) { rc = srv__edge_fail("cannot write", to); break; }
    if (ferror(in)) rc = srv__edge_fail("cannot read", from);
    fclose(in);
    if (fclose(out) != 0 && rc == 0) rc = srv__edge_fail("cannot write", to);
    return rc;
}

static int srv__edge_mkdir(const char *dir)
{
    char *p = strdup(dir);
    if (!p) return -1;
    int rc = 0;
    for (char *s = p + 1;; s++) {
        bool end = *s == '\0';
        if (*s == '/' || end) {
            *s = '\0';
            if (mkdir(p, 0755) != 0 && errno != EEXIST) { rc = srv__edge_fail("cannot create", p); break; }
            if (end) break;
            *s = '/';
        }
    }
    free(p);
    return rc;
}

static int srv__edge_write_text(const char *path, const ifr_buf_t *text)
{
    FILE *f = fopen(path, "wb");
    if (!f) return srv__edge_fail("cannot write", path);
    bool ok = fwrite(text->data, 1, text->len, f) == text->len;
    if (fclose(f) != 0 || !ok) return srv__edge_fail("cannot write", path);
    return 0;
}

/* The path of a root inside the edge, whose working directory is "/":
 * "/" + dir for a relative one, with "." and ".." segments resolved. */
static void srv__edge_inside_path(const char *dir, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    for (const char *s = dir; *s;) {
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == 2 && s[0] == '.' && s[1] == '.') {
            while (len > 0 && out[--len] != '/') {}
            out[len] = '\0';
        } else if (n && !(n == 1 && s[0] == '.') && len + n + 2 < cap) {
            out[len++] = '/';
            memcpy(out + len, s, n);
            out[len += n] = '\0';
        }
        s += n + (e != NULL);
    }
    if (len == 0) snprintf(out, cap, "/");
}

/* The same for a file the config layer reads (the Caddyfile, imports):
 * one under the working directory is given its path from there, as a
 * relative root's files are, so the Caddyfile keeps its place among the
 * files a root serves (file_server hides it) and relative imports follow. */
static void srv__edge_config_inside_path(const char *path, char *out, size_t cap)
{
    char cwd[4096];
    size_t n = getcwd(cwd, sizeof cwd) ? strlen(cwd) : 0;
    if (n > 1 && strncmp(path, cwd, n) == 0 && path[n] == '/') path += n + 1;
    srv__edge_inside_path(path, out, cap);
}

/* The path the core asks for a function module by: as written when
 * absolute, else joined to the directory of the Caddyfile's path inside
 * the edge, as route_parse_path joins it. */
static void srv__edge_module_key(const char *config_inside, const char *written, char *out, size_t cap)
{
    const char *slash = strrchr(config_inside, '/');
    if (written[0] == '/' || !slash) {
        snprintf(out, cap, "%s", written);
        return;
    }
    int dir_len = slash == config_inside ? 1 : (int)(slash - config_inside);
    const char *sep = config_inside[dir_len - 1] == '/' ? "" : "/";
    snprintf(out, cap, "%.*s%s%s", dir_len, config_inside, sep, written);
}

static int srv__edge_no_dots(const struct dirent *d)
{
    return strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0;
}

static void srv__edge_add_asset(srv__edge_bundle_t *b, const char *real, const char *inside, const struct stat *st)
{
    char to[4096];
    size_t i = b->nassets;
    snprintf(to, sizeof to, "%s/assets/%zu", b->o->out, i);
    if (srv__edge_copy(real, to) != 0) { b->rc = -1; return; }
    b->nassets++;
    int64_t mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
    ifr_buf_printf(&b->imports, "import a%zu from \"./assets/%zu\";\n", i, i);
    ifr_buf_append_cstr(&b->entries, "  [");
    ifr_json_append_string(&b->entries, ifr_cstr(inside));
    ifr_buf_printf(&b->entries, ", a%zu, %" PRId64 "n],\n", i, mtime_ns);
    ifr_buf_printf(&b->modules, "    (name = \"assets/%zu\", data = embed \"assets/%zu\"),\n", i, i);
}

/* Every regular file under real (symlinks followed), in name order. */
static void srv__edge_walk(srv__edge_bundle_t *b, const char *real, const char *inside, int depth)
{
    struct dirent **names;
    int n = scandir(real, &names, srv__edge_no_dots, alphasort);
    if (n < 0) { b->rc = srv__edge_fail("cannot list", real); return; }
    for (int i = 0; i < n; i++) {
        char r[4096], e[4096];
        snprintf(r, sizeof r, "%s/%s", real, names[i]->d_name);
        snprintf(e, sizeof e, "%s%s%s", inside, strcmp(inside, "/") ? "/" : "", names[i]->d_name);
        struct stat st;
        if (b->rc == 0 && stat(r, &st) == 0) {
            if (S_ISDIR(st.st_mode) && depth < SRV__EDGE_MAX_DEPTH) srv__edge_walk(b, r, e, depth + 1);
            else if (S_ISREG(st.st_mode) && (uint64_t)st.st_size <= SRV__EDGE_MAX_ASSET) srv__edge_add_asset(b, r, e, &st);
            else if (S_ISREG(st.st_mode)) fprintf(stderr, "edge config: %s is over 25 MiB; not embedded\n", r);
        }
        free(names[i]);
    }
    free(names);
}

/* A function module with its memory capped at memory_limit (cmd_edge_memcap.h). */
static int srv__edge_write_capped(const srv_edge_scan_module_t *m, const char *to)
{
    size_t len;
    char why[160];
    uint8_t *in = (uint8_t *)ifr_read_file(m->real, SRV__EDGE_MAX_ASSET, &len, why, sizeof why);
    if (!in) {
        fprintf(stderr, "edge config: cannot read %s: %s\n", m->real, why);
        return -1;
    }
    ifr_buf_t out = IFR_BUF_INIT;
    int rc = srv_edge_memcap(in, len, m->memory_limit, &out);
    free(in);
    if (rc < 0) {
        fprintf(stderr, "edge config: %s is not a wasm module\n", m->real);
        ifr_buf_free(&out);
        return -1;
    }
    if (rc == 1)
        fprintf(stderr, "edge config: memory_limit cannot apply to %s (no 32-bit memory of its own under the limit); "
                        "embedded as it is\n", m->written);
    rc = srv__edge_write_text(to, &out);
    ifr_buf_free(&out);
    return rc;
}

/* The Gojinn host functions m imports with an i64 result, as a JSON array
 * (cmd_edge_imports.h): the shim returns a BigInt from those. A file that
 * is not a wasm module gets an empty list: it is embedded as it is and
 * fails where natively it would, when the function loads. */
static int srv__edge_host_i64(const srv_edge_scan_module_t *m, ifr_buf_t *fns)
{
    size_t len;
    char why[160];
    uint8_t *in = (uint8_t *)ifr_read_file(m->real, SRV__EDGE_MAX_ASSET, &len, why, sizeof why);
    if (!in) {
        fprintf(stderr, "edge config: cannot read %s: %s\n", m->real, why);
        return -1;
    }
    int rc = srv_edge_i64_imports(in, len, "gojinn", fns);
    free(in);
    return rc < 0 ? ifr_buf_append_cstr(fns, "[]") : 0;
}

static void srv__edge_capnp(ifr_buf_t *c, const srv_edge_bundle_opts_t *o, const ifr_buf_t *modules)
{
    ifr_buf_printf(c,
        "# Generated by `ifrit edge config`. Serve with: workerd serve config.capnp\n"
        "using Workerd = import \"/workerd/workerd.capnp\";\n\n"
        "const config :Workerd.Config = (\n"
        "  services = [\n"
        "    (name = \"ifrit\", worker = .ifrit),\n"
        "    # fetch() goes out through \"internet\": reverse_proxy's upstreams.\n"
        "    (name = \"internet\", network = (allow = [%s])),\n"
        "    # Functions' KV: one Durable Object per namespace (docs/edge.md), kept in kv/.\n"
        "    (name = \"kv-disk\", disk = (path = \"kv\", writable = true)),\n"
        "  ],\n"
        "  sockets = [(name = \"http\", address = ",
        o->private_outbound ? "\"public\", \"private\"" : "\"public\"");
    ifr_json_append_string(c, ifr_cstr(o->listen));
    ifr_buf_append_cstr(c, ", http = (), service = \"ifrit\")],\n);\n\nconst ifrit :Workerd.Worker = (\n  modules = [\n");
    for (size_t i = 0; i < sizeof srv__edge_shim_files / sizeof *srv__edge_shim_files; i++)
        ifr_buf_printf(c, "    (name = \"%s\", esModule = embed \"%s\"),\n", srv__edge_shim_files[i], srv__edge_shim_files[i]);
    ifr_buf_append_cstr(c,
        "    (name = \"bundle.mjs\", esModule = embed \"bundle.mjs\"),\n"
        "    (name = \"ifrit.wasm\", wasm = embed \"ifrit.wasm\"),\n"
        "    (name = \"Caddyfile\", text = embed \"Caddyfile\"),\n");
    ifr_buf_append(c, modules->data, modules->len);
    ifr_buf_append_cstr(c,
        "  ],\n"
        "  durableObjectNamespaces = [(className = \"IfritKv\", uniqueKey = \"ifrit-kv\")],\n"
        "  durableObjectStorage = (localDisk = \"kv-disk\"),\n"
        "  bindings = [(name = \"KV\", durableObjectNamespace = \"IfritKv\")],\n"
        "  compatibilityDate = \"2025-01-01\",\n);\n");
}

int srv_edge_bundle_write(const srv_edge_bundle_opts_t *o, const srv_edge_scan_t *scan)
{
    char from[4096], to[4096];
    snprintf(to, sizeof to, "%s/assets", o->out);
    if (srv__edge_mkdir(to) != 0) return -1;
    snprintf(to, sizeof to, "%s/functions", o->out);
    if (srv__edge_mkdir(to) != 0) return -1;
    snprintf(to, sizeof to, "%s/kv", o->out);   /* the KV Durable Objects' files (config.capnp's kv-disk) */
    if (srv__edge_mkdir(to) != 0) return -1;
    for (size_t i = 0; i < sizeof srv__edge_shim_files / sizeof *srv__edge_shim_files; i++) {
        snprintf(from, sizeof from, "%s/%s", o->shim_dir, srv__edge_shim_files[i]);
        snprintf(to, sizeof to, "%s/%s", o->out, srv__edge_shim_files[i]);
        if (srv__edge_copy(from, to) != 0) return -1;
    }
    snprintf(to, sizeof to, "%s/ifrit.wasm", o->out);
    if (srv__edge_copy(o->wasm, to) != 0) return -1;
    snprintf(to, sizeof to, "%s/Caddyfile", o->out);
    if (srv__edge_copy(o->config, to) != 0) return -1;

    srv__edge_bundle_t b = { .o = o, .imports = IFR_BUF_INIT, .entries = IFR_BUF_INIT, .modules = IFR_BUF_INIT };
    for (size_t i = 0; i < scan->nroots && b.rc == 0; i++) {
        struct stat st;
        char inside[4096];
        srv__edge_inside_path(scan->roots[i], inside, sizeof inside);
        if (stat(scan->roots[i], &st) == 0 && S_ISDIR(st.st_mode)) srv__edge_walk(&b, scan->roots[i], inside, 0);
        else fprintf(stderr, "edge config: root %s is not a directory here; nothing embedded for it\n", scan->roots[i]);
    }
    /* Imported files sit where the core's parser looks for them: at the
     * edge it reads the Caddyfile under its path inside the edge (bundle.mjs
     * says which), so relative imports resolve as they do here; an import
     * written as an absolute path finds its file under that path too. */
    for (size_t i = 0; i < scan->nimports && b.rc == 0; i++) {
        struct stat st;
        char inside[4096], as_written[4096];
        srv__edge_config_inside_path(scan->imports[i], inside, sizeof inside);
        srv__edge_inside_path(scan->imports[i], as_written, sizeof as_written);
        if (stat(scan->imports[i], &st) != 0 || !S_ISREG(st.st_mode)) continue;
        srv__edge_add_asset(&b, scan->imports[i], inside, &st);
        if (strcmp(inside, as_written) != 0 && b.rc == 0) srv__edge_add_asset(&b, scan->imports[i], as_written, &st);
    }
    char config_inside[4096];
    srv__edge_config_inside_path(o->config, config_inside, sizeof config_inside);
    ifr_buf_t fns = IFR_BUF_INIT;
    for (size_t i = 0; i < scan->nmodules && b.rc == 0; i++) {
        const srv_edge_scan_module_t *m = &scan->modules[i];
        snprintf(to, sizeof to, "%s/functions/%zu.wasm", o->out, i);
        b.rc = m->memory_limit ? srv__edge_write_capped(m, to) : srv__edge_copy(m->real, to);
        ifr_buf_printf(&b.imports, "import f%zu from \"./functions/%zu.wasm\";\n", i, i);
        ifr_buf_printf(&b.modules, "    (name = \"functions/%zu.wasm\", wasm = embed \"functions/%zu.wasm\"),\n", i, i);
        ifr_buf_append_cstr(&fns, "  [");
        char key[8192];
        srv__edge_module_key(config_inside, m->written, key, sizeof key);
        ifr_json_append_string(&fns, ifr_cstr(key));
        ifr_buf_printf(&fns, ", f%zu, %" PRIu64 ", ", i, m->memory_limit);
        if (b.rc == 0) b.rc = srv__edge_host_i64(m, &fns);
        ifr_buf_append_cstr(&fns, "],\n");
    }
    ifr_buf_t text = IFR_BUF_INIT;
    if (b.rc == 0) {
        ifr_buf_append_cstr(&text, "// Generated by `ifrit edge config`: the Caddyfile and its path, the files its roots hold and it imports, its functions.\n"
                                   "import caddyfile from \"./Caddyfile\";\n");
        ifr_buf_append(&text, b.imports.data, b.imports.len);
        ifr_buf_append_cstr(&text, "export { caddyfile };\nexport const caddyfilePath = ");
        ifr_json_append_string(&text, ifr_cstr(config_inside));
        ifr_buf_append_cstr(&text, ";\nexport const assets = [\n");
        ifr_buf_append(&text, b.entries.data, b.entries.len);
        ifr_buf_append_cstr(&text, "];\nexport const functions = [\n");
        ifr_buf_append(&text, fns.data, fns.len);
        ifr_buf_append_cstr(&text, "];\n");
        snprintf(to, sizeof to, "%s/bundle.mjs", o->out);
        b.rc = srv__edge_write_text(to, &text);
    }
    if (b.rc == 0) {
        ifr_buf_clear(&text);
        srv__edge_capnp(&text, o, &b.modules);
        snprintf(to, sizeof to, "%s/config.capnp", o->out);
        b.rc = srv__edge_write_text(to, &text);
    }
    if (b.rc == 0)
        printf("edge config: wrote %s/config.capnp (%zu assets, %zu functions)\n", o->out, b.nassets, scan->nmodules);
    ifr_buf_free(&text);
    ifr_buf_free(&fns);
    ifr_buf_free(&b.imports);
    ifr_buf_free(&b.entries);
    ifr_buf_free(&b.modules);
    return b.rc;
}
