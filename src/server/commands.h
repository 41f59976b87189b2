/* The subcommands of the ifrit binary, one file each (cmd_NAME.c).
 * Each takes the arguments after its own name and returns the exit status. */
#ifndef IFRIT_SERVER_COMMANDS_H
#define IFRIT_SERVER_COMMANDS_H

int srv_cmd_run(int argc, char **argv);       /* ifrit run [--config F] [--adapter caddyfile] [--pidfile F] */
int srv_cmd_validate(int argc, char **argv);  /* ifrit validate [--config F] */
int srv_cmd_adapt(int argc, char **argv);     /* ifrit adapt [--config F] [--pretty] */
int srv_cmd_fmt(int argc, char **argv);       /* ifrit fmt [--overwrite] FILE */
int srv_cmd_reload(int argc, char **argv);    /* ifrit reload [--pidfile F] */
int srv_cmd_wasm(int argc, char **argv);      /* ifrit wasm run [...] FILE.wasm [ARGS...] */
int srv_cmd_edge(int argc, char **argv);      /* ifrit edge config --config F --out DIR [...] */
int srv_cmd_trust(int argc, char **argv);     /* ifrit trust [--config F] */
int srv_cmd_untrust(int argc, char **argv);   /* ifrit untrust [--config F] */

#endif
