// cflags: -Iinclude
/* A function on the function's SQLite database, in both forms. The
 * request body is one command:
 *   g SQL              Gojinn's host_db_query into a 4 KiB buffer: the length, then the JSON
 *   gcut N SQL         the same into an N-byte buffer
 *   q PARAMS|SQL       ifrit's db_query with PARAMS (a JSON array, may be
 *                      empty), then db_result asked for its size first: the
 *                      code, then the JSON */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ifrit_host.h"

__attribute__((import_module("gojinn"), import_name("host_db_query")))
uint32_t host_db_query(const char *sql, uint32_t len, char *out, uint32_t max);

static char body[8192];
static char buf[4096];

int main(void)
{
    size_t n = fread(body, 1, sizeof body - 1, stdin);
    body[n] = '\0';
    char *sp = strchr(body, ' ');
    if (!sp) return 2;
    *sp = '\0';
    char *arg = sp + 1;
    if (!strcmp(body, "g")) {
        uint32_t got = host_db_query(arg, strlen(arg), buf, sizeof buf);
        printf("%u:%.*s", got, (int)got, buf);
    } else if (!strcmp(body, "gcut")) {
        char *sql = strchr(arg, ' ');
        if (!sql) return 2;
        uint32_t got = host_db_query(sql + 1, strlen(sql + 1), buf, (uint32_t)atoi(arg));
        printf("%u:%.*s", got, (int)got, buf);
    } else if (!strcmp(body, "q")) {
        char *bar = strchr(arg, '|');
        if (!bar) return 2;
        *bar = '\0';
        int32_t e = ifrit_db_query(bar + 1, strlen(bar + 1), arg, strlen(arg));
        printf("%d", e);
        if (e) return 0;
        uint32_t len = 0;
        ifrit_db_result(NULL, 0, &len);
        char *rows = malloc(len + 1);
        e = ifrit_db_result(rows, len, &len);
        printf(" %d %.*s", e, (int)len, rows);
    } else {
        return 2;
    }
    return 0;
}
