/* Reading imported files and expanding import globs with open/read/fstat
 * and opendir/readdir only: wasi-libc has those but not glob(3). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/file.h"
#include "config/source.h"

char *cfg_path_relative_to(ifr_arena_t *a, const char *base, const char *rel)
{
    if (rel[0] == '/' || !base || strcmp(base, "<input>") == 0)
        return ifr_arena_strndup(a, rel, strlen(rel));
    const char *slash = strrchr(base, '/');
    if (!slash) return ifr_arena_strndup(a, rel, strlen(rel));
    return ifr_arena_printf(a, "%.*s/%s", (int)(slash - base), base, rel);
}

int cfg_read_file(ifr_arena_t *a, const char *path, size_t max, char **text, size_t *len,
                   uint64_t *dev, uint64_t *ino, char *why, size_t whysize)
{
    size_t size;
    int fd = ifr_file_open(path, max, &size, dev, ino, why, whysize);
    if (fd < 0) return -1;
    char *buf = ifr_arena_alloc(a, size + 1);
    long long got = buf ? ifr_file_read(fd, buf, size, why, whysize) : -1;
    close(fd);
    if (!buf) snprintf(why, whysize, "out of memory");
    if (got < 0) return -1;
    buf[got] = '\0';
    *text = buf;
    *len = (size_t)got;
    return 0;
}

bool cfg_has_wildcard(const char *s)
{
    return strpbrk(s, "*?[") != NULL;
}

/* Matches one bracket expression at *pat against c; moves *pat past it.
 * An unclosed '[' is an ordinary character. */
static bool cfg__glob_class(const char **pat, char c, bool *matched)
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
bool cfg_glob_match(const char *pat, const char *name)
{
    const char *star = NULL, *resume = NULL;
    while (*name) {
        if (*pat == '*') { star = ++pat; resume = name; continue; }
        if (*pat == '[') {
            const char *p = pat;
            bool ok;
            if (cfg__glob_class(&p, *name, &ok)) {
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

static int cfg__glob_cmp(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

typedef struct {
    ifr_arena_t *a;
    char **list;       /* malloc'd; the paths are arena strings */
    size_t n, cap;
    char *why;
    size_t whysize;
} cfg__glob_walk_t;

/* dir "/" elem; dir NULL is the current directory, "" the root. */
static char *cfg__glob_join(ifr_arena_t *a, const char *dir, const char *elem)
{
    return dir ? ifr_arena_printf(a, "%s/%s", dir, elem) : ifr_arena_strndup(a, elem, strlen(elem));
}

static int cfg__glob_add(cfg__glob_walk_t *w, char *path)
{
    struct stat st;
    if (stat(path, &st) < 0 || !S_ISREG(st.st_mode)) return 0;
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 16;
        char **l = realloc(w->list, cap * sizeof *l);
        if (!l) return -1;
        w->list = l;
        w->cap = cap;
    }
    w->list[w->n++] = path;
    return 0;
}

/* Matches rest (the pattern's elements still to go) below dir. Recursion
 * is one level per element of the pattern, which the config bounds. */
static int cfg__glob_walk(cfg__glob_walk_t *w, const char *dir, const char *rest)
{
    while (*rest == '/') rest++;   /* "a//b" is "a/b" */
    const char *slash = strchr(rest, '/');
    size_t elen = slash ? (size_t)(slash - rest) : strlen(rest);
    char *elem = ifr_arena_strndup(w->a, rest, elen);
    if (!elem) return -1;
    if (elen == 0) return 0;   /* a pattern ending in '/' names no file */
    if (!cfg_has_wildcard(elem)) {
        char *path = cfg__glob_join(w->a, dir, elem);
        if (!path) return -1;
        return slash ? cfg__glob_walk(w, path, slash + 1) : cfg__glob_add(w, path);
    }
    const char *open_dir = dir ? (dir[0] ? dir : "/") : ".";
    DIR *d = opendir(open_dir);
    /* A directory that is not there holds no match (Caddy's filepath.Glob
     * says the same); one we may not read is still an error. */
    if (!d && (errno == ENOENT || errno == ENOTDIR)) return 0;
    if (!d) {
        snprintf(w->why, w->whysize, "cannot open directory '%s': %s", open_dir, strerror(errno));
        return -2;
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d))) {
        if (e->d_name[0] == '.' && elem[0] != '.') continue;
        if (!cfg_glob_match(elem, e->d_name)) continue;
        char *path = cfg__glob_join(w->a, dir, e->d_name);
        if (!path) rc = -1;
        else rc = slash ? cfg__glob_walk(w, path, slash + 1) : cfg__glob_add(w, path);
    }
    closedir(d);
    return rc;
}

int cfg_glob(ifr_arena_t *a, const char *pattern, char ***paths, size_t *n, char *why,
              size_t whysize)
{
    *paths = NULL;
    *n = 0;
    cfg__glob_walk_t w = { .a = a, .why = why, .whysize = whysize };
    int rc = cfg__glob_walk(&w, pattern[0] == '/' ? "" : NULL, pattern);
    if (rc == 0 && w.n) {
        qsort(w.list, w.n, sizeof *w.list, cfg__glob_cmp);
        *paths = ifr_arena_alloc(a, w.n * sizeof **paths);
        if (*paths) {
            memcpy(*paths, w.list, w.n * sizeof **paths);
            *n = w.n;
        } else {
            rc = -1;
        }
    }
    free(w.list);
    if (rc == -1) snprintf(why, whysize, "out of memory");
    return rc < 0 ? -1 : 0;
}
