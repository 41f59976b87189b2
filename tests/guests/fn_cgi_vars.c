/* Reads the request body first (so the snapshot is taken before anything
 * per-request is looked at), then prints its CGI variables, argv and the
 * configured env, one "NAME=value" per line. */
#include <stdio.h>
#include <stdlib.h>

static void show(const char *name)
{
    const char *v = getenv(name);
    printf("%s=%s\n", name, v ? v : "(unset)");
}

int main(int argc, char **argv)
{
    static char body[4096];
    size_t n = fread(body, 1, sizeof body - 1, stdin);
    body[n] = 0;
    printf("BODY=%s\n", body);
    const char *names[] = { "REQUEST_METHOD", "REQUEST_URI", "PATH_INFO", "QUERY_STRING", "CONTENT_TYPE",
                            "CONTENT_LENGTH", "REMOTE_ADDR", "HTTP_X_TEST", "HTTP_USER_AGENT", "DB_HOST",
                            "API_KEY", "FROM_PATH" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) show(names[i]);
    for (int i = 1; i < argc; i++) printf("ARG%d=%s\n", i, argv[i]);
    return 0;
}
