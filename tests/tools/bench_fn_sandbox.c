/* Benchmark helper (not a test): the per-request sandbox cost of a
 * function, in process and without HTTP: make an instance from the
 * function's image, give it stdin, run it to the end, free it. Loads the
 * function through fn_function_load twice, with `snapshot on` (the image
 * waits at the guest's first read of stdin or of its environment) and
 * `snapshot off` (the image is the fresh module; `_start` runs every
 * time), then with `snapshot on` and `request_env off` (the environment
 * is fixed, so the image waits at the first stdin read), loops about a
 * second each (at least 3 requests) and prints microseconds and fuel
 * (wasm instructions, docs/engine.md) per request, and the CPU time.
 *   bench_fn_sandbox FILE.wasm [STDIN_TEXT [ARGS...]]   (bench/functions.sh) */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fn/fn_function.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One request's sandbox, as fn_sandbox.c makes it (minus the exchange). */
static int one_request(fn_function_t *f, const char *input, size_t *out_len, uint64_t *fuel)
{
    iw_limits_t limits = { 0 };
    iw_error_t err;
    iw_instance_t *inst = iw_instance_from_image(f->image, &limits, &err);
    iwasi_ctx_t *ctx = inst ? iwasi_ctx_clone(f->ctx) : NULL;
    if (!ctx) {
        if (inst) iw_instance_free(inst);
        return -1;
    }
    iw_instance_set_user_data(inst, ctx);
    iwasi_ctx_output_buffer(ctx, 1, 1u << 20);
    iwasi_ctx_stdin_bytes(ctx, input, strlen(input));
    iw_status_t st = f->image_suspended ? iwasi_resume(inst)
                                        : iw_call(inst, iw_instance_func(inst, "_start"), NULL, 0, NULL, 0);
    iwasi_ctx_output(ctx, 1, out_len);
    *fuel = iw_instance_fuel_used(inst);
    int ok = (st == IW_FINISHED || (st == IW_EXITED && iw_instance_exit_code(inst) == 0)) ? 0 : -1;
    iw_instance_free(inst);
    iwasi_ctx_free(ctx);
    return ok;
}

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int measure(const char *path, bool snapshot, bool request_env, const char *input, const char **args,
                   size_t nargs)
{
    fn_config_t c;
    fn_config_defaults(&c);
    c.path = path;
    c.args = args;
    c.nargs = nargs;
    const char *slash = strrchr(path, '/');
    c.name = slash ? slash + 1 : path;
    c.snapshot = snapshot;
    c.request_env = request_env;
    char why[300];
    fn_function_t *f = fn_function_load(&c, why, sizeof why);
    if (!f) {
        fprintf(stderr, "bench_fn_sandbox: %s: %s\n", path, why);
        return 1;
    }
    size_t out_len = 0;
    uint64_t fuel = 0;
    long n = 0;
    double start = now_s(), cpu_start = cpu_s(), elapsed;
    do {
        if (one_request(f, input, &out_len, &fuel) < 0) {
            fprintf(stderr, "bench_fn_sandbox: %s: the guest failed\n", path);
            fn_function_free(f);
            return 1;
        }
        n++;
        elapsed = now_s() - start;
    } while (elapsed < 1.0 || n < 3);
    double cpu = cpu_s() - cpu_start;
    printf("sandbox per request, snapshot %-20s %10.1f us (CPU %10.1f us) %12llu fuel  (%ld runs, %zu bytes out%s)\n",
           !snapshot ? "off" : request_env ? "on" : "on, request_env off",
           elapsed * 1e6 / (double)n, cpu * 1e6 / (double)n, (unsigned long long)fuel, n, out_len,
           snapshot && !f->image_suspended ? "; the guest reads neither stdin nor its environment: no snapshot" : "");
    fn_function_free(f);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_fn_sandbox FILE.wasm [STDIN_TEXT [ARGS...]]\n");
        return 2;
    }
    const char *input = argc > 2 ? argv[2] : "";
    const char **args = (const char **)(argv + 3);
    size_t nargs = argc > 3 ? (size_t)(argc - 3) : 0;
    return measure(argv[1], true, true, input, args, nargs) | measure(argv[1], false, true, input, args, nargs) |
           measure(argv[1], true, false, input, args, nargs);
}
