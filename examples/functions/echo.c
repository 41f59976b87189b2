/* cgi protocol: the request body arrives on stdin, stdout is the response.
 * Reading stdin first matters with snapshots on: everything before the
 * first read runs once at load, the request's variables are only visible
 * after it (see docs/functions.md). */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    static char buf[65536];
    size_t n, total = 0;
    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) {
        fwrite(buf, 1, n, stdout);
        total += n;
    }
    const char *method = getenv("REQUEST_METHOD");
    fprintf(stderr, "echoed %zu bytes of a %s request\n", total, method ? method : "?");
    return 0;
}
