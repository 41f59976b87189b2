/* The output queue; see srv_outq.h. */
#include "server/srv_outq.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#define SRV__OUTQ_SEG_SIZE (16 * 1024)
#define SRV__OUTQ_MAX_IOV 32
_Static_assert(SRV_OUTQ_INLINE_FILE <= SRV__OUTQ_SEG_SIZE, "an inlined file fits one segment");

typedef enum { SRV__SEG_MEMORY, SRV__SEG_FILE, SRV__SEG_PIPE } srv__seg_kind_t;

struct srv_seg {
    srv_seg_t *next;
    srv__seg_kind_t kind;
    int fd;              /* file: the open file; -1 otherwise */
    off_t offset;        /* file: next byte to send */
    uint64_t file_left;  /* file, pipe: bytes left (a pipe's are in q->pipe) */
    size_t start, end;   /* memory: unsent bytes are data[start..end) */
    size_t cap;
    char data[];
};

static srv_seg_t *srv__seg_new(srv_outq_t *q, size_t cap)
{
    srv_seg_t *s;
    if (q->spare && q->spare->cap >= cap) {
        s = q->spare;
        q->spare = NULL;
        cap = s->cap;
    } else {
        s = malloc(sizeof *s + cap);
        if (!s) return NULL;
    }
    s->next = NULL;
    s->kind = SRV__SEG_MEMORY;
    s->fd = -1;
    s->offset = 0;
    s->file_left = 0;
    s->start = s->end = 0;
    s->cap = cap;
    return s;
}

static void srv__seg_link(srv_outq_t *q, srv_seg_t *s)
{
    if (q->tail) q->tail->next = s;
    else q->head = s;
    q->tail = s;
}

static void srv__seg_release(srv_outq_t *q, srv_seg_t *s)
{
    if (s->kind != SRV__SEG_MEMORY) {
        if (s->fd >= 0) close(s->fd);
        free(s);
    } else if (!q->spare && s->cap == SRV__OUTQ_SEG_SIZE) {
        q->spare = s;
    } else {
        free(s);
    }
}

int srv_outq_append(srv_outq_t *q, const void *data, size_t len)
{
    const char *p = data;
    while (len) {
        srv_seg_t *t = q->tail;
        if (!t || t->kind != SRV__SEG_MEMORY || t->end == t->cap) {
            t = srv__seg_new(q, len > SRV__OUTQ_SEG_SIZE ? len : SRV__OUTQ_SEG_SIZE);
            if (!t) return -1;
            srv__seg_link(q, t);
        }
        size_t n = t->cap - t->end;
        if (n > len) n = len;
        memcpy(t->data + t->end, p, n);
        t->end += n;
        q->bytes += n;
        p += n;
        len -= n;
    }
    return 0;
}

int srv_outq_append_file(srv_outq_t *q, int fd, off_t offset, uint64_t len)
{
    if (len == 0) {
        close(fd);
        return 0;
    }
    if (len <= SRV_OUTQ_INLINE_FILE) {
        /* Read straight into the segment that holds the head, so both
         * leave in one writev with no copy in between. A new segment is
         * linked only once it holds the bytes: an empty one would stall
         * the flush. */
        srv_seg_t *t = q->tail;
        bool fresh = !t || t->kind != SRV__SEG_MEMORY || t->cap - t->end < len;
        if (fresh && !(t = srv__seg_new(q, SRV__OUTQ_SEG_SIZE))) {
            close(fd);
            return -1;
        }
        size_t got = 0;
        while (got < len) {
            ssize_t r = pread(fd, t->data + t->end + got, (size_t)len - got, offset + (off_t)got);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) break;
            got += (size_t)r;
        }
        close(fd);
        if (got < len) {
            if (fresh) srv__seg_release(q, t);
            return -1;
        }
        if (fresh) srv__seg_link(q, t);
        t->end += got;
        q->bytes += got;
        return 0;
    }
    srv_seg_t *s = malloc(sizeof *s);
    if (!s) {
        close(fd);
        return -1;
    }
    *s = (srv_seg_t){ .kind = SRV__SEG_FILE, .fd = fd, .offset = offset, .file_left = len };
    srv__seg_link(q, s);
    q->bytes += len;
    return 0;
}

static int srv__pipe_open(srv_outq_t *q)
{
    if (pipe2(q->pipe, O_NONBLOCK | O_CLOEXEC) != 0) return -1;
    q->has_pipe = true;
    int got = fcntl(q->pipe[1], F_SETPIPE_SZ, SRV_OUTQ_PIPE_SIZE);
    if (got < 0) got = fcntl(q->pipe[1], F_GETPIPE_SZ);
    q->pipe_cap = got > 0 ? (size_t)got : 4096;
    return 0;
}

ssize_t srv_outq_splice_in(srv_outq_t *q, int src, size_t max)
{
    if (!q->has_pipe && srv__pipe_open(q) != 0) return -1;
    size_t room = q->pipe_cap - q->pipe_bytes;
    if (room == 0) {
        errno = ENOBUFS;
        return -1;
    }
    if (max > room) max = room;
    /* Bytes in the queue's tail pipe segment are the pipe's last ones, so
     * a new stretch joins it; one behind other output gets its own. */
    srv_seg_t *t = q->tail;
    bool fresh = !t || t->kind != SRV__SEG_PIPE;
    if (fresh && !(t = malloc(sizeof *t))) {
        errno = ENOMEM;
        return -1;
    }
    ssize_t n;
    do n = splice(src, NULL, q->pipe[1], NULL, max, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    while (n < 0 && errno == EINTR);
    if (n <= 0) {
        /* A pipe with bytes in it may be out of slots before it is out of
         * room (each slot holds one piece of a socket buffer): EAGAIN then
         * says nothing about src. An empty pipe always takes something. */
        if (n < 0 && errno == EAGAIN && q->pipe_bytes) errno = ENOBUFS;
        if (fresh) free(t);
        return n;
    }
    if (fresh) {
        *t = (srv_seg_t){ .kind = SRV__SEG_PIPE, .fd = -1 };
        srv__seg_link(q, t);
    }
    t->file_left += (uint64_t)n;
    q->pipe_bytes += (size_t)n;
    q->bytes += (uint64_t)n;
    return n;
}

/* Drops n written bytes from the front of the queue's memory segments. */
static void srv__consume_memory(srv_outq_t *q, size_t n)
{
    while (n) {
        srv_seg_t *s = q->head;
        size_t avail = s->end - s->start;
        size_t take = n < avail ? n : avail;
        s->start += take;
        n -= take;
        if (s->start == s->end) {
            q->head = s->next;
            if (!q->head) q->tail = NULL;
            srv__seg_release(q, s);
        }
    }
}

/* Moves up to want bytes from the queue's pipe to the socket (the
 * transport said it can_splice when they went in). */
static ssize_t srv__pipe_out(srv_outq_t *q, srv_transport_t *t, size_t want)
{
    for (;;) {
        ssize_t r = splice(q->pipe[0], NULL, t->fd, NULL, want, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
        if (r >= 0) return r;
        if (errno == EINTR) continue;
        if (errno != EAGAIN) return SRV_IO_ERROR;
        t->can_write = false;
        return SRV_IO_AGAIN;
    }
}

int srv_outq_flush(srv_outq_t *q, srv_transport_t *t, uint64_t *written)
{
    while (q->head) {
        srv_seg_t *s = q->head;
        if (s->kind != SRV__SEG_MEMORY) {
            size_t want = s->file_left > (1u << 30) ? (1u << 30) : (size_t)s->file_left;
            ssize_t r = s->kind == SRV__SEG_FILE ? t->ops->sendfile(t, s->fd, &s->offset, want) : srv__pipe_out(q, t, want);
            if (r < 0) return r == SRV_IO_AGAIN ? 1 : -1;
            if (r == 0) return -1;   /* the file shrank under us */
            if (s->kind == SRV__SEG_PIPE) q->pipe_bytes -= (size_t)r;
            s->file_left -= (uint64_t)r;
            q->bytes -= (uint64_t)r;
            *written += (uint64_t)r;
            if (s->file_left == 0) {
                q->head = s->next;
                if (!q->head) q->tail = NULL;
                srv__seg_release(q, s);
            }
            continue;
        }
        struct iovec iov[SRV__OUTQ_MAX_IOV];
        int n = 0;
        for (srv_seg_t *m = s; m && m->kind == SRV__SEG_MEMORY && n < SRV__OUTQ_MAX_IOV; m = m->next)
            iov[n++] = (struct iovec){ m->data + m->start, m->end - m->start };
        ssize_t r = srv_transport_writev(t, iov, n);
        if (r < 0) return r == SRV_IO_AGAIN ? 1 : -1;
        q->bytes -= (uint64_t)r;
        *written += (uint64_t)r;
        srv__consume_memory(q, (size_t)r);
    }
    return 0;
}

void srv_outq_free(srv_outq_t *q)
{
    while (q->head) {
        srv_seg_t *s = q->head;
        q->head = s->next;
        if (s->fd >= 0) close(s->fd);
        free(s);
    }
    free(q->spare);
    if (q->has_pipe) {
        close(q->pipe[0]);
        close(q->pipe[1]);
    }
    srv_outq_init(q);
}
