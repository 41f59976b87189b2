/* The open-file cache (route/fs_open_cache.c): a small regular file that
 * has not changed for a few seconds is answered from its kept bytes
 * (ROUTE_FS_IN_CACHE), and any change to it, even one that leaves size and
 * mtime as they were, ends that at the next lookup. A page's worth of
 * files all stay in; beyond its size the cache replaces the least recently
 * used, and its kept bytes and held descriptors stay under their ceilings. */
#define TEST_SUITE "route/fs_cache"
#include "testing.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "route/fs.h"

static char dir[64];

/* Files made before the settling wait: "page" small ones (as a page's
 * assets), "many" 16 KiB ones (more than the cache holds), "big" ones
 * over ROUTE_FS_CACHE_BODY_MAX (kept as descriptors only). */
#define PAGE_FILES 60
#define MANY_FILES 600
#define BIG_FILES 200

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

static void numbered_path(char *out, size_t cap, const char *kind, int i)
{
    snprintf(out, cap, "%s/%s%d.txt", dir, kind, i);
}

/* What numbered file i of kind holds: its name repeated to len bytes. */
static void numbered_body(char *out, size_t len, const char *kind, int i)
{
    char name[32];
    int n = snprintf(name, sizeof name, "%s %d;", kind, i);
    for (size_t k = 0; k < len; k++) out[k] = name[k % (size_t)n];
}

static void make_numbered(const char *kind, int count, size_t len)
{
    char path[128], *body = malloc(len);
    CHECK(body != NULL);
    if (!body) return;
    for (int i = 0; i < count; i++) {
        numbered_path(path, sizeof path, kind, i);
        numbered_body(body, len, kind, i);
        write_file(path, body, len);
    }
    free(body);
}

/* Opens numbered file i through the cache and checks its contents; how it
 * was answered (ROUTE_FS_IN_CACHE, a descriptor, or -1). */
static int open_numbered(const char *kind, int i, size_t len)
{
    char path[128], *want = malloc(len), *got = malloc(len + 1);
    int fd = -1;
    CHECK(want && got);
    if (want && got) {
        size_t n;
        numbered_path(path, sizeof path, kind, i);
        numbered_body(want, len, kind, i);
        fd = open_and_read(path, got, len + 1, &n);
        CHECK(fd == -1 || (n == len && memcmp(got, want, len) == 0));
    }
    free(want);
    free(got);
    return fd;
}

static int open_descriptors(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d) return -1;
    int n = 0;
    while (readdir(d)) n++;
    closedir(d);
    return n;
}

/* One connection's page: every asset of it is answered from the cache
 * the second time (32 direct-mapped slots kept at most 32 of them). */
static void test_a_page_of_assets_all_hits(void)
{
    for (int i = 0; i < PAGE_FILES; i++) CHECK(open_numbered("page", i, 1000) != -1);
    int hits = 0;
    for (int i = 0; i < PAGE_FILES; i++) hits += open_numbered("page", i, 1000) == ROUTE_FS_IN_CACHE;
    CHECK_INT_EQ(hits, PAGE_FILES);
}

/* One of the page's files removed, one replaced by a rename: the next
 * lookups see that, and every other file still hits. */
static void test_removed_and_replaced_among_many(void)
{
    char path[128], tmp[128];
    numbered_path(path, sizeof path, "page", 17);
    CHECK(unlink(path) == 0);
    numbered_path(path, sizeof path, "page", 33);
    snprintf(tmp, sizeof tmp, "%s/new33.txt", dir);
    write_file(tmp, "the new file 33", 15);
    CHECK(rename(tmp, path) == 0);
    struct stat st;
    numbered_path(path, sizeof path, "page", 17);
    CHECK_INT_EQ(route_fs_open_nofollow(path, &st), -1);
    char got[64];
    size_t len;
    numbered_path(path, sizeof path, "page", 33);
    int fd = open_and_read(path, got, sizeof got, &len);
    CHECK(fd >= 0);
    CHECK_MEM_EQ(got, len, "the new file 33");
    int hits = 0;
    for (int i = 0; i < PAGE_FILES; i++)
        if (i != 17 && i != 33) hits += open_numbered("page", i, 1000) == ROUTE_FS_IN_CACHE;
    CHECK_INT_EQ(hits, PAGE_FILES - 2);
}

/* 600 files of 16 KiB, more than the cache's 512 entries: every one is
 * served right, at most 512 from kept bytes. Seconds later, new files take
 * the place of the least recently used ones and hit from then on. */
static void test_more_files_than_room(void)
{
    const size_t len = ROUTE_FS_CACHE_BODY_MAX;
    for (int i = 0; i < MANY_FILES; i++) CHECK(open_numbered("many", i, len) != -1);
    int kept = 0;
    for (int i = 0; i < MANY_FILES; i++) {
        int fd = open_numbered("many", i, len);
        CHECK(fd != -1);
        kept += fd == ROUTE_FS_IN_CACHE;
    }
    CHECK(kept > 0);
    CHECK(kept <= 512);
    /* Two seconds: the coarse clock the cache reads may lag by a tick, and
     * entries used in the current second are not replaced. */
    sleep(2);
    for (int i = 0; i < PAGE_FILES; i++) CHECK(open_numbered("late", i, 1000) != -1);
    int hits = 0;
    for (int i = 0; i < PAGE_FILES; i++) hits += open_numbered("late", i, 1000) == ROUTE_FS_IN_CACHE;
    CHECK_INT_EQ(hits, PAGE_FILES);
}

/* Files too big for their bytes to be kept hold descriptors, at most 128
 * per thread: the rest are opened each time, and all are served right. */
static void test_descriptors_stay_bounded(void)
{
    const size_t len = ROUTE_FS_CACHE_BODY_MAX + 1;
    int before = open_descriptors();
    CHECK(before > 0);
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < BIG_FILES; i++) {
            int fd = open_numbered("big", i, len);
            CHECK(fd >= 0);
            if (fd >= 0) close(fd);
        }
    int held = open_descriptors() - before;
    CHECK(held > 0);
    CHECK(held <= 128);
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
    int descriptors_at_start = open_descriptors();
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
    make_numbered("page", PAGE_FILES, 1000);
    make_numbered("late", PAGE_FILES, 1000);
    make_numbered("many", MANY_FILES, ROUTE_FS_CACHE_BODY_MAX);
    make_numbered("big", BIG_FILES, ROUTE_FS_CACHE_BODY_MAX + 1);
    sleep(3);
    RUN(test_kept_bytes_follow_the_file);
    RUN(test_big_file_keeps_a_descriptor_only);
    /* A slot another file used within this second is not taken over
     * (route_fs_cache_put), and the directory's random name decides which
     * files share a slot: one second later none of them holds its slot. */
    sleep(1);
    RUN(test_removed_file_is_gone);
    RUN(test_a_page_of_assets_all_hits);
    RUN(test_removed_and_replaced_among_many);
    RUN(test_descriptors_stay_bounded);
    RUN(test_more_files_than_room);
    route_fs_cache_thread_exit();
    CHECK_INT_EQ(open_descriptors(), descriptors_at_start);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) return 1;
    return testing_done();
}
