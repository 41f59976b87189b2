/* Benchmark helper (not a test): the in-process cost of running a WASI
 * command on ifrit's engine. Loads FILE.wasm once, then loops for about a
 * second over instantiate + run _start + teardown (stdout collected in a
 * buffer, as the functions runtime will), and prints microseconds per
 * iteration; module load (decode, validate, compile) is timed the same way
 * for scale.
 *   bench_instantiate FILE.wasm   (bench/compute.sh passes hello.wasm) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "base/file.h"
#include "wasi/wasi.h"
#include "wasm/wasm.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One fresh instance running _start to the end. Returns 0, or -1 after
 * printing why. With out, the guest's stdout is copied there (cap bytes). */
static int run_once(iw_module_t *m, iw_linker_t *l, char *out, size_t cap)
{
    iwasi_ctx_t *ctx = iwasi_ctx_new();
    if (!ctx || iwasi_ctx_add_arg(ctx, "hello.wasm") < 0) {
        fprintf(stderr, "bench_instantiate: out of memory\n");
        iwasi_ctx_free(ctx);
        return -1;
    }
    iwasi_ctx_output_buffer(ctx, 1, 1 << 20);
    iwasi_ctx_stdio_null(ctx, 0);
    iw_limits_t limits = { 0 };
    iw_error_t err = { 0 };
    iw_trap_t trap = { 0 };
    iw_instance_t *inst = iw_instance_new(m, l, &limits, &err, &trap);
    int rc = -1;
    if (!inst) {
        fprintf(stderr, "bench_instantiate: cannot instantiate: %s%s\n", err.message, trap.message);
    } else {
        iw_instance_set_user_data(inst, ctx);
        iw_func_t *start = iw_instance_func(inst, "_start");
        iw_status_t st = start ? iw_call(inst, start, NULL, 0, NULL, 0) : IW_TRAPPED;
        if (st == IW_FINISHED || (st == IW_EXITED && iw_instance_exit_code(inst) == 0)) {
            rc = 0;
        } else {
            fprintf(stderr, "bench_instantiate: _start did not finish: %s\n",
                    start ? iw_instance_trap(inst)->message : "no _start export");
        }
        if (out && rc == 0) {
            size_t len;
            const char *got = iwasi_ctx_output(ctx, 1, &len);
            snprintf(out, cap, "%.*s", (int)len, got);
        }
        iw_instance_free(inst);
    }
    iwasi_ctx_free(ctx);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: bench_instantiate FILE.wasm\n");
        return 2;
    }
    double seconds = getenv("BENCH_LOOP_SECONDS") ? atof(getenv("BENCH_LOOP_SECONDS")) : 1.0;
    size_t len;
    char why[160];
    uint8_t *bytes = (uint8_t *)ifr_read_file(argv[1], 0, &len, why, sizeof why);
    if (!bytes) { fprintf(stderr, "bench_instantiate: %s: %s\n", argv[1], why); return 1; }

    iw_error_t err = { 0 };
    long loads = 0;
    double start = now_s(), load_s;
    do {
        iw_module_t *m = iw_module_new(bytes, len, &err);
        if (!m) { fprintf(stderr, "bench_instantiate: %s: %s\n", argv[1], err.message); free(bytes); return 1; }
        iw_module_release(m);
        loads++;
        load_s = now_s() - start;
    } while (load_s < seconds / 4);

    iw_module_t *m = iw_module_new(bytes, len, &err);
    iw_linker_t *l = iw_linker_new();
    free(bytes);
    if (!m || !l || iwasi_link(l) < 0) { fprintf(stderr, "bench_instantiate: setup failed\n"); return 1; }
    char out[64];
    if (run_once(m, l, out, sizeof out) < 0) return 1;
    printf("guest output: %s", out);

    long runs = 0;
    double run_s;
    start = now_s();
    do {
        if (run_once(m, l, NULL, 0) < 0) return 1;
        runs++;
        run_s = now_s() - start;
    } while (run_s < seconds);
    printf("module load (decode+validate+compile): %.1f us (%ld loads, %zu bytes)\n", load_s * 1e6 / (double)loads,
           loads, len);
    printf("instantiate+run+teardown: %.1f us per iteration (%ld iterations)\n", run_s * 1e6 / (double)runs, runs);
    iw_linker_free(l);
    iw_module_release(m);
    return 0;
}
