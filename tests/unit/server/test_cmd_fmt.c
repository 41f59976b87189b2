/* The `ifrit fmt` command (server/srv_cmd_fmt.c): exit status 1 for a file
 * that is not formatted or cannot be read, 0 once --overwrite wrote it,
 * 2 for an unknown option. The formatter itself: tests/unit/config/test_fmt.c. */
#define TEST_SUITE "server/srv_cmd_fmt"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/commands.h"
#include "testing.h"

/* Runs srv_cmd_fmt with stdout sent to /dev/null. */
static int run_fmt(int argc, char **argv)
{
    fflush(stdout);
    int saved = dup(1), null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    close(null);
    int rc = srv_cmd_fmt(argc, argv);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    return rc;
}

static void test_command(void)
{
    char path[] = "/tmp/ifrit-fmt-test-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0) return;
    const char *messy = "a {\nrespond   hi\n}";
    CHECK(write(fd, messy, strlen(messy)) == (ssize_t)strlen(messy));
    close(fd);
    char *check[] = { path };
    CHECK_INT_EQ(run_fmt(1, check), 1); /* not formatted */
    char *over[] = { "--overwrite", path };
    CHECK_INT_EQ(run_fmt(2, over), 0);
    char buf[128] = { 0 };
    FILE *f = fopen(path, "r");
    CHECK(f && fread(buf, 1, sizeof buf - 1, f) > 0);
    if (f) fclose(f);
    CHECK_STR_EQ(buf, "a {\n\trespond hi\n}\n");
    CHECK_INT_EQ(run_fmt(1, check), 0); /* formatted now */
    char *bad[] = { "--frobnicate", path };
    CHECK_INT_EQ(run_fmt(2, bad), 2);
    unlink(path);
    CHECK_INT_EQ(run_fmt(1, check), 1); /* missing file */
}

int main(void)
{
    RUN(test_command);
    return testing_done();
}
