/* Misbehaves on request, chosen by the query string:
 *   trap    executes unreachable         -> 500
 *   spin    loops forever                -> 504 (timeout or fuel)
 *   exit    exits 3 without output       -> 500
 *   grow    allocates until memory.grow fails, then traps -> 500
 *   big     writes 2 MiB                 -> 500 past max_output
 *   cut     writes 200 KiB (streamed), then traps -> the response is cut off
 *   flood   writes 64 KiB pieces until stopped (max_output, timeout)
 *   stderr  logs two lines and answers "ok"
 * Anything else answers "fine". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile unsigned sink;
static char *volatile last;   /* keeps the allocations observable */

int main(void)
{
    char c;
    while (fread(&c, 1, 1, stdin) == 1) {}
    const char *q = getenv("QUERY_STRING");
    if (!q) q = "";
    if (!strcmp(q, "trap")) __builtin_trap();
    if (!strcmp(q, "spin"))
        for (;;) sink++;
    if (!strcmp(q, "exit")) exit(3);
    if (!strcmp(q, "grow")) {
        for (;;) {
            char *p = malloc(1 << 20);
            if (!p) __builtin_trap();
            p[0] = 1;
            last = p;
        }
    }
    if (!strcmp(q, "big")) {
        static char chunk[65536];
        memset(chunk, 'x', sizeof chunk);
        for (int i = 0; i < 32; i++) fwrite(chunk, 1, sizeof chunk, stdout);
        return 0;
    }
    if (!strcmp(q, "cut")) {
        static char chunk[65536];
        memset(chunk, 'y', sizeof chunk);
        for (int i = 0; i < 3; i++) fwrite(chunk, 1, sizeof chunk, stdout);
        fflush(stdout);
        __builtin_trap();
    }
    if (!strcmp(q, "flood")) {
        static char chunk[65536];
        memset(chunk, 'z', sizeof chunk);
        for (;;)
            if (fwrite(chunk, 1, sizeof chunk, stdout) != sizeof chunk) return 1;
    }
    if (!strcmp(q, "stderr")) {
        fprintf(stderr, "first line from the guest\nsecond line\n");
        printf("ok\n");
        return 0;
    }
    printf("fine\n");
    return 0;
}
