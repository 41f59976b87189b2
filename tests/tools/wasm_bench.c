/* In-process benchmark of the engine (not a test: prints figures only).
 *   wasm_bench [kernels.wasm [kernel]]
 *   wasm_bench --instances
 * Runs each kernel of bench_kernels.h natively and on the engine, prints
 * the times and the engine/native ratio with their geometric mean, then the
 * time to instantiate a small module and to start one from a snapshot, the
 * latter for memories from 64 KiB to 256 MiB. --instances prints only the
 * instance figures. Without a file it builds the kernels with clang-19 for
 * wasm32. A kernel name runs only that kernel. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_kernels.h"
#include "wasm/wasm.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) { free(b); b = NULL; }
    fclose(f);
    *len = (size_t)n;
    return b;
}

typedef struct {
    const char *name;
    int (*native)(int);
    int arg;
} kernel_t;

static const kernel_t kernels[] = {
    { "fib", bk_fib, 30 },
    { "loops", bk_loops, 20000 },
    { "sieve", bk_sieve, 20 },
    { "matmul", bk_matmul, 20 },
    { "hash", bk_hash, 8 },
    { "quicksort", bk_quicksort, 4 },
};

/* Best of three, in seconds. */
static double time_native(const kernel_t *k, int *out)
{
    double best = 1e9;
    for (int r = 0; r < 3; r++) {
        double t = now();
        *out = k->native(k->arg);
        t = now() - t;
        if (t < best) best = t;
    }
    return best;
}

static double time_engine(iw_instance_t *inst, const kernel_t *k, int *out)
{
    double best = 1e9;
    iw_func_t *f = iw_instance_func(inst, k->name);
    if (!f) return -1;
    for (int r = 0; r < 3; r++) {
        iw_val_t a = { .type = IW_I32, .of.i32 = k->arg }, res = { 0 };
        double t = now();
        iw_status_t st = iw_call(inst, f, &a, 1, &res, 1);
        t = now() - t;
        if (st != IW_FINISHED) {
            printf("%s: %s\n", k->name, iw_instance_trap(inst)->message);
            return -1;
        }
        *out = res.of.i32;
        if (t < best) best = t;
    }
    return best;
}

/* A module of a few functions and one page of memory. */
static const char small_wat[] =
    "(module (memory (export \"memory\") 1) (global $g (mut i32) (i32.const 0))"
    " (data (i32.const 16) \"hello, world\\n\")"
    " (func (export \"run\") (result i32) (global.set $g (i32.add (global.get $g) (i32.const 1)))"
    "   (i32.load8_u (i32.const 16)))"
    " (func (export \"two\") (result i32) (i32.const 2)))";

static void bench_instantiate(void)
{
    FILE *f = fopen("/tmp/ifrit-bench-small.wat", "w");
    if (!f) return;
    fputs(small_wat, f);
    fclose(f);
    if (system("wat2wasm /tmp/ifrit-bench-small.wat -o /tmp/ifrit-bench-small.wasm") != 0) return;
    size_t len;
    uint8_t *bytes = read_all("/tmp/ifrit-bench-small.wasm", &len);
    iw_error_t err;
    iw_module_t *m = bytes ? iw_module_new(bytes, len, &err) : NULL;
    free(bytes);
    if (!m) return;
    enum { N = 20000 };
    double t = now();
    for (int i = 0; i < N; i++) {
        iw_instance_t *inst = iw_instance_new(m, NULL, NULL, NULL, NULL);
        iw_val_t r;
        iw_call(inst, iw_instance_func(inst, "run"), NULL, 0, &r, 1);
        iw_instance_free(inst);
    }
    t = now() - t;
    printf("instantiate+run+free, 1-page module: %.2f us\n", t / N * 1e6);

    iw_instance_t *base = iw_instance_new(m, NULL, NULL, NULL, NULL);
    iw_image_t *img = iw_image_capture(base);
    t = now();
    for (int i = 0; i < N; i++) {
        iw_instance_t *inst = iw_instance_from_image(img, NULL, NULL);
        iw_val_t r;
        iw_call(inst, iw_instance_func(inst, "run"), NULL, 0, &r, 1);
        iw_instance_free(inst);
    }
    t = now() - t;
    printf("from image+run+free, 1-page module: %.2f us\n", t / N * 1e6);
    iw_image_release(img);
    iw_instance_free(base);
    iw_module_release(m);
}

static void bench_image_big(iw_module_t *m)
{
    iw_instance_t *base = iw_instance_new(m, NULL, NULL, NULL, NULL);
    if (!base) return;
    iw_image_t *img = iw_image_capture(base);
    enum { N = 2000 };
    double t = now();
    for (int i = 0; i < N; i++) iw_instance_free(iw_instance_from_image(img, NULL, NULL));
    t = now() - t;
    printf("from image+free, kernels module (%llu KiB memory): %.2f us\n",
           (unsigned long long)(iw_memory_size(base) >> 10), t / N * 1e6);
    iw_image_release(img);
    iw_instance_free(base);
}

/* A module with a memory of `pages` pages: "fill" writes one byte in every
 * 64 KiB page below its argument (a used heap before the snapshot), "touch"
 * writes four pages spread over the memory (what a request would do). */
static iw_module_t *sized_module(uint32_t pages)
{
    char wat[1024];
    snprintf(wat, sizeof wat,
             "(module (memory (export \"memory\") %u)"
             " (func (export \"fill\") (param $n i32) (local $i i32)"
             "   (loop (i32.store8 (local.get $i) (i32.const 1))"
             "     (local.set $i (i32.add (local.get $i) (i32.const 65536)))"
             "     (br_if 0 (i32.lt_u (local.get $i) (local.get $n)))))"
             " (func (export \"touch\") (param $quarter i32)"
             "   (i32.store (i32.const 0) (i32.const 1))"
             "   (i32.store (local.get $quarter) (i32.const 2))"
             "   (i32.store (i32.mul (local.get $quarter) (i32.const 2)) (i32.const 3))"
             "   (i32.store (i32.mul (local.get $quarter) (i32.const 3)) (i32.const 4))))",
             pages);
    FILE *f = fopen("/tmp/ifrit-bench-sized.wat", "w");
    if (!f) return NULL;
    fputs(wat, f);
    fclose(f);
    if (system("wat2wasm /tmp/ifrit-bench-sized.wat -o /tmp/ifrit-bench-sized.wasm") != 0) return NULL;
    size_t len;
    uint8_t *bytes = read_all("/tmp/ifrit-bench-sized.wasm", &len);
    iw_error_t err;
    iw_module_t *m = bytes ? iw_module_new(bytes, len, &err) : NULL;
    free(bytes);
    return m;
}

/* Microseconds per instance from img, optionally calling "touch" with arg. */
static double image_loop(iw_image_t *img, const iw_val_t *arg)
{
    enum { N = 2000 };
    double t = now();
    for (int i = 0; i < N; i++) {
        iw_instance_t *inst = iw_instance_from_image(img, NULL, NULL);
        if (arg) iw_call(inst, iw_instance_func(inst, "touch"), arg, 1, NULL, 0);
        iw_instance_free(inst);
    }
    return (now() - t) / N * 1e6;
}

/* Instance from an image + free, alone and with four page writes (what a
 * request would do), for growing memories: with copy-on-write the cost
 * should not depend on the memory size. */
static void bench_image_sizes(void)
{
    static const uint32_t sizes_kib[] = { 64, 1024, 16384, 262144 };
    printf("%-10s %18s %26s\n", "memory", "from image+free us", "from image+4 writes+free us");
    for (size_t s = 0; s < sizeof sizes_kib / sizeof sizes_kib[0]; s++) {
        uint32_t pages = sizes_kib[s] / 64;
        iw_module_t *m = sized_module(pages);
        iw_instance_t *base = m ? iw_instance_new(m, NULL, NULL, NULL, NULL) : NULL;
        if (!base) { printf("%u KiB: cannot build the module\n", sizes_kib[s]); continue; }
        uint32_t bytes = pages * 65536u;
        iw_val_t arg = { .type = IW_I32, .of.i32 = (int32_t)(bytes < (1u << 20) ? bytes : 1u << 20) };
        iw_call(base, iw_instance_func(base, "fill"), &arg, 1, NULL, 0);
        iw_image_t *img = iw_image_capture(base);
        arg.of.i32 = (int32_t)(bytes / 4);
        char label[32];
        snprintf(label, sizeof label, "%u KiB", sizes_kib[s]);
        double bare = image_loop(img, NULL);
        printf("%-10s %18.2f %26.2f\n", label, bare, image_loop(img, &arg));
        iw_image_release(img);
        iw_instance_free(base);
        iw_module_release(m);
    }
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--instances") == 0) {
        bench_instantiate();
        bench_image_sizes();
        return 0;
    }
    const char *path = argc > 1 ? argv[1] : "/tmp/ifrit-bench-kernels.wasm";
    if (argc < 2) {
        const char *cmd = "clang-19 --target=wasm32 -O2 -nostdlib -Wl,--no-entry -Wl,--export-memory "
                          "-x c tests/tools/bench_kernels.h -o /tmp/ifrit-bench-kernels.wasm";
        if (system(cmd) != 0) { fprintf(stderr, "cannot build the kernels (run from the repo root)\n"); return 1; }
    }
    size_t len;
    uint8_t *bytes = read_all(path, &len);
    if (!bytes) { fprintf(stderr, "cannot read %s\n", path); return 1; }
    iw_error_t err;
    double t = now();
    iw_module_t *m = iw_module_new(bytes, len, &err);
    t = now() - t;
    free(bytes);
    if (!m) { fprintf(stderr, "load: %s\n", err.message); return 1; }
    printf("load+validate+compile %zu bytes: %.1f us\n", len, t * 1e6);
    iw_instance_t *inst = iw_instance_new(m, NULL, NULL, &err, NULL);
    if (!inst) { fprintf(stderr, "instantiate: %s\n", err.message); return 1; }
    double logsum = 0;
    int n = 0;
    printf("%-10s %10s %10s %8s\n", "kernel", "native ms", "engine ms", "ratio");
    for (size_t i = 0; i < sizeof kernels / sizeof kernels[0]; i++) {
        if (argc > 2 && strcmp(argv[2], kernels[i].name) != 0) continue;
        int rn, re;
        double tn = time_native(&kernels[i], &rn);
        double te = time_engine(inst, &kernels[i], &re);
        if (te < 0) continue;
        printf("%-10s %10.2f %10.2f %8.2f%s\n", kernels[i].name, tn * 1e3, te * 1e3, te / tn,
               rn == re ? "" : "  (checksum differs!)");
        logsum += log(te / tn);
        n++;
    }
    if (n) printf("geometric mean engine/native: %.2f\n", exp(logsum / n));
    iw_instance_free(inst);
    bench_image_big(m);
    iw_module_release(m);
    bench_instantiate();
    bench_image_sizes();
    return 0;
}
