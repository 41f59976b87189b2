/* The data directory; see tls_storage.h. */
#include "tls/tls_storage.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/file.h"

int tls_storage_init(tls_storage_t *s, const char *configured, char *err, size_t err_len)
{
    int n;
    const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
    if (configured && configured[0]) {
        n = snprintf(s->root, sizeof s->root, "%s", configured);
    } else if (xdg && xdg[0] == '/') {
        n = snprintf(s->root, sizeof s->root, "%s/ifrit", xdg);
    } else if (home && home[0]) {
        n = snprintf(s->root, sizeof s->root, "%s/.local/share/ifrit", home);
    } else {
        snprintf(err, err_len, "no data directory for certificates: set HOME or XDG_DATA_HOME, or use "
                               "the global option storage file_system PATH");
        return -1;
    }
    if (n < 0 || (size_t)n >= sizeof s->root) {
        snprintf(err, err_len, "the data directory path is longer than %d bytes", TLS_STORAGE_PATH_MAX - 1);
        return -1;
    }
    /* "dir/" and "dir" name the same place; joins add the slash. */
    while (n > 1 && s->root[n - 1] == '/') s->root[--n] = '\0';
    return 0;
}

int tls_storage_path(const tls_storage_t *s, const char *rel, char *out, size_t out_len)
{
    int n = snprintf(out, out_len, "%s/%s", s->root, rel);
    return n < 0 || (size_t)n >= out_len ? -1 : 0;
}

void tls_storage_safe_name(const char *name, char *out, size_t out_len)
{
    size_t o = 0;
    bool fits = true;
    for (const char *c = name; *c && fits; c++) {
        const char *put = NULL;
        char one[2] = { 0, 0 };
        char ch = (*c >= 'A' && *c <= 'Z') ? (char)(*c - 'A' + 'a') : *c;
        if (ch == '*') put = "wildcard_";
        else if (ch == '+') put = "_plus_";
        else if (ch == ':') put = "-";
        else if (ch == ' ') put = "_";
        else if (ch == '.' && c[1] == '.') { c++; continue; }
        else if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-' ||
                 ch == '@') { one[0] = ch; put = one; }
        if (!put) continue;
        /* Never two dots in a row, also where a removed byte stood between
         * them (".\xd3." would become ".." and climb out of its folder). */
        if (put[0] == '.' && o > 0 && out[o - 1] == '.') continue;
        size_t k = strlen(put);
        if (o + k >= out_len) fits = false;
        else { memcpy(out + o, put, k); o += k; }
    }
    if (!fits) o = 0;
    if (out_len) out[o] = '\0';
}

int tls_storage_cert_rel(const char *issuer, const char *name, const char *ext, char *out, size_t out_len)
{
    char safe[512];
    tls_storage_safe_name(name, safe, sizeof safe);
    if (!safe[0]) return -1;
    int n = snprintf(out, out_len, "certificates/%s/%s/%s.%s", issuer, safe, safe, ext);
    return n < 0 || (size_t)n >= out_len ? -1 : 0;
}

/* mkdir -p of path's directory part, each new level 0700. */
static int tls__storage_make_parents(char *path, char *err, size_t err_len)
{
    for (char *p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
        *p = '\0';
        int rc = mkdir(path, 0700);
        int e = errno;
        *p = '/';
        if (rc != 0 && e != EEXIST) {
            *p = '\0';
            snprintf(err, err_len, "cannot create the directory %s: %s", path, strerror(e));
            *p = '/';
            return -1;
        }
    }
    return 0;
}

int tls_storage_write(const tls_storage_t *s, const char *rel, const void *data, size_t len, mode_t mode,
                      char *err, size_t err_len)
{
    char path[TLS_STORAGE_PATH_MAX], tmp[TLS_STORAGE_PATH_MAX + 32];
    if (tls_storage_path(s, rel, path, sizeof path) != 0) {
        snprintf(err, err_len, "%s/%s: the path is too long", s->root, rel);
        return -1;
    }
    if (tls__storage_make_parents(path, err, err_len) != 0) return -1;
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    /* O_EXCL after unlink: a leftover from a crash, never someone's link. */
    unlink(tmp);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) {
        snprintf(err, err_len, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) goto fail;
        p += w;
        left -= (size_t)w;
    }
    /* The umask may have narrowed mode; a key must not end wider either. */
    if (fchmod(fd, mode) != 0 || fsync(fd) != 0) goto fail;
    if (close(fd) != 0) { fd = -1; goto fail; }
    fd = -1;
    if (rename(tmp, path) != 0) goto fail;
    return 0;
fail:
    snprintf(err, err_len, "cannot write %s: %s", path, strerror(errno));
    if (fd >= 0) close(fd);
    unlink(tmp);
    return -1;
}

char *tls_storage_read(const tls_storage_t *s, const char *rel, size_t max, size_t *len, bool *missing,
                       char *err, size_t err_len)
{
    char path[TLS_STORAGE_PATH_MAX], why[256];
    if (missing) *missing = false;
    if (tls_storage_path(s, rel, path, sizeof path) != 0) {
        snprintf(err, err_len, "%s/%s: the path is too long", s->root, rel);
        return NULL;
    }
    if (missing && access(path, F_OK) != 0 && errno == ENOENT) {
        *missing = true;
        snprintf(err, err_len, "%s: no such file", path);
        return NULL;
    }
    char *data = ifr_read_file(path, max, len, why, sizeof why);
    if (!data) snprintf(err, err_len, "cannot read %s: %s", path, why);
    return data;
}

int tls_storage_remove(const tls_storage_t *s, const char *rel)
{
    char path[TLS_STORAGE_PATH_MAX];
    if (tls_storage_path(s, rel, path, sizeof path) != 0) return -1;
    return unlink(path) == 0 || errno == ENOENT ? 0 : -1;
}

int tls_storage_lock(const tls_storage_t *s, const char *name, bool wait, tls_storage_lock_t *out, char *err,
                     size_t err_len)
{
    char safe[512], rel[600], path[TLS_STORAGE_PATH_MAX];
    out->fd = -1;
    tls_storage_safe_name(name, safe, sizeof safe);
    if (!safe[0] || snprintf(rel, sizeof rel, "locks/%s.lock", safe) >= (int)sizeof rel ||
        tls_storage_path(s, rel, path, sizeof path) != 0) {
        snprintf(err, err_len, "no lock file name for '%s'", name);
        return -1;
    }
    if (tls__storage_make_parents(path, err, err_len) != 0) return -1;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, err_len, "cannot open the lock file %s: %s", path, strerror(errno));
        return -1;
    }
    int rc;
    do rc = flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB));
    while (rc != 0 && errno == EINTR);
    if (rc != 0) {
        int e = errno;
        close(fd);
        if (!wait && e == EWOULDBLOCK) return 1;
        snprintf(err, err_len, "cannot lock %s: %s", path, strerror(e));
        return -1;
    }
    out->fd = fd;
    return 0;
}

void tls_storage_unlock(tls_storage_lock_t *l)
{
    if (l->fd >= 0) close(l->fd);   /* closing releases the flock */
    l->fd = -1;
}
