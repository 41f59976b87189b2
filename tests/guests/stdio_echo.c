/* Copies stdin to stdout in chunks of varying size, then reports the byte
 * count on stderr: the stdio round trip, large data included. */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    static char buf[65536];
    size_t total = 0, sizes[] = { 1, 7, 4096, 65536 };
    for (unsigned i = 0;; i++) {
        ssize_t n = read(0, buf, sizes[i % 4]);
        if (n < 0) { perror("read"); return 1; }
        if (n == 0) break;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(1, buf + off, (size_t)(n - off));
            if (w <= 0) { perror("write"); return 1; }
            off += w;
        }
        total += (size_t)n;
    }
    fprintf(stderr, "echoed %zu bytes\n", total);
    return 0;
}
