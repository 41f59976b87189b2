/* Reading imported files and expanding import globs with open/read/fstat
 * and opendir/readdir only: wasi-libc has those but not glob(3). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/source.h"

char *cfg__path_relative_to(ifr_arena_t *a, const char *base, const char *rel)
{
    if (rel[0] == '/' || !base || strcmp(base, "<input>") == 0)
        return ifr_arena_strndup(a, rel, strlen(rel));
    const char *slash = strrchr(base, '/');
    if (!slash) return ifr_arena_strndup(a, rel, strlen(rel));
    return ifr_arena_printf(a, "%.*s/%s", (int)(slash - base), base, rel);
}

int cfg__read_file(ifr_arena_t *a, const char *path, size_t max, char **text, size_t *len,
                   uint64_t *dev, uint64_t *ino, char *why, size_t whysize)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) { snprintf(why, whysize, "%s", strerror(errno)); return -1; }
    struct stat st;
    if (fstat(fd, &st) < 0) { snprintf(why, whysize, "%s", strerror(errno)); close(fd); return -1; }
    /* Devices and pipes could be endless (/dev/zero); only plain files. */
    if (!S_ISREG(st.st_mode)) {
        snprintf(why, whysize, S_ISDIR(st.st_mode) ? "is a directory" : "is not a regular file");
        close(fd);
        return -1;
    }
    if ((unsigned long long)st.st_size > max) {
        snprintf(why, whysize, "is larger than %zu bytes", max);
        close(fd);
        return -1;
    }
    size_t size = (size_t)st.st_size;
    char *buf = ifr_arena_alloc(a, size + 1);
    if (!buf) { snprintf(why, whysize, "out of memory"); close(fd); return -1; }
    size_t got = 0;
    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) { snprintf(why, whysize, "%s", strerror(errno)); close(fd); return -1; }
        if (r == 0) break; /* the file shrank while we read it: take what is there */
        got += (size_t)r;
    }
    close(fd);
    buf[got] = '\0';
    *text = buf;
    *len = got;
    *dev = (uint64_t)st.st_dev;
    *ino = (uint64_t)st.st_ino;
    return 0;
}

bool cfg__has_wildcard(const char *s)
{
    return strpbrk(s, "*?[") != NULL;
}

/* Matches one bracket expression at *pat against c; moves *pat past it.
 * An unclosed '[' is an ordinary character. */
static bool glob_class(const char **pat, char c, bool *matched)
{
    const char *p = *pat + 1;
    bool negate = (*p == '!' || *p == '^');
    if (negate) p++;
    const char *start = p;
    bool hit = false;
    while (*p && (*p != ']' || p == start)) {
        if (p[1] == '-' && p[2] && p[2] != ']') {
            if ((unsigned char)c >= (unsigned char)p[0] && (unsigned char)c <= (unsigned char)p[2]) hit = true;
            p += 3;
        } else {
            if (*p == c) hit = true;
            p++;
        }
    }
    if (*p != ']') return false;
    *pat = p + 1;
    *matched = hit != negate;
    return true;
}

/* Iterative matcher with one backtrack point for the last '*': linear in
 * practice and never recursive, whatever the pattern. */
bool cfg__glob_match(const char *pat, const char *name)
{
    const char *star = NULL, *resume = NULL;
    while (*name) {
        if (*pat == '*') { star = ++pat; resume = name; continue; }
        if (*pat == '[') {
            const char *p = pat;
            bool ok;
            if (glob_class(&p, *name, &ok)) {
                if (ok) { pat = p; name++; continue; }
                goto backtrack;
            }
        }
        if (*pat && (*pat == '?' || *pat == *name)) { pat++; name++; continue; }
    backtrack:
        if (!star) return false;
        pat = star;
        name = ++resume;
    }
    while (*pat == '*') pat++;
    return *pat == '\0';
}

static int glob_cmp(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

int cfg__glob(ifr_arena_t *a, const char *pattern, char ***paths, size_t *n, char *why,
              size_t whysize)
{
    *paths = NULL;
    *n = 0;
    const char *slash = strrchr(pattern, '/');
    const char *elem = slash ? slash + 1 : pattern;
    char *dir = slash ? ifr_arena_strndup(a, pattern, (size_t)(slash - pattern)) : NULL;
    if (slash && !dir) { snprintf(why, whysize, "out of memory"); return -1; }
    if (dir && cfg__has_wildcard(dir)) {
        snprintf(why, whysize, "wildcards are only allowed in the last element of the path");
        return -1;
    }
    const char *open_dir = dir ? (dir[0] ? dir : "/") : ".";
    DIR *d = opendir(open_dir);
    /* A directory that is not there holds no match (Caddy's filepath.Glob
     * says the same); one we may not read is still an error. */
    if (!d && (errno == ENOENT || errno == ENOTDIR)) return 0;
    if (!d) { snprintf(why, whysize, "cannot open directory '%s': %s", open_dir, strerror(errno)); return -1; }
    size_t cap = 0;
    char **list = NULL;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' && elem[0] != '.') continue;
        if (!cfg__glob_match(elem, e->d_name)) continue;
        char *full = dir ? ifr_arena_printf(a, "%s/%s", dir, e->d_name)
                         : ifr_arena_strndup(a, e->d_name, strlen(e->d_name));
        if (!full) { rc = -1; break; }
        struct stat st;
        if (stat(full, &st) < 0 || !S_ISREG(st.st_mode)) continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            char **l = realloc(list, cap * sizeof *l);
            if (!l) { rc = -1; break; }
            list = l;
        }
        list[(*n)++] = full;
    }
    closedir(d);
    if (rc == 0 && *n) {
        qsort(list, *n, sizeof *list, glob_cmp);
        *paths = ifr_arena_alloc(a, *n * sizeof **paths);
        if (*paths) memcpy(*paths, list, *n * sizeof **paths);
        else rc = -1;
    }
    free(list);
    if (rc < 0) { *n = 0; snprintf(why, whysize, "out of memory"); }
    return rc;
}
