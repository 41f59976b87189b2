/* Log file outputs with rolling (route/log_output.h), as Caddy's file
 * writer (lumberjack) does it.
 *
 * A worker never waits on the disk: a line is copied into its file's
 * buffer under that file's mutex (held for the copy only), and one writer
 * thread writes the buffers out. Past SRV__LOG_BUFFER bytes waiting in a
 * file's buffer, lines are dropped and counted, and the next line written
 * is preceded by a warning saying how many (docs/directives.md). The writer
 * rolls a file before a line would take it past roll_size: the file is
 * renamed <name>-<UTC time>.<ext> (2006-01-02T15-04-05.000, lumberjack's
 * form) and a new one opened. A second thread, the mill, then gzips the
 * rolled files (<name>-<time>.<ext>.gz) and removes those past roll_keep
 * or older than roll_keep_for, so a large compression never holds up the
 * writes. Outputs naming the same path share one sink: a reload keeps
 * writing (and rolling) one file. srv_log_files_stop writes out what waits
 * and ends both threads; a file no plan holds any more is closed. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "base/log.h"
#include "route/log_output.h"
#include "server/srv_log_file.h"

#define SRV__LOG_BUFFER (4u << 20)   /* bytes of lines one file may have waiting */

struct route_log_sink {
    route_log_file_t conf;        /* conf.path is path */
    char *path;                   /* ours (malloc) */
    int refs;                     /* opens holding it (srv__log.mu) */
    pthread_mutex_t mu;           /* the buffer below */
    char *buf;
    size_t len, cap;
    uint64_t dropped;             /* lines dropped since the last write */
    int fd;                       /* the writer thread's after open */
    uint64_t size;                /* the file's size (writer thread) */
    bool regular;                 /* a regular file: only those roll */
    struct route_log_sink *next;
};

typedef struct srv__mill_job {
    char *path;                   /* the live file's path; its rolled files are found from it */
    int keep;
    int64_t keep_for_ns;
    bool gzip, local_time;
    struct srv__mill_job *next;
} srv__mill_job_t;

static struct {
    pthread_mutex_t mu;           /* the sink list, refs, the threads' state */
    route_log_sink_t *sinks;
    int wake;                     /* eventfd: a buffer went from empty to not */
    pthread_t writer, mill;
    bool started, stopping;
    pthread_mutex_t mill_mu;
    pthread_cond_t mill_cond;
    srv__mill_job_t *jobs;
    bool mill_stop;
} srv__log = { .mu = PTHREAD_MUTEX_INITIALIZER, .wake = -1, .mill_mu = PTHREAD_MUTEX_INITIALIZER,
               .mill_cond = PTHREAD_COND_INITIALIZER };

/* -- names of rolled files ------------------------------------------------------ */

/* dir/, the base name without its extension, and the extension (Go's
 * filepath.Ext: from the last dot of the base name). */
static void srv__split(const char *path, char *dir, size_t dircap, char *prefix, size_t pcap, char *ext, size_t ecap)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    snprintf(dir, dircap, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
    if (slash == path) snprintf(dir, dircap, "/");
    const char *dot = strrchr(base, '.');
    if (!dot) dot = base + strlen(base);
    snprintf(prefix, pcap, "%.*s", (int)(dot - base), base);
    snprintf(ext, ecap, "%s", dot);
}

static void srv__stamp(int64_t ns, bool local, char *out, size_t cap)
{
    time_t t = (time_t)(ns / 1000000000);
    struct tm tm;
    if (local) localtime_r(&t, &tm);
    else gmtime_r(&t, &tm);
    snprintf(out, cap, "%04d-%02d-%02dT%02d-%02d-%02d.%03d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ns / 1000000 % 1000));
}

/* The time in a rolled file's name, or -1 when name is not one of
 * prefix-<stamp>ext[.gz]; *gz says which. */
static int64_t srv__rolled_time(const char *name, const char *prefix, const char *ext, bool local, bool *gz)
{
    size_t pl = strlen(prefix), el = strlen(ext), nl = strlen(name);
    if (nl < pl + 1 + 23 + el || strncmp(name, prefix, pl) != 0 || name[pl] != '-') return -1;
    const char *rest = name + pl + 1 + 23;
    *gz = false;
    if (strcmp(rest, ext) != 0) {
        if (strncmp(rest, ext, el) != 0 || strcmp(rest + el, ".gz") != 0) return -1;
        *gz = true;
    }
    struct tm tm = { 0 };
    int ms;
    char tail;
    if (sscanf(name + pl + 1, "%4d-%2d-%2dT%2d-%2d-%2d.%3d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &ms, &tail) < 7)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    tm.tm_isdst = -1;
    time_t t = local ? mktime(&tm) : timegm(&tm);
    if (t == (time_t)-1) return -1;
    return (int64_t)t * 1000000000 + (int64_t)ms * 1000000;
}

/* -- the mill: compression and removal ---------------------------------------------- */

static int srv__gzip_file(const char *src, const char *dst)
{
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0) return -1;
    gzFile out = gzopen(dst, "wbe");
    if (!out) { close(in); return -1; }
    char buf[64 * 1024];
    ssize_t n;
    int rc = 0;
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (gzwrite(out, buf, (unsigned)n) != (int)n) { rc = -1; break; }
    if (n < 0) rc = -1;
    if (gzclose(out) != Z_OK) rc = -1;
    close(in);
    if (rc != 0) unlink(dst);
    return rc;
}

typedef struct {
    char name[256];
    int64_t t;
    bool gz;
} srv__rolled_t;

static int srv__rolled_cmp(const void *a, const void *b)
{
    const srv__rolled_t *x = a, *y = b;
    return x->t > y->t ? -1 : x->t < y->t;   /* newest first */
}

static void srv__mill_run(const srv__mill_job_t *j)
{
    char dir[4096], prefix[256], ext[64];
    srv__split(j->path, dir, sizeof dir, prefix, sizeof prefix, ext, sizeof ext);
    DIR *d = opendir(dir);
    if (!d) return;
    srv__rolled_t *files = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        bool gz;
        int64_t t = srv__rolled_time(de->d_name, prefix, ext, j->local_time, &gz);
        if (t < 0 || strlen(de->d_name) >= sizeof files[0].name) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            srv__rolled_t *nf = realloc(files, cap * sizeof(*nf));
            if (!nf) break;
            files = nf;
        }
        snprintf(files[n].name, sizeof files[n].name, "%s", de->d_name);
        files[n].t = t;
        files[n].gz = gz;
        n++;
    }
    closedir(d);
    qsort(files, n, sizeof(*files), srv__rolled_cmp);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t cutoff = j->keep_for_ns ? (int64_t)now.tv_sec * 1000000000 + now.tv_nsec - j->keep_for_ns : INT64_MIN;
    int kept = 0;
    for (size_t i = 0; i < n; i++) {
        char path[4096 + 256 + 8];
        snprintf(path, sizeof path, "%s/%s", dir, files[i].name);
        /* A time's .log and .log.gz are one rolled file (a compression cut short). */
        bool same_as_newer = i > 0 && files[i - 1].t == files[i].t;
        if (!same_as_newer) kept++;
        if ((j->keep > 0 && kept > j->keep) || files[i].t < cutoff) {
            if (unlink(path) != 0 && errno != ENOENT)
                ifr_log_warn("log", "cannot remove the rolled log %s: %s", path, strerror(errno));
            continue;
        }
        if (j->gzip && !files[i].gz) {
            char gzpath[sizeof path + 3];
            snprintf(gzpath, sizeof gzpath, "%s.gz", path);
            if (srv__gzip_file(path, gzpath) == 0) unlink(path);
            else ifr_log_warn("log", "cannot compress the rolled log %s: %s", path, strerror(errno));
        }
    }
    free(files);
}

static void *srv__mill_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&srv__log.mill_mu);
    while (true) {
        while (!srv__log.jobs && !srv__log.mill_stop) pthread_cond_wait(&srv__log.mill_cond, &srv__log.mill_mu);
        srv__mill_job_t *j = srv__log.jobs;
        if (!j) break;
        srv__log.jobs = j->next;
        pthread_mutex_unlock(&srv__log.mill_mu);
        srv__mill_run(j);
        free(j->path);
        free(j);
        pthread_mutex_lock(&srv__log.mill_mu);
    }
    pthread_mutex_unlock(&srv__log.mill_mu);
    return NULL;
}

static void srv__mill_queue(const route_log_sink_t *s)
{
    srv__mill_job_t *j = calloc(1, sizeof(*j));
    if (!j || !(j->path = strdup(s->conf.path))) {
        free(j);
        return;
    }
    j->keep = s->conf.roll_keep;
    j->keep_for_ns = s->conf.roll_keep_for_ns;
    j->gzip = s->conf.roll_gzip;
    j->local_time = s->conf.roll_local_time;
    pthread_mutex_lock(&srv__log.mill_mu);
    srv__mill_job_t **tail = &srv__log.jobs;
    while (*tail) tail = &(*tail)->next;
    *tail = j;
    pthread_cond_signal(&srv__log.mill_cond);
    pthread_mutex_unlock(&srv__log.mill_mu);
}

/* -- the writer --------------------------------------------------------------------- */

static int srv__open_fd(const char *path)
{
    /* O_NONBLOCK: a FIFO no process reads is an error (ENXIO), not a load
     * that waits for a reader; the writer thread's writes block as usual. */
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NONBLOCK, 0644);
    if (fd >= 0) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return fd;
}

static void srv__roll(route_log_sink_t *s)
{
    char dir[4096], prefix[256], ext[64], stamp[96], to[4096 + 512];
    srv__split(s->conf.path, dir, sizeof dir, prefix, sizeof prefix, ext, sizeof ext);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
    /* Two rolls in one millisecond: the next millisecond's name, so a
     * rolled file is never replaced. */
    for (int tries = 0; tries < 1000; tries++, ns += 1000000) {
        srv__stamp(ns, s->conf.roll_local_time, stamp, sizeof stamp);
        snprintf(to, sizeof to, "%s/%s-%s%s", dir, prefix, stamp, ext);
        char gz[sizeof to + 3];
        snprintf(gz, sizeof gz, "%s.gz", to);
        if (access(to, F_OK) != 0 && access(gz, F_OK) != 0) break;
    }
    if (rename(s->conf.path, to) != 0) {
        ifr_log_warn("log", "cannot roll %s: %s", s->conf.path, strerror(errno));
        return;
    }
    int fd = srv__open_fd(s->conf.path);
    if (fd < 0) {
        ifr_log_warn("log", "cannot open %s again after rolling it: %s", s->conf.path, strerror(errno));
        return;   /* keep writing to the rolled file rather than lose lines */
    }
    close(s->fd);
    s->fd = fd;
    s->size = 0;
    srv__mill_queue(s);
}

static void srv__write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        p += w;
        n -= (size_t)w;
    }
}

/* Writes what s has waiting, line by line where it rolls. */
static void srv__drain(route_log_sink_t *s, char **spare, size_t *sparecap)
{
    pthread_mutex_lock(&s->mu);
    char *buf = s->buf;
    size_t len = s->len, cap = s->cap;
    uint64_t dropped = s->dropped;
    s->buf = *spare;
    s->cap = *sparecap;
    s->len = 0;
    s->dropped = 0;
    pthread_mutex_unlock(&s->mu);
    *spare = buf;
    *sparecap = cap;
    if (dropped) {
        char note[160];
        int n = snprintf(note, sizeof note,
                         "{\"level\":\"warn\",\"logger\":\"log\",\"msg\":\"%llu lines dropped: the disk did not keep up\"}\n",
                         (unsigned long long)dropped);
        srv__write_all(s->fd, note, (size_t)n);
        s->size += (uint64_t)n;
    }
    size_t at = 0;
    while (at < len) {
        size_t end = at;
        /* As many whole lines as fit before the roll. */
        while (end < len) {
            const char *nl = memchr(buf + end, '\n', len - end);
            size_t next = nl ? (size_t)(nl - buf) + 1 : len;
            bool over = s->regular && s->conf.roll && s->size + (next - at) > s->conf.roll_size;
            if (over && (end > at || s->size > 0)) break;
            end = next;
        }
        if (end == at) {   /* the next line starts a new file */
            srv__roll(s);
            continue;
        }
        srv__write_all(s->fd, buf + at, end - at);
        s->size += end - at;
        at = end;
    }
}

static void srv__free(route_log_sink_t *s)
{
    close(s->fd);
    pthread_mutex_destroy(&s->mu);
    free(s->buf);
    free(s->path);
    free(s);
}

static void *srv__writer_main(void *arg)
{
    (void)arg;
    char *spare = NULL;
    size_t sparecap = 0;
    while (true) {
        struct pollfd pfd = { .fd = srv__log.wake, .events = POLLIN };
        if (poll(&pfd, 1, -1) < 0 && errno != EINTR) break;
        uint64_t v;
        if (read(srv__log.wake, &v, sizeof v) < 0 && errno != EAGAIN) break;
        pthread_mutex_lock(&srv__log.mu);
        bool stop = srv__log.stopping;
        /* Sinks are freed by this thread only (at the stop), so the list can be
         * walked with the lock held: the drains are short writes. */
        for (route_log_sink_t **at = &srv__log.sinks; *at;) {
            route_log_sink_t *s = *at;
            srv__drain(s, &spare, &sparecap);
            /* No plan holds it any more, so no worker can write to it. */
            if (s->refs == 0 && !stop) {
                *at = s->next;
                srv__free(s);
            } else {
                at = &s->next;
            }
        }
        pthread_mutex_unlock(&srv__log.mu);
        if (stop) break;
    }
    free(spare);
    return NULL;
}

static void srv__mill_end(void)
{
    pthread_mutex_lock(&srv__log.mill_mu);
    srv__log.mill_stop = true;
    pthread_cond_signal(&srv__log.mill_cond);
    pthread_mutex_unlock(&srv__log.mill_mu);
    pthread_join(srv__log.mill, NULL);
    srv__log.mill_stop = false;
}

/* Called with srv__log.mu held. */
static int srv__start(void)
{
    if (srv__log.started) return 0;
    srv__log.wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (srv__log.wake < 0) return -1;
    if (pthread_create(&srv__log.mill, NULL, srv__mill_main, NULL) != 0) {
        close(srv__log.wake);
        srv__log.wake = -1;
        return -1;
    }
    if (pthread_create(&srv__log.writer, NULL, srv__writer_main, NULL) != 0) {
        srv__mill_end();
        close(srv__log.wake);
        srv__log.wake = -1;
        return -1;
    }
    srv__log.started = true;
    return 0;
}

static route_log_sink_t *srv__open(const route_log_file_t *f, char *why, size_t whycap)
{
    pthread_mutex_lock(&srv__log.mu);
    route_log_sink_t *s = srv__log.sinks;
    while (s && strcmp(s->conf.path, f->path) != 0) s = s->next;
    if (s) {
        /* One file, one set of rolling options: the last loaded (a reload
         * may change them; the writer reads them under this lock). */
        s->conf = *f;
        s->conf.path = s->path;
        s->refs++;
        pthread_mutex_unlock(&srv__log.mu);
        return s;
    }
    if (srv__start() != 0) {
        snprintf(why, whycap, "cannot start the log writer thread: %s", strerror(errno));
        pthread_mutex_unlock(&srv__log.mu);
        return NULL;
    }
    int fd = srv__open_fd(f->path);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(why, whycap, "cannot open %s: %s", f->path,
                 errno == ENXIO ? "a FIFO that no process reads" : strerror(errno));
        if (fd >= 0) close(fd);
        pthread_mutex_unlock(&srv__log.mu);
        return NULL;
    }
    s = calloc(1, sizeof(*s));
    char *path = strdup(f->path);
    if (!s || !path) {
        free(s);
        free(path);
        close(fd);
        snprintf(why, whycap, "out of memory");
        pthread_mutex_unlock(&srv__log.mu);
        return NULL;
    }
    s->conf = *f;
    s->path = path;
    s->conf.path = path;
    s->refs = 1;
    s->fd = fd;
    s->regular = S_ISREG(st.st_mode);
    s->size = s->regular ? (uint64_t)st.st_size : 0;
    pthread_mutex_init(&s->mu, NULL);
    s->next = srv__log.sinks;
    srv__log.sinks = s;
    pthread_mutex_unlock(&srv__log.mu);
    return s;
}

static void srv__write(route_log_sink_t *s, const char *line, size_t len)
{
    pthread_mutex_lock(&s->mu);
    if (!srv__log.started) {
        /* After the stop (the workers are done): at once. */
        srv__write_all(s->fd, line, len);
        pthread_mutex_unlock(&s->mu);
        return;
    }
    bool was_empty = s->len == 0;
    bool fits = s->len + len <= SRV__LOG_BUFFER;
    if (fits && s->len + len > s->cap) {
        size_t cap = s->cap ? s->cap : 64 * 1024;
        while (cap < s->len + len) cap *= 2;
        char *nb = realloc(s->buf, cap);
        if (!nb) fits = false;
        else s->buf = nb, s->cap = cap;
    }
    if (fits) {
        memcpy(s->buf + s->len, line, len);
        s->len += len;
    } else {
        s->dropped++;
    }
    pthread_mutex_unlock(&s->mu);
    if (was_empty && fits) {
        uint64_t one = 1;
        /* Never blocks: the counter only overflows after 2^64 wakes. */
        if (write(srv__log.wake, &one, sizeof one) < 0) { /* the writer is awake anyway */ }
    }
}

/* The last reference: the writer writes what waits and closes the file
 * (a plan replacing this one has opened the same path again by then, so
 * the sink goes on). */
static void srv__release(route_log_sink_t *s)
{
    pthread_mutex_lock(&srv__log.mu);
    bool last = --s->refs == 0;
    if (last && !srv__log.started) {   /* after the stop: nothing else will */
        route_log_sink_t **at = &srv__log.sinks;
        while (*at != s) at = &(*at)->next;
        *at = s->next;
        srv__free(s);
        pthread_mutex_unlock(&srv__log.mu);
        return;
    }
    pthread_mutex_unlock(&srv__log.mu);
    uint64_t one = 1;
    if (last && write(srv__log.wake, &one, sizeof one) < 0) { /* the writer is awake anyway */ }
}

static const route_log_files_t srv__log_files = { srv__open, srv__write, srv__release };

void srv_log_files_register(void) { route_log_files_register(&srv__log_files); }

void srv_log_files_stop(void)
{
    if (!srv__log.started) return;
    pthread_mutex_lock(&srv__log.mu);
    srv__log.stopping = true;
    pthread_mutex_unlock(&srv__log.mu);
    uint64_t one = 1;
    if (write(srv__log.wake, &one, sizeof one) < 0) { /* it polls again anyway */ }
    pthread_join(srv__log.writer, NULL);
    srv__mill_end();
    /* Files no plan holds are closed now; the others when their plan goes. */
    pthread_mutex_lock(&srv__log.mu);
    for (route_log_sink_t **at = &srv__log.sinks; *at;) {
        route_log_sink_t *s = *at;
        if (s->refs == 0) {
            *at = s->next;
            srv__free(s);
        } else {
            at = &s->next;
        }
    }
    srv__log.started = srv__log.stopping = false;
    pthread_mutex_unlock(&srv__log.mu);
    close(srv__log.wake);
    srv__log.wake = -1;
}
