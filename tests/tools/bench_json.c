/* Benchmark helper (not a test): parses each JSON file given on the command
 * line repeatedly for about a second and prints one line per file:
 *   json <file> <bytes> <MB/s> <nodes>
 * Used by bench/run.sh on wast2json output, the largest JSON ifrit reads. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "base/file.h"
#include "base/json_read.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t count_nodes(const ifr_json_t *v)
{
    size_t n = 1;
    if (v->type == IFR_JSON_ARRAY)
        for (size_t i = 0; i < v->count; i++) n += count_nodes(&v->items[i]);
    if (v->type == IFR_JSON_OBJECT)
        for (size_t i = 0; i < v->count; i++) n += count_nodes(&v->members[i].value);
    return n;
}

int main(int argc, char **argv)
{
    double seconds = getenv("BENCH_JSON_SECONDS") ? atof(getenv("BENCH_JSON_SECONDS")) : 1.0;
    int status = 0;
    for (int i = 1; i < argc; i++) {
        size_t len;
        char why[160];
        char *text = ifr_read_file(argv[i], 0, &len, why, sizeof why);
        if (!text) { fprintf(stderr, "bench_json: %s: %s\n", argv[i], why); status = 1; continue; }
        ifr_arena_t arena;
        ifr_arena_init(&arena, 64 * 1024);
        ifr_json_error_t err;
        size_t nodes = 0, rounds = 0;
        double start = now_s(), elapsed;
        do {
            ifr_arena_reset(&arena);
            ifr_json_t *v = ifr_json_parse(&arena, text, len, &err);
            if (!v) {
                fprintf(stderr, "bench_json: %s:%zu: %s\n", argv[i], err.offset, err.message);
                status = 1;
                break;
            }
            if (!rounds) nodes = count_nodes(v);
            rounds++;
            elapsed = now_s() - start;
        } while (elapsed < seconds);
        if (rounds) printf("json %s %zu %.1f %zu\n", argv[i], len, (double)len * (double)rounds / elapsed / 1e6, nodes);
        ifr_arena_destroy(&arena);
        free(text);
    }
    return status;
}
