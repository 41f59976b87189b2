/* WASI files against a temporary directory: preopens, the file calls, the
 * path calls, fd_readdir, and the sandbox (.., absolute paths, symlinks
 * leading outside must all fail with nothing touched outside), and special
 * files (FIFOs, sockets, devices) refused at once instead of blocking. */
#define TEST_SUITE "wasi/fs"
#include "testing.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "wasi/fd.h"
#include "wasi_test_mem.h"

static char base[256];      /* temp dir: base/root is preopened, base/secret is outside */
static char rootdir[300];

#define PATH_AT 2000        /* where path strings go in guest memory */
#define PATH2_AT 3000
#define RESULT 104         /* aligned to 8, as every result of the ABI must be */

static iwasi_ctx_t *new_ctx(void)
{
    iwasi_ctx_t *ctx = iwasi_ctx_new();
    CHECK_INT_EQ(iwasi_ctx_preopen(ctx, rootdir, "/sandbox"), 0);   /* becomes fd 3 */
    return ctx;
}

/* path_open relative to fd 3; returns the errno, the fd in *fd. */
static int open_path(iwasi_ctx_t *ctx, const char *path, uint32_t lookup, uint32_t oflags, uint64_t rights,
                     uint32_t *fd)
{
    uint32_t len = guest_str(PATH_AT, path);
    int e = WCALL(ctx, "path_open", 3, lookup, PATH_AT, len, oflags, rights, IWASI_RIGHTS_ALL, 0, RESULT);
    *fd = e ? 0 : guest_u32(RESULT);
    return e;
}

static int path_call(iwasi_ctx_t *ctx, const char *call, const char *path)
{
    uint32_t len = guest_str(PATH_AT, path);
    return WCALL(ctx, call, 3, PATH_AT, len);
}

static void write_host_file(const char *rel, const char *text)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", base, rel);
    FILE *f = fopen(p, "w");
    fputs(text, f);
    fclose(f);
}

static bool host_exists(const char *rel)
{
    char p[512];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", base, rel);
    return lstat(p, &st) == 0;
}

static void setup(void)
{
    strcpy(base, "/tmp/ifrit-wasi-XXXXXX");
    if (!mkdtemp(base)) {
        printf("FAIL wasi/fs/setup: mkdtemp\n");
        exit(1);
    }
    snprintf(rootdir, sizeof rootdir, "%s/root", base);
    char p[512];
    mkdir(rootdir, 0777);
    snprintf(p, sizeof p, "%s/sub", rootdir);
    mkdir(p, 0777);
    write_host_file("secret", "outside");
    write_host_file("root/hello.txt", "hello");
    write_host_file("root/sub/inner.txt", "inner");
    /* Symlinks: two that lead out, one that stays in, one loop. */
    snprintf(p, sizeof p, "%s/esc", rootdir);
    symlink("../secret", p);
    snprintf(p, sizeof p, "%s/abs", rootdir);
    symlink("/etc/passwd", p);
    snprintf(p, sizeof p, "%s/subdir_link", rootdir);
    symlink("sub", p);
    snprintf(p, sizeof p, "%s/sub/up_and_out", rootdir);
    symlink("../../secret", p);
    snprintf(p, sizeof p, "%s/sub/up_and_in", rootdir);
    symlink("../hello.txt", p);
    snprintf(p, sizeof p, "%s/loop", rootdir);
    symlink("loop", p);
}

static void teardown(void)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
    if (system(cmd) != 0) printf("FAIL wasi/fs/teardown: %s\n", cmd);
}

static void test_prestat(void)
{
    iwasi_ctx_t *ctx = new_ctx();
    CHECK_INT_EQ(WCALL(ctx, "fd_prestat_get", 3, RESULT), 0);
    CHECK_INT_EQ(guest[RESULT], IWASI_PREOPEN_DIR);
    CHECK_INT_EQ(guest_u32(RESULT + 4), 8);
    CHECK_INT_EQ(WCALL(ctx, "fd_prestat_dir_name", 3, 500, 8), 0);
    CHECK(memcmp(guest + 500, "/sandbox", 8) == 0);
    CHECK_INT_EQ(WCALL(ctx, "fd_prestat_dir_name", 3, 500, 4), IWASI_ENAMETOOLONG);
    CHECK_INT_EQ(WCALL(ctx, "fd_prestat_get", 4, RESULT), IWASI_EBADF);
    CHECK_INT_EQ(WCALL(ctx, "fd_fdstat_get", 3, RESULT), 0);
    CHECK_INT_EQ(guest[RESULT], IWASI_FILETYPE_DIRECTORY);
    CHECK(iwasi_ctx_preopen(ctx, "/nonexistent-ifrit-dir", NULL) == IWASI_ENOENT);
    iwasi_ctx_free(ctx);
}

static void test_file_round_trip(void)
{
    iwasi_ctx_t *ctx = new_ctx();
    uint32_t fd;
    uint64_t rw = IWASI_RIGHT_FD_READ | IWASI_RIGHT_FD_WRITE | IWASI_RIGHT_FD_SEEK | IWASI_RIGHT_FD_TELL |
                  IWASI_RIGHT_FD_FILESTAT_GET | IWASI_RIGHT_FD_FILESTAT_SET_SIZE;
    CHECK_INT_EQ(open_path(ctx, "new.txt", 0, IWASI_OFLAG_CREAT | IWASI_OFLAG_EXCL, rw, &fd), 0);
    CHECK(fd > 3);
    guest_str(1000, "0123456789");
    guest_iov(0, 1000, 10);
    CHECK_INT_EQ(WCALL(ctx, "fd_write", fd, 0, 1, RESULT), 0);
    CHECK_INT_EQ(guest_u32(RESULT), 10);
    CHECK_INT_EQ(WCALL(ctx, "fd_seek", fd, (uint64_t)-4, IWASI_WHENCE_CUR, RESULT), 0);
    CHECK_INT_EQ(guest_u64(RESULT), 6);
    guest_iov(0, 1100, 100);
    CHECK_INT_EQ(WCALL(ctx, "fd_read", fd, 0, 1, RESULT), 0);
    CHECK_INT_EQ(guest_u32(RESULT), 4);
    CHECK(memcmp(guest + 1100, "6789", 4) == 0);
    CHECK_INT_EQ(WCALL(ctx, "fd_tell", fd, RESULT), 0);
    CHECK_INT_EQ(guest_u64(RESULT), 10);
    CHECK_INT_EQ(WCALL(ctx, "fd_pread", fd, 0, 1, 2, RESULT), 0);
    CHECK_INT_EQ(guest_u32(RESULT), 8);
    CHECK_INT_EQ(WCALL(ctx, "fd_filestat_get", fd, 600), 0);
    CHECK_INT_EQ(guest[600 + 16], IWASI_FILETYPE_REGULAR_FILE);
    CHECK_INT_EQ(guest_u64(600 + 32), 10);
    CHECK_INT_EQ(WCALL(ctx, "fd_filestat_set_size", fd, 3), 0);
    CHECK_INT_EQ(WCALL(ctx, "fd_filestat_get", fd, 600), 0);
    CHECK_INT_EQ(guest_u64(600 + 32), 3);
    CHECK_INT_EQ(WCALL(ctx, "fd_close", fd), 0);
    /* EXCL on an existing file, and a file opened read-only cannot write. */
    CHECK_INT_EQ(open_path(ctx, "new.txt", 0, IWASI_OFLAG_CREAT | IWASI_OFLAG_EXCL, rw, &fd), IWASI_EEXIST);
    CHECK_INT_EQ(open_path(ctx, "hello.txt", 0, 0, IWASI_RIGHT_FD_READ, &fd), 0);
    guest_iov(0, 1000, 1);
    CHECK_INT_EQ(WCALL(ctx, "fd_write", fd, 0, 1, RESULT), IWASI_ENOTCAPABLE);
    CHECK_INT_EQ(WCALL(ctx, "fd_readdir", fd, 1000, 100, 0, RESULT), IWASI_ENOTDIR);
    CHECK_INT_EQ(open_path(ctx, "hello.txt/", 0, 0, IWASI_RIGHT_FD_READ, &fd), IWASI_ENOTDIR);
    CHECK_INT_EQ(open_path(ctx, "missing.txt", 0, 0, IWASI_RIGHT_FD_READ, &fd), IWASI_ENOENT);
    iwasi_ctx_free(ctx);
}

static void test_escapes_fail(void)
{
    iwasi_ctx_t *ctx = new_ctx();
    uint32_t fd;
    uint64_t r = IWASI_RIGHT_FD_READ;
    const uint32_t follow = IWASI_LOOKUP_SYMLINK_FOLLOW;
    CHECK_INT_EQ(open_path(ctx, "../secret", follow, 0, r, &fd), IWASI_ENOTCAPABLE);
    CHECK_INT_EQ(open_path(ctx, "sub/../../secret", follow, 0, r, &fd), IWASI_ENOTCAPABLE);
    CHECK_INT_EQ(open_path(ctx, "/etc/passwd", follow, 0, r, &fd), IWASI_ENOTCAPABLE);
    CHECK_INT_EQ(open_path(ctx, "esc", follow, 0, r, &fd), IWASI_ENOTCAPABLE);
    CHECK_INT_EQ(open_path(ctx, "abs", follow, 0, r, &fd), IWASI_ENOTCAPABLE);
    CHECK_INT_EQ(open_path(ctx, "sub/up_and_out", follow, 0, r, &fd), IWASI_ENOTCAPABLE);
    CHECK_INT_EQ(open_path(ctx, "subdir_link/up_and_out", follow, 0, r, &fd), IWASI_ENOTCAPABLE);
    CHECK_INT_EQ(open_path(ctx, "..", follow, IWASI_OFLAG_DIRECTORY, r, &fd), IWASI_ENOTCAPABLE);
    CHECK_INT_EQ(open_path(ctx, "loop", follow, 0, r, &fd), IWASI_ELOOP);
    /* Not following: the link itself is refused by O_NOFOLLOW. */
    CHECK_INT_EQ(open_path(ctx, "esc", 0, 0, r, &fd), IWASI_ELOOP);
    /* Writing through an escaping link must not create anything outside. */
    CHECK_INT_EQ(open_path(ctx, "../created", follow, IWASI_OFLAG_CREAT, IWASI_RIGHT_FD_WRITE, &fd), IWASI_ENOTCAPABLE);
    CHECK(!host_exists("created"));
    CHECK_INT_EQ(path_call(ctx, "path_create_directory", "../newdir"), IWASI_ENOTCAPABLE);
    CHECK(!host_exists("newdir"));
    CHECK_INT_EQ(path_call(ctx, "path_unlink_file", "../secret"), IWASI_ENOTCAPABLE);
    CHECK_INT_EQ(path_call(ctx, "path_unlink_file", "sub/../../secret"), IWASI_ENOTCAPABLE);
    CHECK(host_exists("secret"));
    uint32_t len = guest_str(PATH_AT, "hello.txt"), len2 = guest_str(PATH2_AT, "../moved");
    CHECK_INT_EQ(WCALL(ctx, "path_rename", 3, PATH_AT, len, 3, PATH2_AT, len2), IWASI_ENOTCAPABLE);
    CHECK_INT_EQ(WCALL(ctx, "path_link", 3, 0, PATH_AT, len, 3, PATH2_AT, len2), IWASI_ENOTCAPABLE);
    CHECK(!host_exists("moved"));
    len = guest_str(PATH_AT, "/etc/passwd");
    len2 = guest_str(PATH2_AT, "abs2");
    CHECK_INT_EQ(WCALL(ctx, "path_symlink", PATH_AT, len, 3, PATH2_AT, len2), IWASI_EPERM);
    CHECK_INT_EQ(WCALL(ctx, "path_filestat_get", 3, follow, PATH_AT, len, 600), IWASI_ENOTCAPABLE);
    /* Links that stay inside work. */
    CHECK_INT_EQ(open_path(ctx, "sub/up_and_in", follow, 0, r, &fd), 0);
    CHECK_INT_EQ(open_path(ctx, "subdir_link/inner.txt", follow, 0, r, &fd), 0);
    guest_iov(0, 1000, 10);
    CHECK_INT_EQ(WCALL(ctx, "fd_read", fd, 0, 1, RESULT), 0);
    CHECK(guest_u32(RESULT) == 5 && memcmp(guest + 1000, "inner", 5) == 0);
    /* Opening a subdirectory gives a directory fd that is sandboxed beneath the preopen too. */
    CHECK_INT_EQ(open_path(ctx, "sub", 0, IWASI_OFLAG_DIRECTORY, IWASI_RIGHTS_ALL & ~IWASI_RIGHT_FD_WRITE, &fd), 0);
    len = guest_str(PATH_AT, "../hello.txt");
    CHECK_INT_EQ(WCALL(ctx, "path_open", fd, 0, PATH_AT, len, 0, r, 0, 0, RESULT), IWASI_ENOTCAPABLE);
    /* Bad guest pointers. */
    CHECK_INT_EQ(WCALL(ctx, "path_open", 3, 0, GUEST_SIZE - 2, 10, 0, r, 0, 0, RESULT), IWASI_EFAULT);
    CHECK_INT_EQ(WCALL(ctx, "path_open", 3, 0, PATH_AT, 3, 0, r, 0, 0, GUEST_SIZE), IWASI_EFAULT);
    guest[PATH_AT + 1] = 0;
    CHECK_INT_EQ(WCALL(ctx, "path_open", 3, 0, PATH_AT, 3, 0, r, 0, 0, RESULT), IWASI_EILSEQ);
    iwasi_ctx_free(ctx);
}

static void test_directories_and_links(void)
{
    iwasi_ctx_t *ctx = new_ctx();
    CHECK_INT_EQ(path_call(ctx, "path_create_directory", "d"), 0);
    CHECK_INT_EQ(path_call(ctx, "path_create_directory", "d"), IWASI_EEXIST);
    CHECK(host_exists("root/d"));
    uint32_t fd;
    CHECK_INT_EQ(open_path(ctx, "d/f", 0, IWASI_OFLAG_CREAT, IWASI_RIGHT_FD_WRITE, &fd), 0);
    CHECK_INT_EQ(path_call(ctx, "path_remove_directory", "d"), IWASI_ENOTEMPTY);
    uint32_t len = guest_str(PATH_AT, "d/f"), len2 = guest_str(PATH2_AT, "d/g");
    CHECK_INT_EQ(WCALL(ctx, "path_rename", 3, PATH_AT, len, 3, PATH2_AT, len2), 0);
    CHECK(host_exists("root/d/g") && !host_exists("root/d/f"));
    len = guest_str(PATH_AT, "d/g");
    len2 = guest_str(PATH2_AT, "d/h");
    CHECK_INT_EQ(WCALL(ctx, "path_link", 3, 0, PATH_AT, len, 3, PATH2_AT, len2), 0);
    CHECK_INT_EQ(WCALL(ctx, "path_filestat_get", 3, 0, PATH2_AT, len2, 600), 0);
    CHECK_INT_EQ(guest_u64(600 + 24), 2);   /* nlink */
    /* symlink + readlink */
    len = guest_str(PATH_AT, "g");
    len2 = guest_str(PATH2_AT, "d/sym");
    CHECK_INT_EQ(WCALL(ctx, "path_symlink", PATH_AT, len, 3, PATH2_AT, len2), 0);
    CHECK_INT_EQ(WCALL(ctx, "path_readlink", 3, PATH2_AT, len2, 700, 64, RESULT), 0);
    CHECK_INT_EQ(guest_u32(RESULT), 1);
    CHECK_INT_EQ(guest[700], 'g');
    CHECK_INT_EQ(WCALL(ctx, "path_filestat_get", 3, 0, PATH2_AT, len2, 600), 0);
    CHECK_INT_EQ(guest[600 + 16], IWASI_FILETYPE_SYMBOLIC_LINK);
    CHECK_INT_EQ(WCALL(ctx, "path_filestat_get", 3, IWASI_LOOKUP_SYMLINK_FOLLOW, PATH2_AT, len2, 600), 0);
    CHECK_INT_EQ(guest[600 + 16], IWASI_FILETYPE_REGULAR_FILE);
    CHECK_INT_EQ(path_call(ctx, "path_unlink_file", "d"), IWASI_EISDIR);
    CHECK_INT_EQ(path_call(ctx, "path_unlink_file", "d/sym"), 0);
    CHECK_INT_EQ(path_call(ctx, "path_unlink_file", "d/g"), 0);
    CHECK_INT_EQ(path_call(ctx, "path_unlink_file", "d/h"), 0);
    CHECK_INT_EQ(path_call(ctx, "path_remove_directory", "d"), 0);
    CHECK(!host_exists("root/d"));
    /* set times */
    len = guest_str(PATH_AT, "hello.txt");
    CHECK_INT_EQ(WCALL(ctx, "path_filestat_set_times", 3, 0, PATH_AT, len, 0, 1000000000ull * 1234567,
                       IWASI_FSTFLAG_MTIM), 0);
    CHECK_INT_EQ(WCALL(ctx, "path_filestat_get", 3, 0, PATH_AT, len, 600), 0);
    CHECK_INT_EQ(guest_u64(600 + 48), 1000000000ull * 1234567);
    CHECK_INT_EQ(WCALL(ctx, "path_filestat_set_times", 3, 0, PATH_AT, len, 0, 0,
                       IWASI_FSTFLAG_MTIM | IWASI_FSTFLAG_MTIM_NOW), IWASI_EINVAL);
    /* path calls on a file descriptor */
    CHECK_INT_EQ(open_path(ctx, "hello.txt", 0, 0, IWASI_RIGHTS_ALL, &fd), 0);
    len = guest_str(PATH_AT, "x");
    CHECK_INT_EQ(WCALL(ctx, "path_create_directory", fd, PATH_AT, len), IWASI_ENOTDIR);
    iwasi_ctx_free(ctx);
}

/* Reads the whole directory with buffers of bufsize bytes, as wasi-libc
 * does: ask again from the last complete entry's cookie. Returns the
 * names found, "|"-separated, sorted by the caller's expectations. */
static int list_dir(iwasi_ctx_t *ctx, uint32_t fd, uint32_t bufsize, char *names, size_t cap)
{
    uint64_t cookie = 0;
    int count = 0;
    names[0] = 0;
    for (int rounds = 0; rounds < 1000; rounds++) {
        if (WCALL(ctx, "fd_readdir", fd, 8000, bufsize, cookie, RESULT) != 0) return -1;
        uint32_t used = guest_u32(RESULT), at = 0;
        while (at + IWASI_DIRENT_SIZE <= used) {
            uint32_t namelen = guest_u32(8000 + at + 16);
            if (at + IWASI_DIRENT_SIZE + namelen > used) break;   /* cut off: ask again */
            char name[64] = { 0 };
            memcpy(name, guest + 8000 + at + IWASI_DIRENT_SIZE, namelen < 63 ? namelen : 63);
            if (strcmp(name, ".") && strcmp(name, "..")) {
                strncat(names, name, cap - strlen(names) - 2);
                strcat(names, "|");
                count++;
            }
            cookie = guest_u64(8000 + at);
            at += IWASI_DIRENT_SIZE + namelen;
        }
        if (used < bufsize) return count;
    }
    return -1;
}

/* Rights as wasmtime gives and checks them, and the errnos of calls on the
 * wrong kind of descriptor. */
static void test_rights_and_kinds(void)
{
    iwasi_ctx_t *ctx = new_ctx();
    uint32_t fd, len;
    CHECK_INT_EQ(WCALL(ctx, "fd_fdstat_get", 3, 600), 0);
    uint64_t base_rights = guest_u64(608), inheriting = guest_u64(616);
    /* A preopen: the path calls and readdir, not a file's data calls. */
    CHECK(base_rights & IWASI_RIGHT_PATH_OPEN);
    CHECK(base_rights & IWASI_RIGHT_FD_READDIR);
    CHECK(!(base_rights & (IWASI_RIGHT_FD_READ | IWASI_RIGHT_FD_WRITE | IWASI_RIGHT_FD_SEEK)));
    CHECK((inheriting & (IWASI_RIGHT_FD_READ | IWASI_RIGHT_FD_WRITE | IWASI_RIGHT_FD_SEEK)) ==
          (IWASI_RIGHT_FD_READ | IWASI_RIGHT_FD_WRITE | IWASI_RIGHT_FD_SEEK));
    /* Reopening the preopen with the rights it has works (wasmtime's
     * path_open_preopen test), and so do empty rights. */
    len = guest_str(PATH_AT, ".");
    CHECK_INT_EQ(WCALL(ctx, "path_open", 3, 0, PATH_AT, len, 0, base_rights, inheriting, 0, RESULT), 0);
    CHECK_INT_EQ(WCALL(ctx, "path_open", 3, 0, PATH_AT, len, IWASI_OFLAG_DIRECTORY, 0, 0, 0, RESULT), 0);
    CHECK_INT_EQ(WCALL(ctx, "path_open", 3, 0, PATH_AT, len, IWASI_OFLAG_DIRECTORY, IWASI_RIGHT_FD_READ, 0, 0,
                       RESULT), 0);
    /* ... but a directory asked for writing is EISDIR. */
    CHECK_INT_EQ(WCALL(ctx, "path_open", 3, 0, PATH_AT, len, IWASI_OFLAG_DIRECTORY,
                       IWASI_RIGHT_FD_READ | IWASI_RIGHT_FD_WRITE, 0, 0, RESULT), IWASI_EISDIR);
    /* A directory refuses a file's data calls with EBADF, before rights. */
    guest_iov(0, 1000, 4);
    CHECK_INT_EQ(WCALL(ctx, "fd_read", 3, 0, 1, RESULT), IWASI_EBADF);
    CHECK_INT_EQ(WCALL(ctx, "fd_write", 3, 0, 1, RESULT), IWASI_EBADF);
    CHECK_INT_EQ(WCALL(ctx, "fd_pread", 3, 0, 1, 0, RESULT), IWASI_EBADF);
    CHECK_INT_EQ(WCALL(ctx, "fd_pwrite", 3, 0, 1, 0, RESULT), IWASI_EBADF);
    CHECK_INT_EQ(WCALL(ctx, "fd_seek", 3, 0, IWASI_WHENCE_SET, RESULT), IWASI_EBADF);
    CHECK_INT_EQ(WCALL(ctx, "fd_tell", 3, RESULT), IWASI_EBADF);
    CHECK_INT_EQ(WCALL(ctx, "fd_filestat_set_size", 3, 0), IWASI_EBADF);
    CHECK_INT_EQ(WCALL(ctx, "fd_allocate", 3, 0, 10), IWASI_EBADF);
    CHECK_INT_EQ(WCALL(ctx, "fd_advise", 3, 0, 10, 0), IWASI_EBADF);
    /* A stdio stream is no directory: EBADF; a file is: ENOTDIR. */
    CHECK_INT_EQ(WCALL(ctx, "path_open", 1, 0, PATH_AT, len, 0, 0, 0, 0, RESULT), IWASI_EBADF);
    CHECK_INT_EQ(WCALL(ctx, "fd_readdir", 0, 1000, 100, 0, RESULT), IWASI_EBADF);
    CHECK_INT_EQ(open_path(ctx, "hello.txt", 0, 0, IWASI_RIGHT_FD_READ, &fd), 0);
    CHECK_INT_EQ(WCALL(ctx, "path_create_directory", fd, PATH_AT, len), IWASI_ENOTDIR);
    /* A file opened for reading cannot be truncated, and a right asked of
     * a directory that cannot hand it down is not given. */
    CHECK_INT_EQ(WCALL(ctx, "fd_filestat_set_size", fd, 0), IWASI_ENOTCAPABLE);
    CHECK_INT_EQ(WCALL(ctx, "fd_fdstat_get", fd, 600), 0);
    CHECK_INT_EQ(guest_u64(608), IWASI_RIGHT_FD_READ);
    CHECK_INT_EQ(WCALL(ctx, "fd_fdstat_set_rights", fd, IWASI_RIGHT_FD_READ | IWASI_RIGHT_FD_WRITE, 0),
                 IWASI_ENOTCAPABLE);
    CHECK_INT_EQ(WCALL(ctx, "fd_fdstat_set_rights", fd, 0, 0), 0);
    CHECK_INT_EQ(WCALL(ctx, "fd_read", fd, 0, 1, RESULT), IWASI_ENOTCAPABLE);
    /* A directory that was given no TRUNC or CREAT right refuses them. */
    len = guest_str(PATH_AT, ".");
    CHECK_INT_EQ(WCALL(ctx, "path_open", 3, 0, PATH_AT, len, IWASI_OFLAG_DIRECTORY, IWASI_RIGHT_PATH_OPEN,
                       IWASI_RIGHT_FD_READ | IWASI_RIGHT_FD_WRITE, 0, RESULT), 0);
    uint32_t sub = guest_u32(RESULT);
    len = guest_str(PATH_AT, "hello.txt");
    CHECK_INT_EQ(WCALL(ctx, "path_open", sub, 0, PATH_AT, len, IWASI_OFLAG_TRUNC, IWASI_RIGHT_FD_WRITE, 0, 0,
                       RESULT), IWASI_ENOTCAPABLE);
    CHECK_INT_EQ(WCALL(ctx, "path_open", sub, 0, PATH_AT, len, IWASI_OFLAG_CREAT, IWASI_RIGHT_FD_WRITE, 0, 0,
                       RESULT), IWASI_ENOTCAPABLE);
    /* Rights it may hand down are intersected with those asked. */
    CHECK_INT_EQ(WCALL(ctx, "path_open", sub, 0, PATH_AT, len, 0, IWASI_RIGHTS_ALL, 0, 0, RESULT), 0);
    CHECK_INT_EQ(WCALL(ctx, "fd_fdstat_get", guest_u32(RESULT), 600), 0);
    CHECK_INT_EQ(guest_u64(608), IWASI_RIGHT_FD_READ | IWASI_RIGHT_FD_WRITE);
    iwasi_ctx_free(ctx);
}

static void test_readdir(void)
{
    iwasi_ctx_t *ctx = new_ctx();
    uint32_t fd;
    CHECK_INT_EQ(open_path(ctx, "sub", 0, IWASI_OFLAG_DIRECTORY, IWASI_RIGHTS_ALL & ~IWASI_RIGHT_FD_WRITE, &fd), 0);
    char names[512];
    CHECK_INT_EQ(list_dir(ctx, fd, 4096, names, sizeof names), 3);
    CHECK(strstr(names, "inner.txt|") && strstr(names, "up_and_out|") && strstr(names, "up_and_in|"));
    /* Tiny buffers force cut-off entries and re-reads from a cookie. */
    char again[512];
    CHECK_INT_EQ(list_dir(ctx, fd, 40, again, sizeof again), 3);
    CHECK_STR_EQ(again, names);
    CHECK_INT_EQ(list_dir(ctx, 3, 4096, names, sizeof names), 7);   /* with test_file_round_trip's new.txt */
    CHECK(strstr(names, "hello.txt|") && strstr(names, "sub|") && strstr(names, "loop|"));
    CHECK_INT_EQ(WCALL(ctx, "fd_readdir", 3, GUEST_SIZE - 10, 100, 0, RESULT), IWASI_EFAULT);
    iwasi_ctx_free(ctx);
}

static void test_clone_keeps_preopens(void)
{
    iwasi_ctx_t *ctx = new_ctx();
    iwasi_ctx_t *c = iwasi_ctx_clone(ctx);
    iwasi_ctx_free(ctx);   /* the clone owns its own descriptors */
    CHECK(c != NULL);
    uint32_t fd;
    CHECK_INT_EQ(open_path(c, "hello.txt", 0, 0, IWASI_RIGHT_FD_READ, &fd), 0);
    CHECK_INT_EQ(WCALL(c, "fd_prestat_get", 3, RESULT), 0);
    CHECK_INT_EQ(open_path(c, "../secret", 0, 0, IWASI_RIGHT_FD_READ, &fd), IWASI_ENOTCAPABLE);
    iwasi_ctx_free(c);
}

/* A FIFO, a socket or a device never opens: ENXIO at once, for reading
 * and writing, by name or through a symlink, and whether or not the FIFO
 * has its other end (an open that waited would block the worker thread for
 * good: alarm ends the test instead of letting it hang). Regular files
 * keep blocking reads on the host unless the guest asked NONBLOCK. */
static void test_special_files_refused(void)
{
    char p[512];
    snprintf(p, sizeof p, "%s/pipe", rootdir);
    CHECK_INT_EQ(mkfifo(p, 0666), 0);
    snprintf(p, sizeof p, "%s/pipe_link", rootdir);
    CHECK_INT_EQ(symlink("pipe", p), 0);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int n = snprintf(sa.sun_path, sizeof sa.sun_path, "%s/sock", rootdir);
    CHECK(n > 0 && (size_t)n < sizeof sa.sun_path);
    int sock = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_INT_EQ(bind(sock, (struct sockaddr *)&sa, sizeof sa), 0);
    iwasi_ctx_t *ctx = new_ctx();
    CHECK_INT_EQ(iwasi_ctx_preopen(ctx, "/dev", "/dev"), 0);   /* fd 4 */
    uint32_t fd;
    const uint64_t r = IWASI_RIGHT_FD_READ, w = IWASI_RIGHT_FD_WRITE;
    alarm(20);
    const char *names[] = { "pipe", "pipe_link", "sock" };
    for (size_t i = 0; i < 3; i++) {
        CHECK_INT_EQ(open_path(ctx, names[i], IWASI_LOOKUP_SYMLINK_FOLLOW, 0, r, &fd), IWASI_ENXIO);
        CHECK_INT_EQ(open_path(ctx, names[i], IWASI_LOOKUP_SYMLINK_FOLLOW, 0, w, &fd), IWASI_ENXIO);
        CHECK_INT_EQ(open_path(ctx, names[i], IWASI_LOOKUP_SYMLINK_FOLLOW, 0, r | w, &fd), IWASI_ENXIO);
        CHECK_INT_EQ(open_path(ctx, names[i], IWASI_LOOKUP_SYMLINK_FOLLOW, IWASI_OFLAG_CREAT, w, &fd), IWASI_ENXIO);
    }
    /* With a reader there a write open would succeed at once: still refused. */
    snprintf(p, sizeof p, "%s/pipe", rootdir);
    int reader = open(p, O_RDONLY | O_NONBLOCK);
    CHECK(reader >= 0);
    CHECK_INT_EQ(open_path(ctx, "pipe", 0, 0, w, &fd), IWASI_ENXIO);
    CHECK_INT_EQ(open_path(ctx, "pipe", 0, IWASI_OFLAG_TRUNC, w, &fd), IWASI_ENXIO);
    close(reader);
    /* O_EXCL and O_DIRECTORY keep their own answers. */
    CHECK_INT_EQ(open_path(ctx, "pipe", 0, IWASI_OFLAG_CREAT | IWASI_OFLAG_EXCL, w, &fd), IWASI_EEXIST);
    CHECK_INT_EQ(open_path(ctx, "pipe", 0, IWASI_OFLAG_DIRECTORY, r, &fd), IWASI_ENOTDIR);
    CHECK_INT_EQ(open_path(ctx, "pipe/", 0, 0, r, &fd), IWASI_ENOTDIR);
    /* Devices, in a preopened /dev. */
    const char *devs[] = { "null", "zero", "full", "urandom" };
    for (size_t i = 0; i < 4; i++) {
        uint32_t len = guest_str(PATH_AT, devs[i]);
        CHECK_INT_EQ(WCALL(ctx, "path_open", 4, 0, PATH_AT, len, 0, r, 0, 0, RESULT), IWASI_ENXIO);
        CHECK_INT_EQ(WCALL(ctx, "path_open", 4, 0, PATH_AT, len, 0, w, 0, 0, RESULT), IWASI_ENXIO);
    }
    alarm(0);
    /* The special files are still there and still what they were. */
    struct stat st;
    CHECK(stat(p, &st) == 0 && S_ISFIFO(st.st_mode));
    uint32_t len = guest_str(PATH_AT, "pipe");
    CHECK_INT_EQ(WCALL(ctx, "path_filestat_get", 3, 0, PATH_AT, len, 600), 0);
    CHECK_INT_EQ(guest[600 + 16], IWASI_FILETYPE_UNKNOWN);
    /* Regular files and directories still open; a regular file's host
     * descriptor blocks unless NONBLOCK was asked for. */
    CHECK_INT_EQ(open_path(ctx, "hello.txt", 0, 0, r, &fd), 0);
    CHECK_INT_EQ(fcntl(iwasi_fd_get(ctx, fd)->host_fd, F_GETFL) & O_NONBLOCK, 0);
    guest_iov(0, 1000, 100);
    CHECK_INT_EQ(WCALL(ctx, "fd_read", fd, 0, 1, RESULT), 0);
    CHECK_INT_EQ(guest_u32(RESULT), 5);
    CHECK_INT_EQ(WCALL(ctx, "fd_close", fd), 0);
    len = guest_str(PATH_AT, "hello.txt");
    CHECK_INT_EQ(WCALL(ctx, "path_open", 3, 0, PATH_AT, len, 0, r, 0, IWASI_FDFLAG_NONBLOCK, RESULT), 0);
    fd = guest_u32(RESULT);
    CHECK(fcntl(iwasi_fd_get(ctx, fd)->host_fd, F_GETFL) & O_NONBLOCK);
    CHECK_INT_EQ(WCALL(ctx, "fd_fdstat_get", fd, 600), 0);
    CHECK_INT_EQ(iwasi_get_u16(guest + 602), IWASI_FDFLAG_NONBLOCK);
    CHECK_INT_EQ(open_path(ctx, "sub", 0, IWASI_OFLAG_DIRECTORY, r, &fd), 0);
    CHECK_INT_EQ(open_path(ctx, "new_special_check.txt", 0, IWASI_OFLAG_CREAT, w, &fd), 0);
    iwasi_ctx_free(ctx);
    close(sock);
    unlink(sa.sun_path);
}

int main(void)
{
    setup();
    RUN(test_prestat);
    RUN(test_file_round_trip);
    RUN(test_escapes_fail);
    RUN(test_directories_and_links);
    RUN(test_rights_and_kinds);
    RUN(test_readdir);
    RUN(test_clone_keeps_preopens);
    RUN(test_special_files_refused);
    teardown();
    return testing_done();
}
