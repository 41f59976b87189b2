/* ifrit command line entry point. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "version") == 0) {
        puts("ifrit 0.1.0-dev");
        return 0;
    }
    fprintf(stderr, "usage: ifrit <run|validate|fmt|reload|wasm|version|help>\n");
    return 2;
}
