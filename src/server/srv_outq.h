/* A connection's output queue: response bytes (copied in), file ranges
 * (sent with the transport's sendfile) and bytes spliced in from another
 * socket (held in the queue's pipe, spliced to the socket: only where the
 * transport can_splice), written through the connection's transport in
 * order as it becomes writable. The queue owns its memory, its pipe and
 * the file descriptors handed to it. */
#ifndef IFRIT_SERVER_SRV_OUTQ_H
#define IFRIT_SERVER_SRV_OUTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "server/srv_transport.h"

typedef struct srv_seg srv_seg_t;

typedef struct {
    srv_seg_t *head, *tail;
    srv_seg_t *spare;    /* one emptied memory segment kept for reuse */
    uint64_t bytes;      /* queued and not yet written (pipe_bytes included) */
    bool has_pipe;       /* pipe[] is open: made at the first splice */
    int pipe[2];         /* read end, write end */
    size_t pipe_cap;     /* what the pipe holds (SRV_OUTQ_PIPE_SIZE if granted) */
    size_t pipe_bytes;   /* spliced in and not yet written */
} srv_outq_t;

/* Below this, a file is read into memory instead of sendfile'd: one
 * syscall for head and body beats two for small static files. */
#define SRV_OUTQ_INLINE_FILE (16 * 1024)

/* The pipe's size asked for: a quarter of a MiB moves in a few splices,
 * and the kernel's default per-user pipe budget still covers hundreds of
 * connections relaying at once (past it a pipe gets less, which works). */
#define SRV_OUTQ_PIPE_SIZE (256 * 1024)

static inline void srv_outq_init(srv_outq_t *q) { *q = (srv_outq_t){ .pipe = { -1, -1 } }; }
static inline int srv_outq_empty(const srv_outq_t *q) { return q->head == NULL; }

/* Copies len bytes in. 0, or -1 when out of memory. */
int srv_outq_append(srv_outq_t *q, const void *data, size_t len);
/* Queues len bytes of fd from offset; takes fd (closed when sent, on error
 * or on free, also when this call fails). */
int srv_outq_append_file(srv_outq_t *q, int fd, off_t offset, uint64_t len);

/* Moves up to max bytes from the socket src into the queue without copying
 * them through user space (src's bytes go into the queue's pipe now and on
 * to the socket when their turn comes). Returns the bytes moved; 0 when src
 * reached its end; -1 with errno EAGAIN when src has nothing ready,
 * ENOBUFS when the pipe is full (wait until it drains: the next splice
 * then tells about src), or another errno when src failed or no pipe could
 * be had (ENFILE, EMFILE). */
ssize_t srv_outq_splice_in(srv_outq_t *q, int src, size_t max);

/* Writes as much as the transport takes. 0: queue empty; 1: it would
 * block (the transport's flags say on what); -1: write error or a file
 * shorter than announced (close the connection). *written adds the bytes
 * sent. */
int srv_outq_flush(srv_outq_t *q, srv_transport_t *t, uint64_t *written);

/* Frees everything, closing queued files and the pipe. */
void srv_outq_free(srv_outq_t *q);

#endif
