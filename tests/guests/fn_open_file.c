/* Opens the file its request body names beneath the mounted /data: the
 * body is "r NAME" or "w NAME". Prints the file's first line (read) or
 * writes one ("w"), or "error N: text" with the WASI errno the open got. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
    char body[256], path[300], line[256];
    size_t n = fread(body, 1, sizeof body - 1, stdin);
    body[n] = 0;
    if (n < 3 || (body[0] != 'r' && body[0] != 'w') || body[1] != ' ') {
        printf("bad request\n");
        return 0;
    }
    snprintf(path, sizeof path, "/data/%s", body + 2);
    errno = 0;
    FILE *f = fopen(path, body[0] == 'r' ? "r" : "w");
    if (!f) {
        printf("error %d: %s\n", errno, strerror(errno));
        return 0;
    }
    if (body[0] == 'w') printf(fputs("written\n", f) >= 0 ? "wrote\n" : "write failed\n");
    else printf("%s", fgets(line, sizeof line, f) ? line : "(empty)\n");
    fclose(f);
    return 0;
}
