/* ifrit command line entry point: picks the subcommand. */
#include <stdio.h>
#include <string.h>

#include "server/commands.h"

#define SRV__IFRIT_VERSION "0.1.0-dev"

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} srv__command_t;

static int srv__cmd_version(int argc, char **argv)
{
    (void)argc; (void)argv;
    printf("ifrit %s\n", SRV__IFRIT_VERSION);
    return 0;
}

static int srv__cmd_help(int argc, char **argv);

static const srv__command_t srv__commands[] = {
    { "run", srv_cmd_run, "serve the sites of a Caddyfile (default ./Caddyfile)" },
    { "validate", srv_cmd_validate, "check a Caddyfile without serving it" },
    { "adapt", srv_cmd_adapt, "print the Caddyfile as Caddy's JSON structure, as ifrit understood it (--pretty)" },
    { "fmt", srv_cmd_fmt, "print a Caddyfile in canonical form (--overwrite to rewrite it)" },
    { "reload", srv_cmd_reload, "make the running server load its Caddyfile again" },
    { "wasm", srv_cmd_wasm, "run a WebAssembly module: ifrit wasm run FILE.wasm [ARGS...]" },
    { "edge", srv_cmd_edge, "write a workerd bundle for a Caddyfile: ifrit edge config --config F --out DIR" },
    { "trust", srv_cmd_trust, "print the local CA's root certificate and, as root, install it in the system store" },
    { "untrust", srv_cmd_untrust, "remove the local CA's root from the system store (as root)" },
    { "version", srv__cmd_version, "print the version" },
    { "help", srv__cmd_help, "show this help" },
};

static int srv__cmd_help(int argc, char **argv)
{
    (void)argc; (void)argv;
    printf("usage: ifrit <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof srv__commands / sizeof srv__commands[0]; i++)
        printf("  %-10s %s\n", srv__commands[i].name, srv__commands[i].summary);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        srv__cmd_help(0, NULL);
        return 2;
    }
    for (size_t i = 0; i < sizeof srv__commands / sizeof srv__commands[0]; i++)
        if (strcmp(argv[1], srv__commands[i].name) == 0) return srv__commands[i].run(argc - 2, argv + 2);
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-v") == 0) return srv__cmd_version(0, NULL);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) return srv__cmd_help(0, NULL);
    fprintf(stderr, "ifrit: unknown command '%s' (try 'ifrit help')\n", argv[1]);
    return 2;
}
