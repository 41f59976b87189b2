/* Benchmark helper (not a test): what the compiler costs at load (issue 23).
 * Loads FILE.wasm with the interpreter and then with the compiler, each
 * as often as fits in about half a second of CPU (at least once), and
 * prints the code section's size, CPU time per load with each engine, the
 * difference (the compiling) as MB/s of code section, the machine code's
 * size and that of its offset tables, and how many functions got native
 * code.
 *   bench_compile FILE.wasm   (bench/compute.sh runs it on each kernel) */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "base/file.h"
#include "wasm/jit.h"
#include "wasm/module.h"
#include "wasm/wasm.h"

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t leb(const uint8_t *p, size_t len, size_t *at)
{
    uint64_t v = 0;
    for (int shift = 0; *at < len && shift < 64; shift += 7) {
        uint8_t b = p[(*at)++];
        v |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80)) break;
    }
    return v;
}

/* The size of the code section (id 10), 0 if there is none. */
static uint64_t code_section(const uint8_t *p, size_t len)
{
    size_t at = 8;
    while (at < len) {
        uint8_t id = p[at++];
        uint64_t n = leb(p, len, &at);
        if (id == 10) return n;
        if (n > len - at) break;
        at += n;
    }
    return 0;
}

/* CPU seconds per load with engine e; the last module loaded in *keep. */
static double load_time(const uint8_t *bytes, size_t len, iw_engine_t e, iw_module_t **keep)
{
    iw_set_engine(e);
    double start = cpu_s(), spent = 0;
    int n = 0;
    *keep = NULL;
    do {
        iw_error_t err;
        iw_module_t *m = iw_module_new(bytes, len, &err);
        if (!m) {
            fprintf(stderr, "bench_compile: %s\n", err.message);
            return -1;
        }
        if (*keep) iw_module_release(*keep);
        *keep = m;
        n++;
        spent = cpu_s() - start;
    } while (spent < 0.5);
    return spent / n;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: bench_compile FILE.wasm\n");
        return 2;
    }
    char why[200];
    size_t len;
    uint8_t *bytes = (uint8_t *)ifr_read_file(argv[1], (size_t)1 << 30, &len, why, sizeof why);
    if (!bytes) {
        fprintf(stderr, "bench_compile: %s: %s\n", argv[1], why);
        return 1;
    }
    iw_module_t *mi, *mc;
    double ti = load_time(bytes, len, IW_ENGINE_INTERPRETER, &mi);
    double tc = ti < 0 ? -1 : load_time(bytes, len, IW_ENGINE_COMPILER, &mc);
    if (tc < 0) {
        if (mi) iw_module_release(mi);
        free(bytes);
        return 1;
    }
    uint64_t code = code_section(bytes, len);
    size_t tables, native = iw_jit_module_code_bytes(mc->jit, &tables);
    uint32_t defined, compiled = iw_module_compiled_count(mc, &defined);
    double compile = tc - ti;
    printf("code section %llu bytes; load %.2f ms interpreter, %.2f ms compiler: compiling %.2f ms",
           (unsigned long long)code, ti * 1e3, tc * 1e3, compile * 1e3);
    if (compile > 0) printf(", %.1f MB/s", (double)code / compile / 1e6);
    printf("; machine code %zu bytes (%.1fx the code section) + %zu of offset tables; %u of %u functions compiled\n",
           native, code ? (double)native / (double)code : 0.0, tables, compiled, defined);
    iw_module_release(mi);
    iw_module_release(mc);
    free(bytes);
    return 0;
}
