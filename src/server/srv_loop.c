/* The per-worker event loop; see srv_loop.h. */
#include "server/srv_loop.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define SRV__LOOP_MAX_EVENTS 256

int64_t srv_clock_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int srv_loop_init(srv_loop_t *l, srv_io_cb wake_cb, void *wake_data)
{
    *l = (srv_loop_t){ .epfd = -1, .wake_fd = -1 };
    l->tasks_tail = &l->tasks;
    l->now = srv_clock_ns();
    l->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (l->epfd < 0) return -1;
    l->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (l->wake_fd < 0) goto fail;
    l->wake_watch = (srv_watch_t){ l->wake_fd, wake_cb, wake_data };
    if (srv_loop_add(l, &l->wake_watch, EPOLLIN) < 0) goto fail;
    return 0;
fail:
    srv_loop_destroy(l);
    return -1;
}

void srv_loop_destroy(srv_loop_t *l)
{
    if (l->wake_fd >= 0) close(l->wake_fd);
    if (l->epfd >= 0) close(l->epfd);
    free(l->heap);
    l->heap = NULL;
    l->wake_fd = l->epfd = -1;
}

int srv_loop_add(srv_loop_t *l, srv_watch_t *w, uint32_t events)
{
    struct epoll_event ev = { .events = events, .data.ptr = w };
    return epoll_ctl(l->epfd, EPOLL_CTL_ADD, w->fd, &ev);
}

int srv_loop_mod(srv_loop_t *l, srv_watch_t *w, uint32_t events)
{
    struct epoll_event ev = { .events = events, .data.ptr = w };
    return epoll_ctl(l->epfd, EPOLL_CTL_MOD, w->fd, &ev);
}

int srv_loop_del(srv_loop_t *l, srv_watch_t *w)
{
    return epoll_ctl(l->epfd, EPOLL_CTL_DEL, w->fd, NULL);
}

void srv_loop_wake(srv_loop_t *l)
{
    uint64_t one = 1;
    /* EAGAIN means the counter is already non-zero: a wake is pending. */
    ssize_t r = write(l->wake_fd, &one, sizeof one);
    (void)r;
}

/* ---- timers: a binary min-heap on deadline ---- */

static void srv__heap_place(srv_loop_t *l, size_t i, srv_timer_t *t)
{
    l->heap[i] = t;
    t->index = i;
}

static void srv__heap_up(srv_loop_t *l, size_t i)
{
    srv_timer_t *t = l->heap[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (l->heap[parent]->deadline <= t->deadline) break;
        srv__heap_place(l, i, l->heap[parent]);
        i = parent;
    }
    srv__heap_place(l, i, t);
}

static void srv__heap_down(srv_loop_t *l, size_t i)
{
    srv_timer_t *t = l->heap[i];
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= l->heap_len) break;
        if (child + 1 < l->heap_len && l->heap[child + 1]->deadline < l->heap[child]->deadline) child++;
        if (l->heap[child]->deadline >= t->deadline) break;
        srv__heap_place(l, i, l->heap[child]);
        i = child;
    }
    srv__heap_place(l, i, t);
}

int srv_timer_start_at(srv_loop_t *l, srv_timer_t *t, int64_t deadline)
{
    if (srv_timer_active(t)) {
        int64_t old = t->deadline;
        t->deadline = deadline;
        if (deadline < old) srv__heap_up(l, t->index);
        else srv__heap_down(l, t->index);
        return 0;
    }
    if (l->heap_len == l->heap_cap) {
        size_t cap = l->heap_cap ? l->heap_cap * 2 : 64;
        srv_timer_t **h = realloc(l->heap, cap * sizeof *h);
        if (!h) return -1;
        l->heap = h;
        l->heap_cap = cap;
    }
    t->deadline = deadline;
    srv__heap_place(l, l->heap_len++, t);
    srv__heap_up(l, t->index);
    return 0;
}

void srv_timer_stop(srv_loop_t *l, srv_timer_t *t)
{
    if (!srv_timer_active(t)) return;
    size_t i = t->index;
    t->index = SIZE_MAX;
    srv_timer_t *last = l->heap[--l->heap_len];
    if (last == t) return;
    srv__heap_place(l, i, last);
    srv__heap_up(l, i);
    srv__heap_down(l, last->index);
}

/* ---- posted tasks: an intrusive FIFO ---- */

void srv_loop_post(srv_loop_t *l, srv_task_t *t)
{
    if (t->pprev) return;
    t->next = NULL;
    t->pprev = l->tasks_tail;
    *l->tasks_tail = t;
    l->tasks_tail = &t->next;
}

void srv_loop_cancel(srv_loop_t *l, srv_task_t *t)
{
    if (!t->pprev) return;
    *t->pprev = t->next;
    if (t->next) t->next->pprev = t->pprev;
    else l->tasks_tail = t->pprev;
    t->next = NULL;
    t->pprev = NULL;
}

static void srv__run_tasks(srv_loop_t *l)
{
    /* Only the tasks queued before this turn: a task that re-posts itself
     * runs again next turn, after I/O had its chance. */
    srv_task_t *end = NULL;
    if (!l->tasks) return;
    srv_task_t **tail = l->tasks_tail;
    end = (srv_task_t *)((char *)tail - offsetof(srv_task_t, next));
    for (;;) {
        srv_task_t *t = l->tasks;
        if (!t) break;
        bool last = t == end;
        srv_loop_cancel(l, t);
        t->cb(t);
        if (last) break;
    }
}

static void srv__run_timers(srv_loop_t *l)
{
    while (l->heap_len && l->heap[0]->deadline <= l->now) {
        srv_timer_t *t = l->heap[0];
        srv_timer_stop(l, t);
        t->cb(t);
    }
}

void srv_loop_run_once(srv_loop_t *l, int64_t max_wait_ns)
{
    int64_t wait = max_wait_ns;
    if (l->tasks) wait = 0;
    else if (l->heap_len) {
        int64_t until = l->heap[0]->deadline - srv_clock_ns();
        if (until < 0) until = 0;
        if (wait < 0 || until < wait) wait = until;
    }
    /* Round up so a timer is never polled for just before it is due. */
    int ms = wait < 0 ? -1 : (int)((wait + 999999) / 1000000);
    struct epoll_event events[SRV__LOOP_MAX_EVENTS];
    int n = epoll_wait(l->epfd, events, SRV__LOOP_MAX_EVENTS, ms);
    l->now = srv_clock_ns();
    for (int i = 0; i < n; i++) {
        srv_watch_t *w = events[i].data.ptr;
        w->cb(w, events[i].events);
    }
    if (n < 0 && errno != EINTR) return;
    srv__run_timers(l);
    srv__run_tasks(l);
}
