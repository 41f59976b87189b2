/* The open-file cache (route/fs_open_cache.c): a small regular file that
 * has not changed for a few seconds is answered from its kept bytes
 * (ROUTE_FS_IN_CACHE), and any change to it, even one that leaves size and
 * mtime as they were, ends that at the next lookup. */
#define TEST_SUITE "route/fs_cache"
#include "testing.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "route/fs.h"

static char dir[64];

static void write_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "r+");
    if (!f) f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f) return;
    CHECK(fwrite(data, 1, len, f) == len);
    fclose(f);
}

/* Opens path through the cache; the body when the cache answered with its
 * bytes (copied into out), else the descriptor's contents. */
static int open_and_read(const char *path, char *out, size_t cap, size_t *len)
{
    struct stat st;
    int fd = route_fs_open_nofollow(path, &st);
    *len = 0;
    if (fd == ROUTE_FS_IN_CACHE) {
        ifr_str_t body;
        CHECK(route_fs_cache_body(path, &st, &body));
        CHECK((off_t)body.len == st.st_size);
        if (body.len <= cap) memcpy(out, body.ptr, body.len), *len = body.len;
        return fd;
    }
    if (fd >= 0) {
        ssize_t n = pread(fd, out, cap, 0);
        *len = n > 0 ? (size_t)n : 0;
        close(fd);
    }
    return fd;
}

static void test_kept_bytes_follow_the_file(void)
{
    char path[128], got[256];
    size_t len;
    snprintf(path, sizeof path, "%s/a.txt", dir);
    struct stat old;
    CHECK(stat(path, &old) == 0);
    CHECK(open_and_read(path, got, sizeof got, &len) >= 0);   /* a miss: opened */
    CHECK_MEM_EQ(got, len, "first version of the file");
    CHECK_INT_EQ(open_and_read(path, got, sizeof got, &len), ROUTE_FS_IN_CACHE);
    CHECK_MEM_EQ(got, len, "first version of the file");

    /* Rewritten in place, same size, mtime put back: ctime still moved. */
    write_file(path, "FIRST VERSION OF THE FILE", 25);
    struct timespec times[2] = { old.st_atim, old.st_mtim };
    CHECK(utimensat(AT_FDCWD, path, times, 0) == 0);
    int fd = open_and_read(path, got, sizeof got, &len);
    CHECK(fd >= 0);
    CHECK_MEM_EQ(got, len, "FIRST VERSION OF THE FILE");
    /* Changed just now: its bytes are not kept yet, the descriptor is. */
    fd = open_and_read(path, got, sizeof got, &len);
    CHECK(fd >= 0);
    CHECK_MEM_EQ(got, len, "FIRST VERSION OF THE FILE");
}

static void test_big_file_keeps_a_descriptor_only(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/big.bin", dir);
    for (int i = 0; i < 2; i++) {
        struct stat st;
        int fd = route_fs_open_nofollow(path, &st);
        CHECK(fd >= 0);
        ifr_str_t body;
        CHECK(!route_fs_cache_body(path, &st, &body));
        if (fd >= 0) close(fd);
    }
}

static void test_removed_file_is_gone(void)
{
    char path[128], got[64];
    size_t len;
    snprintf(path, sizeof path, "%s/gone.txt", dir);
    CHECK(open_and_read(path, got, sizeof got, &len) >= 0);
    CHECK_INT_EQ(open_and_read(path, got, sizeof got, &len), ROUTE_FS_IN_CACHE);
    CHECK(unlink(path) == 0);
    struct stat st;
    CHECK_INT_EQ(route_fs_open_nofollow(path, &st), -1);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/ifrit-fscache-XXXXXX");
    if (!mkdtemp(dir)) return 1;
    /* The files, then a wait so that all of them are settled (changed
     * more than the cache's few seconds ago) before the tests look. */
    char path[128];
    snprintf(path, sizeof path, "%s/a.txt", dir);
    write_file(path, "first version of the file", 25);
    snprintf(path, sizeof path, "%s/gone.txt", dir);
    write_file(path, "soon gone", 9);
    snprintf(path, sizeof path, "%s/big.bin", dir);
    char *big = calloc(1, ROUTE_FS_CACHE_BODY_MAX + 1);
    if (!big) return 1;
    write_file(path, big, ROUTE_FS_CACHE_BODY_MAX + 1);
    free(big);
    sleep(3);
    RUN(test_kept_bytes_follow_the_file);
    RUN(test_big_file_keeps_a_descriptor_only);
    /* A slot another file used within this second is not taken over
     * (route_fs_cache_put), and the directory's random name decides which
     * files share a slot: one second later none of them holds its slot. */
    sleep(1);
    RUN(test_removed_file_is_gone);
    route_fs_cache_thread_exit();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) return 1;
    return testing_done();
}
