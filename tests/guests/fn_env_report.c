/* What a function sees of its request's variables, for the per-language
 * snapshot tests (the same contract as rust/fn_rust_env_report.rs and
 * as/fn_as_env_report.ts). With `--early` it looks them up before reading
 * stdin (wasi-libc then reads the environment before the first read);
 * otherwise after. With `--json` the lines go out as a json-protocol
 * response's body. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[] = { "REQUEST_METHOD", "QUERY_STRING", "HTTP_X_TEST", "DB_HOST" };
#define NNAMES (sizeof names / sizeof names[0])

static void look_up(const char *values[NNAMES])
{
    for (size_t i = 0; i < NNAMES; i++) {
        const char *v = getenv(names[i]);
        values[i] = v ? v : "(unset)";
    }
}

int main(int argc, char **argv)
{
    int early = 0, json = 0;
    for (int i = 1; i < argc; i++) {
        early |= strcmp(argv[i], "--early") == 0;
        json |= strcmp(argv[i], "--json") == 0;
    }
    const char *values[NNAMES];
    if (early) look_up(values);
    static char in[65536];
    size_t n = fread(in, 1, sizeof in, stdin);
    if (!early) look_up(values);
    static char lines[8192];
    size_t len = 0;
    for (size_t i = 0; i < NNAMES; i++)
        len += (size_t)snprintf(lines + len, sizeof lines - len, "%s=%s\n", names[i], values[i]);
    snprintf(lines + len, sizeof lines - len, "STDIN=%zu\n", n);
    if (!json) {
        fputs(lines, stdout);
        return 0;
    }
    fputs("{\"status\":200,\"body\":\"", stdout);
    for (const char *p = lines; *p; p++) {
        if (*p == '\n') fputs("\\n", stdout);
        else if (*p == '"' || *p == '\\') printf("\\%c", *p);
        else putchar(*p);
    }
    fputs("\"}", stdout);
    return 0;
}
