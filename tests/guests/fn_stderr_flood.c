/* stderr on request, chosen by the query string (issue 14 item 8):
 *   flood  writes 2 MiB of stderr in 1 KiB lines, then answers "ok"
 *   nul    writes one line with a NUL byte inside, then answers "ok"
 *   one    writes one short line, then answers "ok" */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    char c;
    while (fread(&c, 1, 1, stdin) == 1) {}
    const char *q = getenv("QUERY_STRING");
    if (!q) q = "";
    if (!strcmp(q, "flood")) {
        static char line[1024];
        memset(line, 'e', sizeof line - 1);
        line[sizeof line - 1] = '\n';
        for (int i = 0; i < 2048; i++) fwrite(line, 1, sizeof line, stderr);
    } else if (!strcmp(q, "nul")) {
        fwrite("before\0after\n", 1, 13, stderr);
    } else if (!strcmp(q, "one")) {
        fprintf(stderr, "one short line\n");
    }
    printf("ok\n");
    return 0;
}
