#define TEST_SUITE "base_file"
#include "testing.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/file.h"

static char dir[64];

static const char *in_dir(const char *name)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

static void test_regular_file_is_read(void)
{
    FILE *f = fopen(in_dir("plain"), "w");
    fputs("hello", f);
    fclose(f);
    char why[160] = "";
    size_t len = 0;
    char *data = ifr_read_file(in_dir("plain"), 5, &len, why, sizeof why);
    CHECK(data != NULL);
    CHECK_INT_EQ(len, 5);
    CHECK_STR_EQ(data, "hello");   /* NUL-terminated */
    free(data);
    /* One byte over the cap: refused before reading, with the cap named. */
    CHECK(ifr_read_file(in_dir("plain"), 4, &len, why, sizeof why) == NULL);
    CHECK_STR_EQ(why, "is larger than 4 bytes (the limit)");
}

static void test_cap_text(void)
{
    char why[160];
    size_t len;
    FILE *f = fopen(in_dir("big"), "w");
    fclose(f);
    CHECK(truncate(in_dir("big"), (3 << 20) + 1) == 0);   /* sparse */
    CHECK(ifr_read_file(in_dir("big"), 3u << 20, &len, why, sizeof why) == NULL);
    CHECK_STR_EQ(why, "is larger than 3 MiB (the limit)");
    CHECK(ifr_read_file(in_dir("big"), 2048, &len, why, sizeof why) == NULL);
    CHECK_STR_EQ(why, "is larger than 2 KiB (the limit)");
}

static void test_special_files_are_refused_without_blocking(void)
{
    char why[160];
    size_t len;
    CHECK(mkfifo(in_dir("fifo"), 0600) == 0);
    /* Would block in open(2) without O_NONBLOCK: nobody writes. */
    CHECK(ifr_file_open(in_dir("fifo"), 0, NULL, NULL, NULL, why, sizeof why) == -1);
    CHECK_STR_EQ(why, "is not a regular file (a FIFO)");
    CHECK(ifr_read_file("/dev/zero", 0, &len, why, sizeof why) == NULL);
    CHECK_STR_EQ(why, "is not a regular file (a character device)");
    CHECK(ifr_read_file(dir, 0, &len, why, sizeof why) == NULL);
    CHECK_STR_EQ(why, "is a directory");
    CHECK(ifr_read_file(in_dir("missing"), 0, &len, why, sizeof why) == NULL);
    CHECK_STR_EQ(why, "No such file or directory");
}

static void test_identity(void)
{
    char why[160];
    size_t size = 0;
    uint64_t dev = 0, ino = 0;
    int fd = ifr_file_open(in_dir("plain"), 0, &size, &dev, &ino, why, sizeof why);
    CHECK(fd >= 0);
    struct stat st;
    CHECK(stat(in_dir("plain"), &st) == 0);
    CHECK_INT_EQ(size, 5);
    CHECK(dev == (uint64_t)st.st_dev && ino == (uint64_t)st.st_ino);
    char buf[8];
    CHECK_INT_EQ(ifr_file_read(fd, buf, sizeof buf, why, sizeof why), 5);
    close(fd);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/ifrit-test-file-XXXXXX");
    if (!mkdtemp(dir)) return 1;
    RUN(test_regular_file_is_read);
    RUN(test_cap_text);
    RUN(test_special_files_are_refused_without_blocking);
    RUN(test_identity);
    const char *names[] = { "plain", "big", "fifo" };
    for (size_t i = 0; i < 3; i++) unlink(in_dir(names[i]));
    rmdir(dir);
    return testing_done();
}
