/* Writes back whatever arrives on stdin, in 64 KiB pieces (large bodies
 * stream through it). */
#include <stdio.h>

int main(void)
{
    static char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0)
        if (fwrite(buf, 1, n, stdout) != n) return 1;
    return 0;
}
