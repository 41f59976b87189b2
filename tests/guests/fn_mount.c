/* Prints /data/note.txt (a `mount`ed directory) and whether a path outside
 * every mount can be opened (it must not). */
#include <stdio.h>

int main(void)
{
    char c, line[256];
    while (fread(&c, 1, 1, stdin) == 1) {}
    FILE *f = fopen("/data/note.txt", "r");
    if (!f) {
        printf("no note\n");
    } else {
        while (fgets(line, sizeof line, f)) fputs(line, stdout);
        fclose(f);
    }
    printf("outside: %s\n", fopen("/etc/hostname", "r") ? "opened" : "denied");
    return 0;
}
