/* Allocates 1 MiB blocks (touching each) until malloc fails, then says how
 * far it got and exits 3. Under a memory cap this ends with the message;
 * without one, after 64 MiB it exits 0. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The blocks escape through here, so the compiler cannot drop them. */
static char *volatile kept[64];

int main(void)
{
    int mib = 0;
    for (; mib < 64; mib++) {
        char *p = malloc(1 << 20);
        if (!p) {
            printf("malloc failed after %d MiB\n", mib);
            return 3;
        }
        memset(p, 1, 1 << 20);
        kept[mib] = p;
    }
    printf("allocated %d MiB\n", mib);
    return 0;
}
