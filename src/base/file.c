#include "base/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *ifr__file_kind(mode_t mode)
{
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISSOCK(mode)) return "a socket";
    return "not a plain file";
}

static void ifr__file_size_text(char *out, size_t len, size_t bytes)
{
    if (bytes >= (1u << 20) && bytes % (1u << 20) == 0) snprintf(out, len, "%zu MiB", bytes >> 20);
    else if (bytes >= 1024 && bytes % 1024 == 0) snprintf(out, len, "%zu KiB", bytes >> 10);
    else snprintf(out, len, "%zu bytes", bytes);
}

int ifr_file_open(const char *path, size_t max, size_t *size, uint64_t *dev, uint64_t *ino, char *why,
                  size_t whysize)
{
    /* O_NONBLOCK: opening a FIFO for reading would wait for a writer. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, whysize, "%s", strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        snprintf(why, whysize, "%s", strerror(errno));
        close(fd);
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(why, whysize, "is a directory");
        close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(why, whysize, "is not a regular file (%s)", ifr__file_kind(st.st_mode));
        close(fd);
        return -1;
    }
    if (st.st_size < 0 || (max && (unsigned long long)st.st_size > max)) {
        char cap[32];
        ifr__file_size_text(cap, sizeof cap, max);
        snprintf(why, whysize, "is larger than %s (the limit)", cap);
        close(fd);
        return -1;
    }
    if (size) *size = (size_t)st.st_size;
    if (dev) *dev = (uint64_t)st.st_dev;
    if (ino) *ino = (uint64_t)st.st_ino;
    return fd;
}

long long ifr_file_read(int fd, void *buf, size_t cap, char *why, size_t whysize)
{
    size_t got = 0;
    while (got < cap) {
        ssize_t r = read(fd, (char *)buf + got, cap - got);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            snprintf(why, whysize, "%s", strerror(errno));
            return -1;
        }
        if (r == 0) break;
        got += (size_t)r;
    }
    return (long long)got;
}

char *ifr_read_file(const char *path, size_t max, size_t *len, char *why, size_t whysize)
{
    size_t size;
    int fd = ifr_file_open(path, max, &size, NULL, NULL, why, whysize);
    if (fd < 0) return NULL;
    char *data = malloc(size + 1);
    if (!data) {
        snprintf(why, whysize, "out of memory");
        close(fd);
        return NULL;
    }
    long long got = ifr_file_read(fd, data, size, why, whysize);
    close(fd);
    if (got < 0) {
        free(data);
        return NULL;
    }
    data[got] = '\0';
    *len = (size_t)got;
    return data;
}
