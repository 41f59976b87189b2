/* Files in the directory preopened as /sandbox: create, write, seek, read,
 * stat, rename, symlink, readlink, readdir, unlink, mkdir, rmdir; then
 * escape attempts, each of which must fail. The host puts a file "secret"
 * next to (outside) the preopened directory. Exit 0 when all is as expected. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int failures;

static void expect(int ok, const char *what)
{
    printf("%s: %s\n", what, ok ? "ok" : "FAILED");
    if (!ok) {
        printf("  errno: %s\n", strerror(errno));
        failures++;
    }
}

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void list(const char *dir)
{
    DIR *d = opendir(dir);
    expect(d != NULL, "opendir");
    if (!d) return;
    char *names[16];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 16)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], cmp);
    printf("readdir:");
    for (int i = 0; i < n; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    printf("\n");
}

/* An escape attempt: opening path for reading must fail. */
static void no_read(const char *label, const char *path)
{
    int fd = open(path, O_RDONLY);
    printf("escape %s: %s\n", label, fd < 0 ? "denied" : "LEAKED");
    if (fd >= 0) {
        failures++;
        close(fd);
    }
}

int main(void)
{
    struct stat st;
    char buf[64] = { 0 };
    expect(mkdir("/sandbox/dir", 0755) == 0, "mkdir");
    FILE *f = fopen("/sandbox/dir/a.txt", "w");
    expect(f && fputs("hello world\n", f) >= 0 && fclose(f) == 0, "create and write");
    int fd = open("/sandbox/dir/a.txt", O_RDONLY);
    expect(fd >= 0 && lseek(fd, 6, SEEK_SET) == 6 && read(fd, buf, 5) == 5 && !memcmp(buf, "world", 5),
           "seek and read");
    expect(fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 12 && S_ISREG(st.st_mode), "fstat");
    close(fd);
    fd = open("/sandbox/dir/a.txt", O_WRONLY | O_APPEND);
    expect(fd >= 0 && write(fd, "more\n", 5) == 5 && close(fd) == 0, "append");
    expect(stat("/sandbox/dir/a.txt", &st) == 0 && st.st_size == 17, "stat");
    expect(rename("/sandbox/dir/a.txt", "/sandbox/dir/b.txt") == 0, "rename");
    expect(stat("/sandbox/dir/a.txt", &st) != 0 && errno == ENOENT, "old name gone");
    expect(symlink("b.txt", "/sandbox/dir/link") == 0, "symlink");
    ssize_t n = readlink("/sandbox/dir/link", buf, sizeof buf);
    expect(n == 5 && !memcmp(buf, "b.txt", 5), "readlink");
    expect(lstat("/sandbox/dir/link", &st) == 0 && S_ISLNK(st.st_mode), "lstat");
    f = fopen("/sandbox/dir/link", "r");
    expect(f && fgets(buf, sizeof buf, f) && !strcmp(buf, "hello world\n"), "read through symlink");
    if (f) fclose(f);
    expect(truncate("/sandbox/dir/b.txt", 3) == 0 && stat("/sandbox/dir/b.txt", &st) == 0 && st.st_size == 3,
           "truncate");
    list("/sandbox/dir");
    expect(rmdir("/sandbox/dir") != 0 && errno == ENOTEMPTY, "rmdir non-empty fails");
    expect(unlink("/sandbox/dir/link") == 0 && unlink("/sandbox/dir/b.txt") == 0, "unlink");
    expect(rmdir("/sandbox/dir") == 0, "rmdir");
    expect(stat("/sandbox/dir", &st) != 0, "dir gone");

    no_read("dotdot", "/sandbox/../secret");
    no_read("nested dotdot", "/sandbox/x/../../secret");
    no_read("absolute", "/etc/passwd");
    no_read("relative", "../secret");
    symlink("../secret", "/sandbox/out");
    no_read("symlink out", "/sandbox/out");
    symlink("/etc/passwd", "/sandbox/abs");
    no_read("absolute symlink", "/sandbox/abs");
    mkdir("/sandbox/sub", 0755);
    symlink("../..", "/sandbox/sub/up");
    no_read("symlinked dir out", "/sandbox/sub/up/secret");
    fd = open("/sandbox/../created", O_WRONLY | O_CREAT, 0644);
    printf("escape create: %s\n", fd < 0 ? "denied" : "LEAKED");
    if (fd >= 0) failures++;
    printf("escape rename: %s\n", rename("/sandbox/out", "/sandbox/../moved") ? "denied" : "LEAKED");
    printf("%s\n", failures ? "files FAILED" : "files ok");
    return failures ? 1 : 0;
}
