/* Loading a function at config time: read and compile the module, check
 * its `_start`, and prepare the image requests start from. With snapshots
 * on, `_start` runs here until the guest first reads stdin or looks at its
 * environment (which holds the request's variables), so whatever it does
 * before (runtime start-up, tables, parsing its config) is paid once.
 * All of it runs under one deadline (fn_load_budget_ns), so a start-up that
 * never ends fails or skips the snapshot instead of hanging the load. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/file.h"
#include "base/log.h"
#include "fn/fn_function.h"
#include "fn/fn_host_link.h"
#include "fn/fn_runner.h"

uint64_t fn_memory_limit(const fn_config_t *c)
{
    return c->memory_limit ? c->memory_limit : FN_DEFAULT_MEMORY_LIMIT;
}

void fn_config_defaults(fn_config_t *c)
{
    *c = (fn_config_t){
        .timeout_ns = FN_DEFAULT_TIMEOUT_NS,
        .max_output = FN_DEFAULT_MAX_OUTPUT,
        .protocol = FN_PROTOCOL_CGI,
        .snapshot = true,
        .request_env = true,
        .host = { .http_timeout_ns = FN_HTTP_DEFAULT_TIMEOUT_NS, .http_max_response = FN_HTTP_DEFAULT_MAX_RESPONSE,
                  .max_retries = FN_JOB_DEFAULT_MAX_RETRIES, .retry_backoff_ns = FN_JOB_DEFAULT_BACKOFF_NS },
    };
}

static int fn__fail(char *why, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fn__fail(char *why, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, size, fmt, ap);
    va_end(ap);
    return -1;
}

static int64_t fn__now_ns(void) { return ifr_monotonic_ns(); }

/* The load's wall-clock allowance: the function's timeout, capped. */
static int64_t fn__load_budget_ns(const fn_config_t *c)
{
    return c->timeout_ns < FN_LOAD_TIMEOUT_NS ? c->timeout_ns : FN_LOAD_TIMEOUT_NS;
}

/* "1.5s", "10s", "250ms": for messages about the load's allowance. */
static void fn__duration_text(char *out, size_t len, int64_t ns)
{
    if (ns % 1000000000LL == 0) snprintf(out, len, "%llds", (long long)(ns / 1000000000LL));
    else if (ns >= 1000000000LL) snprintf(out, len, "%.1fs", (double)ns / 1e9);
    else snprintf(out, len, "%lldms", (long long)(ns / 1000000));
}

static bool fn__has_start(const iw_module_t *m)
{
    for (uint32_t i = 0; i < iw_module_export_count(m); i++) {
        iw_extern_info_t e;
        iw_module_export_info(m, i, &e);
        if (e.kind == IW_EXTERN_FUNC && strcmp(e.name, "_start") == 0)
            return strcmp(iw_module_func_sig(m, e.index), ":") == 0;
    }
    return false;
}

/* The WASI state every request inherits: argv, the static env, mounts. */
static iwasi_ctx_t *fn__base_ctx(const fn_config_t *c, char *why, size_t size)
{
    iwasi_ctx_t *ctx = iwasi_ctx_new();
    if (!ctx || iwasi_ctx_add_arg(ctx, c->name) < 0) goto oom;
    for (size_t i = 0; i < c->nargs; i++)
        if (iwasi_ctx_add_arg(ctx, c->args[i]) < 0) goto oom;
    for (size_t i = 0; i < c->nenv; i++) {
        if (!route_tmpl_is_static(c->env[i].value)) continue;   /* per request */
        ifr_str_t v;
        route_tmpl_render(NULL, c->env[i].value, &v);
        char kv[8192];
        int n = snprintf(kv, sizeof kv, "%s=%.*s", c->env[i].key, (int)v.len, v.ptr);
        if (n < 0 || (size_t)n >= sizeof kv) {
            iwasi_ctx_free(ctx);
            fn__fail(why, size, "env %s: value too long", c->env[i].key);
            return NULL;
        }
        if (iwasi_ctx_add_env(ctx, kv) < 0) goto oom;
    }
    for (size_t i = 0; i < c->nmounts; i++) {
        iwasi_errno_t e = iwasi_ctx_preopen(ctx, c->mounts[i].host_dir, c->mounts[i].guest_dir);
        if (e) {
            iwasi_ctx_free(ctx);
            fn__fail(why, size, "mount: cannot open directory '%s' (%s)", c->mounts[i].host_dir,
                    iwasi_errno_name(e));
            return NULL;
        }
    }
    iwasi_ctx_stdio_null(ctx, 0);
    iwasi_ctx_stdio_null(ctx, 1);
    iwasi_ctx_stdio_null(ctx, 2);
    return ctx;
oom:
    iwasi_ctx_free(ctx);
    fn__fail(why, size, "out of memory");
    return NULL;
}

/* Logs what the guest wrote to stderr before the snapshot, line by line. */
static void fn__log_load_stderr(fn_function_t *f, const iwasi_ctx_t *ctx)
{
    size_t len;
    const char *s = iwasi_ctx_output(ctx, 2, &len);
    while (len) {
        const char *nl = memchr(s, '\n', len);
        size_t n = nl ? (size_t)(nl - s) : len;
        ifr_log_info(f->logger, "at load: %.*s", (int)n, s);
        n += nl ? 1 : 0;
        s += n;
        len -= n;
    }
}

/* Runs `_start` until its first read of stdin or of its environment and
 * keeps that state as the image. A guest that ends (or fails) before
 * either keeps the fresh image: every request then runs `_start` from the
 * beginning. */
static int fn__snapshot(fn_function_t *f, iw_instance_t *inst, int64_t deadline, char *why, size_t size)
{
    const fn_config_t *c = f->conf;
    iwasi_ctx_t *run = iwasi_ctx_clone(f->ctx);
    if (!run) return fn__fail(why, size, "out of memory");
    iwasi_ctx_stdin_pending(run);
    iwasi_ctx_env_pending(run, c->request_env);   /* else the environment is the same in every request */
    iwasi_ctx_output_buffer(run, 1, c->max_output);
    iwasi_ctx_output_buffer(run, 2, 1u << 16);
    iwasi_ctx_set_deadline(run, deadline);
    iw_instance_set_deadline(inst, deadline);
    iw_instance_set_user_data(inst, run);
    iw_status_t st = iw_call(inst, iw_instance_func(inst, "_start"), NULL, 0, NULL, 0);
    fn__log_load_stderr(f, run);
    if (st == IW_SUSPENDED && iwasi_ctx_waiting(run)) {
        iw_image_t *img = iw_image_capture(inst);
        size_t len;
        const char *out = iwasi_ctx_output(run, 1, &len);
        char *prelude = len ? malloc(len) : NULL;
        if (!img || (len && !prelude)) {
            if (img) iw_image_release(img);
            free(prelude);
            iwasi_ctx_free(run);
            return fn__fail(why, size, "out of memory taking the snapshot");
        }
        if (len) memcpy(prelude, out, len);
        iw_image_release(f->image);
        f->image = img;
        f->image_suspended = true;
        f->prelude = prelude;
        f->prelude_len = len;
        iwasi_ctx_free(f->ctx);
        f->ctx = run;
        /* The image keeps the pending call; the clones made per request
         * answer it with their own variables and stdin, and replace the
         * load-time output buffers with their own sinks. */
        iwasi_ctx_env_pending(run, false);
        const char *call = NULL;
        iw_instance_suspended(inst, &call, NULL);
        ifr_log_info(f->logger, "snapshot taken at the guest's first %s", call && strncmp(call, "environ", 7) == 0
                     ? "look at its environment (before it read stdin)" : "read of stdin");
        return 0;
    }
    if (st == IW_TRAPPED && iw_instance_trap(inst)->kind == IW_TRAP_INTERRUPTED) {
        char allowed[32];
        fn__duration_text(allowed, sizeof allowed, fn__load_budget_ns(c));
        ifr_log_warn(f->logger, "no snapshot: _start did not read stdin within the %s a load may take, "
                     "nor look at its environment; "
                     "requests run it from the start", allowed);
    } else if (st == IW_TRAPPED)
        ifr_log_warn(f->logger, "no snapshot: _start trapped before reading stdin or its environment (%s); "
                     "requests run it from the start", iw_instance_trap(inst)->message);
    else
        ifr_log_info(f->logger, "no snapshot: _start ends without reading stdin or its environment; "
                     "requests run it from the start");
    iwasi_ctx_free(run);
    return 0;
}

fn_function_t *fn_function_load(const fn_config_t *c, char *why, size_t size)
{
    fn_function_t *f = calloc(1, sizeof *f);
    if (!f) {
        fn__fail(why, size, "out of memory");
        return NULL;
    }
    f->conf = c;
    snprintf(f->logger, sizeof f->logger, "fn:%s", c->name);
    if (c->traffic.rate > 0 && !(f->traffic = fn_traffic_new(&c->traffic))) {
        fn__fail(why, size, "out of memory");
        goto fail;
    }
    atomic_init(&f->live, 0);
    const fn_runner_t *runner = fn_runner_get();
    if (runner) {   /* the runner keeps the module; nothing runs in-process */
        if (fn_host_check_runner(c, runner->host_perms, why, size) == 0 && runner->load(c, why, size) == 0) return f;
        goto fail;
    }
    for (size_t i = 0; !c->request_env && i < c->nenv; i++)
        if (!route_tmpl_is_static(c->env[i].value)) {
            fn__fail(why, size, "env %s uses request placeholders, but with request_env off the environment "
                     "is fixed when the function loads", c->env[i].key);
            goto fail;
        }
    f->reserve = fn_memory_limit(c);
    size_t len = 0;
    char read_why[160];
    uint8_t *bytes = (uint8_t *)ifr_read_file(c->path, FN_MAX_MODULE_BYTES, &len, read_why, sizeof read_why);
    if (!bytes) {
        fn__fail(why, size, "cannot read the module: %s", read_why);
        goto fail;
    }
    if (fn_sign_check(&c->sign, c->path, bytes, &len, f->logger, why, size) < 0) {
        free(bytes);
        goto fail;
    }
    iw_error_t err = { 0 };
    f->module = iw_module_new(bytes, len, &err);
    free(bytes);
    if (!f->module) {
        fn__fail(why, size, "not a valid WebAssembly module (at byte %llu: %s)",
                (unsigned long long)err.offset, err.message);
        goto fail;
    }
    if (!fn__has_start(f->module)) {
        fn__fail(why, size, "not a WASI command: the module exports no _start function");
        goto fail;
    }
    uint32_t ndefined, ncompiled = iw_module_compiled_count(f->module, &ndefined);
    if (ncompiled)  /* the `engine compiler` option (docs/engine.md) */
        ifr_log_info(f->logger, "%u of %u functions compiled to machine code", ncompiled, ndefined);
    if (!(f->ctx = fn__base_ctx(c, why, size))) goto fail;
    iw_linker_t *l = iw_linker_new();
    if (!l || iwasi_link(l) < 0) {
        iw_linker_free(l);
        fn__fail(why, size, "out of memory");
        goto fail;
    }
    if (fn_host_link(l, f, why, size) < 0) {
        iw_linker_free(l);
        goto fail;
    }
    int64_t deadline = fn__now_ns() + fn__load_budget_ns(c);
    iw_limits_t limits = { .max_memory_bytes = fn_memory_limit(c), .deadline_ns = deadline };
    iw_trap_t trap = { 0 };
    iw_instance_t *inst = iw_instance_new(f->module, l, &limits, &err, &trap);
    iw_linker_free(l);
    if (!inst) {
        char allowed[32];
        fn__duration_text(allowed, sizeof allowed, fn__load_budget_ns(c));
        if (trap.kind == IW_TRAP_INTERRUPTED)
            fn__fail(why, size, "its start function did not finish within %s (a load may take the "
                    "function's timeout, at most %llds)", allowed, (long long)(FN_LOAD_TIMEOUT_NS / 1000000000LL));
        else if (trap.kind != IW_TRAP_NONE)
            fn__fail(why, size, "its start function trapped: %s", trap.message);
        else if (!c->memory_limit && strstr(err.message, "memory"))
            fn__fail(why, size, "cannot instantiate: %s (without a memory_limit the cap is %llu MiB)",
                    err.message, (unsigned long long)(FN_DEFAULT_MEMORY_LIMIT >> 20));
        else
            fn__fail(why, size, "cannot instantiate: %s", err.message);
        goto fail;
    }
    f->image = iw_image_capture(inst);
    int rc = f->image ? 0 : fn__fail(why, size, "out of memory taking the image");
    if (rc == 0 && c->snapshot) rc = fn__snapshot(f, inst, deadline, why, size);
    iw_instance_free(inst);
    if (rc == 0) return f;
fail:
    fn_function_free(f);
    return NULL;
}

void fn_function_free(fn_function_t *f)
{
    if (!f) return;
    if (f->image) iw_image_release(f->image);
    if (f->module) iw_module_release(f->module);
    iwasi_ctx_free(f->ctx);
    free(f->prelude);
    free(f->kv_ns);
    fn_traffic_free(f->traffic);
    free(f);
}
