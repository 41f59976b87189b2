/* A function that allocates 1 MiB blocks (touching each) up to argv[1]
 * MiB (default 1024). When malloc fails it says so on stderr and aborts
 * (a trap: 500), as most runtimes do on out-of-memory; when it gets them
 * all it answers "allocated N MiB". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The blocks escape through here, so the compiler cannot drop them. */
static char *volatile last;

int main(int argc, char **argv)
{
    int want = argc > 1 ? atoi(argv[1]) : 1024;
    char c;
    while (fread(&c, 1, 1, stdin) == 1) {}
    for (int mib = 0; mib < want; mib++) {
        char *p = malloc(1 << 20);
        if (!p) {
            fprintf(stderr, "malloc failed after %d MiB\n", mib);
            abort();
        }
        memset(p, 1, 1 << 20);   /* never freed: it must count */
        last = p;
    }
    printf("allocated %d MiB\n", want);
    return 0;
}
