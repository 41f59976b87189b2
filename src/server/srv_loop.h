/* The event loop of one worker thread: epoll for file descriptors, a
 * min-heap of timers, and a queue of posted tasks that run on the next
 * turn (how code outside the loop, e.g. a handler finishing an async
 * response or a guest's fuel slice, asks for work without recursion).
 *
 * Not thread-safe: every call happens on the loop's own thread, except
 * srv_loop_wake(), which any thread may call.
 *
 * Ownership: the loop never owns watches, timers or tasks; they are
 * embedded in their owners' structs, which must stop/cancel them before
 * freeing. */
#ifndef IFRIT_SERVER_SRV_LOOP_H
#define IFRIT_SERVER_SRV_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct srv_loop srv_loop_t;
typedef struct srv_watch srv_watch_t;
typedef struct srv_timer srv_timer_t;
typedef struct srv_task srv_task_t;

typedef void (*srv_io_cb)(srv_watch_t *w, uint32_t events);
typedef void (*srv_timer_cb)(srv_timer_t *t);
typedef void (*srv_task_cb)(srv_task_t *t);

struct srv_watch {
    int fd;
    srv_io_cb cb;
    void *data;
};

struct srv_timer {
    int64_t deadline;    /* monotonic ns */
    size_t index;        /* position in the heap; SIZE_MAX when stopped */
    srv_timer_cb cb;
    void *data;
};

struct srv_task {
    srv_task_t *next;
    srv_task_t **pprev;  /* NULL when not queued */
    srv_task_cb cb;
    void *data;
};

struct srv_loop {
    int epfd;
    int wake_fd;         /* eventfd: srv_loop_wake() */
    srv_watch_t wake_watch;
    srv_timer_t **heap;
    size_t heap_len, heap_cap;
    srv_task_t *tasks;
    srv_task_t **tasks_tail;
    int64_t now;         /* cached monotonic time of this turn */
};

/* Current monotonic time in ns. */
int64_t srv_clock_ns(void);

/* 0, or -1 (errno set). wake_cb runs on the loop thread after srv_loop_wake. */
int srv_loop_init(srv_loop_t *l, srv_io_cb wake_cb, void *wake_data);
void srv_loop_destroy(srv_loop_t *l);

/* epoll registration; events are EPOLLIN/EPOLLOUT/EPOLLET/... */
int srv_loop_add(srv_loop_t *l, srv_watch_t *w, uint32_t events);
/* Changes the events of a watch already added. */
int srv_loop_mod(srv_loop_t *l, srv_watch_t *w, uint32_t events);
int srv_loop_del(srv_loop_t *l, srv_watch_t *w);

static inline void srv_timer_init(srv_timer_t *t, srv_timer_cb cb, void *data)
{
    t->deadline = 0;
    t->index = SIZE_MAX;
    t->cb = cb;
    t->data = data;
}
static inline bool srv_timer_active(const srv_timer_t *t) { return t->index != SIZE_MAX; }
/* (Re)arms t for an absolute monotonic deadline. -1 if the heap cannot grow. */
int srv_timer_start_at(srv_loop_t *l, srv_timer_t *t, int64_t deadline);
void srv_timer_stop(srv_loop_t *l, srv_timer_t *t);

static inline void srv_task_init(srv_task_t *t, srv_task_cb cb, void *data)
{
    t->next = NULL;
    t->pprev = NULL;
    t->cb = cb;
    t->data = data;
}
/* Queues t to run once on the next turn; no-op if already queued. */
void srv_loop_post(srv_loop_t *l, srv_task_t *t);
void srv_loop_cancel(srv_loop_t *l, srv_task_t *t);

/* Waits for events (at most max_wait_ns, -1 = until something happens),
 * then runs I/O callbacks, due timers and posted tasks. */
void srv_loop_run_once(srv_loop_t *l, int64_t max_wait_ns);

/* Makes the loop thread's wake_cb run soon. Any thread. */
void srv_loop_wake(srv_loop_t *l);

#endif
