/* Placeholder until this command is built; see src/server/commands.h. */
#include <stdio.h>

#include "server/commands.h"

int cmd_fmt(int argc, char **argv)
{
    (void)argc; (void)argv;
    fprintf(stderr, "ifrit: 'fmt' is not built yet\n");
    return 2;
}
