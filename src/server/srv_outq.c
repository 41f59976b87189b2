/* The output queue; see srv_outq.h. */
#include "server/srv_outq.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define OUTQ_SEG_SIZE (16 * 1024)
#define OUTQ_MAX_IOV 32
_Static_assert(SRV_OUTQ_INLINE_FILE <= OUTQ_SEG_SIZE, "an inlined file fits one segment");

struct srv_seg {
    srv_seg_t *next;
    int fd;              /* -1 for a memory segment */
    off_t offset;        /* file: next byte to send */
    uint64_t file_left;  /* file: bytes left */
    size_t start, end;   /* memory: unsent bytes are data[start..end) */
    size_t cap;
    char data[];
};

static srv_seg_t *seg_new(srv_outq_t *q, size_t cap)
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
    s->fd = -1;
    s->offset = 0;
    s->file_left = 0;
    s->start = s->end = 0;
    s->cap = cap;
    return s;
}

static void seg_link(srv_outq_t *q, srv_seg_t *s)
{
    if (q->tail) q->tail->next = s;
    else q->head = s;
    q->tail = s;
}

static void seg_release(srv_outq_t *q, srv_seg_t *s)
{
    if (s->fd >= 0) {
        close(s->fd);
        free(s);
    } else if (!q->spare && s->cap == OUTQ_SEG_SIZE) {
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
        if (!t || t->fd >= 0 || t->end == t->cap) {
            t = seg_new(q, len > OUTQ_SEG_SIZE ? len : OUTQ_SEG_SIZE);
            if (!t) return -1;
            seg_link(q, t);
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
        bool fresh = !t || t->fd >= 0 || t->cap - t->end < len;
        if (fresh && !(t = seg_new(q, OUTQ_SEG_SIZE))) {
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
            if (fresh) seg_release(q, t);
            return -1;
        }
        if (fresh) seg_link(q, t);
        t->end += got;
        q->bytes += got;
        return 0;
    }
    srv_seg_t *s = malloc(sizeof *s);
    if (!s) {
        close(fd);
        return -1;
    }
    *s = (srv_seg_t){ .fd = fd, .offset = offset, .file_left = len };
    seg_link(q, s);
    q->bytes += len;
    return 0;
}

/* Drops n written bytes from the front of the queue's memory segments. */
static void consume_memory(srv_outq_t *q, size_t n)
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
            seg_release(q, s);
        }
    }
}

int srv_outq_flush(srv_outq_t *q, int sock, uint64_t *written)
{
    while (q->head) {
        srv_seg_t *s = q->head;
        if (s->fd >= 0) {
            size_t want = s->file_left > (1u << 30) ? (1u << 30) : (size_t)s->file_left;
            ssize_t r = sendfile(sock, s->fd, &s->offset, want);
            if (r < 0) {
                if (errno == EINTR) continue;
                return errno == EAGAIN ? 1 : -1;
            }
            if (r == 0) return -1;   /* the file shrank under us */
            s->file_left -= (uint64_t)r;
            q->bytes -= (uint64_t)r;
            *written += (uint64_t)r;
            if (s->file_left == 0) {
                q->head = s->next;
                if (!q->head) q->tail = NULL;
                seg_release(q, s);
            }
            continue;
        }
        struct iovec iov[OUTQ_MAX_IOV];
        int n = 0;
        for (srv_seg_t *m = s; m && m->fd < 0 && n < OUTQ_MAX_IOV; m = m->next)
            iov[n++] = (struct iovec){ m->data + m->start, m->end - m->start };
        /* The usual case, one response in one segment, goes by send(),
         * which skips the file layer writev passes through. */
        ssize_t r = n == 1 ? send(sock, iov[0].iov_base, iov[0].iov_len, MSG_NOSIGNAL) : writev(sock, iov, n);
        if (r < 0) {
            if (errno == EINTR) continue;
            return errno == EAGAIN ? 1 : -1;
        }
        q->bytes -= (uint64_t)r;
        *written += (uint64_t)r;
        consume_memory(q, (size_t)r);
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
    *q = (srv_outq_t){ 0 };
}
