/* A connection's output queue: response bytes (copied in) and file ranges
 * (sent with sendfile), written to the socket in order with send or writev and
 * sendfile as it becomes writable. The queue owns its memory and the file
 * descriptors handed to it. */
#ifndef IFRIT_SERVER_SRV_OUTQ_H
#define IFRIT_SERVER_SRV_OUTQ_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct srv_seg srv_seg_t;

typedef struct {
    srv_seg_t *head, *tail;
    srv_seg_t *spare;    /* one emptied memory segment kept for reuse */
    uint64_t bytes;      /* queued and not yet written */
} srv_outq_t;

/* Below this, a file is read into memory instead of sendfile'd: one
 * syscall for head and body beats two for small static files. */
#define SRV_OUTQ_INLINE_FILE (16 * 1024)

static inline void srv_outq_init(srv_outq_t *q) { *q = (srv_outq_t){ 0 }; }
static inline int srv_outq_empty(const srv_outq_t *q) { return q->head == NULL; }

/* Copies len bytes in. 0, or -1 when out of memory. */
int srv_outq_append(srv_outq_t *q, const void *data, size_t len);
/* Queues len bytes of fd from offset; takes fd (closed when sent, on error
 * or on free, also when this call fails). */
int srv_outq_append_file(srv_outq_t *q, int fd, off_t offset, uint64_t len);

/* Writes as much as the socket takes. 0: queue empty; 1: the socket is
 * full (wait for EPOLLOUT); -1: write error or a file shorter than
 * announced (close the connection). *written adds the bytes sent. */
int srv_outq_flush(srv_outq_t *q, int sock, uint64_t *written);

/* Frees everything, closing queued files. */
void srv_outq_free(srv_outq_t *q);

#endif
