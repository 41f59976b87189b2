/* Symlink-safe path resolution and HTTP dates. */
#include "route/fs.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"

int route_fs_resolve(const char *base, const char *path, char *out, struct stat *st)
{
    /* todo holds what is left to walk; out what is resolved so far. A
     * symlink's target is put in front of the rest of todo. */
    char todo[ROUTE_PATH_MAX], link[ROUTE_PATH_MAX];
    size_t n = 0;
    int links = 0;
    bool have_st = false;
    if (base) {
        n = strlen(base);
        if (n >= ROUTE_PATH_MAX) return ENAMETOOLONG;
        memcpy(out, base, n + 1);
        if (n == 1) n = 0;   /* "/" */
    } else if (path[0] != '/') {
        if (!getcwd(out, ROUTE_PATH_MAX)) return errno ? errno : ENOENT;
        n = strlen(out);
        if (n == 1) n = 0;
    }
    if (strlen(path) >= sizeof(todo)) return ENAMETOOLONG;
    strcpy(todo, path);
    size_t t = 0;
    while (todo[t]) {
        while (todo[t] == '/') t++;
        size_t st0 = t;
        while (todo[t] && todo[t] != '/') t++;
        size_t len = t - st0;
        if (len == 0 || (len == 1 && todo[st0] == '.')) continue;
        have_st = false;
        if (len == 2 && todo[st0] == '.' && todo[st0 + 1] == '.') {
            while (n > 0 && out[n - 1] != '/') n--;
            if (n > 0) n--;   /* drop the slash too; "" stands for "/" */
            continue;
        }
        if (n + 1 + len >= ROUTE_PATH_MAX) return ENAMETOOLONG;
        size_t before = n;
        out[n++] = '/';
        memcpy(out + n, todo + st0, len);
        n += len;
        out[n] = '\0';
        struct stat sb;
        if (lstat(out, &sb) != 0) return errno;
        if (!S_ISLNK(sb.st_mode)) {
            if (st) *st = sb;
            have_st = true;
            continue;
        }
        if (++links > 40) return ELOOP;
        ssize_t l = readlink(out, link, sizeof(link) - 1);
        if (l < 0) return errno;
        link[l] = '\0';
        /* New todo: the target, then the rest of the old todo. */
        size_t rest = strlen(todo + t);
        if ((size_t)l + 1 + rest >= sizeof(todo)) return ENAMETOOLONG;
        memmove(todo + l + 1, todo + t, rest + 1);
        memcpy(todo, link, (size_t)l);
        todo[l] = '/';
        t = 0;
        n = link[0] == '/' ? 0 : before;   /* absolute targets start over */
    }
    if (n == 0) out[n++] = '/';
    out[n] = '\0';
    if (st && !have_st && stat(out, st) != 0) return errno;
    return 0;
}

int route_fs_realpath(const char *path, char *out)
{
    return route_fs_resolve(NULL, path, out, NULL);
}

/* One thread's last resolved root. */
static _Thread_local struct {
    char root[512];
    char real[ROUTE_PATH_MAX];
    int64_t until_ns;
} route__root_cache;

int route_fs_root(ifr_str_t root, char *out)
{
    int64_t now = ifr_monotonic_ns();
    bool cacheable = root.len < sizeof(route__root_cache.root);
    if (cacheable && now < route__root_cache.until_ns && strlen(route__root_cache.root) == root.len &&
        memcmp(route__root_cache.root, root.ptr, root.len) == 0) {
        strcpy(out, route__root_cache.real);
        return 0;
    }
    char path[ROUTE_PATH_MAX];
    if (root.len >= sizeof(path)) return ENAMETOOLONG;
    memcpy(path, root.ptr, root.len);
    path[root.len] = '\0';
    int err = route_fs_realpath(path, out);
    if (err || !cacheable) return err;
    memcpy(route__root_cache.root, path, root.len + 1);
    strcpy(route__root_cache.real, out);
    route__root_cache.until_ns = now + 1000000000;
    return 0;
}

bool route_fs_within(const char *root, const char *path)
{
    size_t rl = strlen(root);
    if (rl == 1 && root[0] == '/') return true;
    return strncmp(root, path, rl) == 0 && (path[rl] == '\0' || path[rl] == '/');
}

static const char route__days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
static const char route__months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* The last time formatted on this thread: a static file's Last-Modified
 * is the same request after request, and gmtime_r + snprintf showed in
 * its profile. */
static _Thread_local struct {
    time_t t;
    bool valid;
    char text[ROUTE_HTTP_DATE_SIZE];
} route__date_cache;

void route_http_date(time_t t, char *buf)
{
    if (!route__date_cache.valid || route__date_cache.t != t) {
        struct tm tm;
        gmtime_r(&t, &tm);
        snprintf(route__date_cache.text, ROUTE_HTTP_DATE_SIZE, "%s, %02d %s %04d %02d:%02d:%02d GMT",
                 route__days[tm.tm_wday % 7], tm.tm_mday, route__months[tm.tm_mon % 12], tm.tm_year + 1900,
                 tm.tm_hour, tm.tm_min, tm.tm_sec);
        route__date_cache.t = t;
        route__date_cache.valid = true;
    }
    memcpy(buf, route__date_cache.text, ROUTE_HTTP_DATE_SIZE);
}

bool route_http_date_parse(ifr_str_t s, time_t *out)
{
    char b[40], mon[4], day[4];
    struct tm tm = { 0 };
    if (s.len >= sizeof(b)) return false;
    memcpy(b, s.ptr, s.len);
    b[s.len] = '\0';
    int year, consumed = 0;
    if (sscanf(b, "%3s, %2d %3s %4d %2d:%2d:%2d GMT%n", day, &tm.tm_mday, mon, &year, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &consumed) != 7 || consumed == 0)
        return false;
    int m = 0;
    while (m < 12 && strcmp(mon, route__months[m])) m++;
    if (m == 12) return false;
    tm.tm_mon = m;
    tm.tm_year = year - 1900;
    *out = timegm(&tm);
    return true;
}
