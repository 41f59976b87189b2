/* See srv_resolve.h. */
#include "server/srv_resolve.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

struct srv_lookup {
    atomic_int refs;           /* the owner's side (until cb or cancel) and the thread's */
    int efd;                   /* written by the thread when res/gai_err are set */
    srv_watch_t watch;
    srv_task_t release;        /* drops the owner's reference from the loop, outside callbacks */
    srv_loop_t *loop;
    srv_lookup_cb cb;
    void *ud;
    bool done;                 /* cb ran or the lookup was cancelled */
    char host[256];
    char port[8];
    struct addrinfo *res;      /* set by the thread */
    int gai_err;
};

static atomic_int srv__lookups_running;

static void srv__lookup_unref(srv_lookup_t *l)
{
    if (atomic_fetch_sub_explicit(&l->refs, 1, memory_order_acq_rel) != 1) return;
    if (l->res) freeaddrinfo(l->res);
    close(l->efd);
    free(l);
}

static void *srv__lookup_main(void *arg)
{
    srv_lookup_t *l = arg;
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
    l->gai_err = getaddrinfo(l->host, l->port, &hints, &l->res);
    uint64_t one = 1;
    /* The eventfd's counter cannot overflow from one write: this never fails. */
    if (write(l->efd, &one, sizeof one) != (ssize_t)sizeof one) l->gai_err = EAI_SYSTEM;
    atomic_fetch_sub(&srv__lookups_running, 1);
    srv__lookup_unref(l);
    return NULL;
}

static void srv__lookup_release_task(srv_task_t *t)
{
    srv__lookup_unref(t->data);
}

/* The owner's side is done: out of the loop now, freed on a later turn. */
static void srv__lookup_finish(srv_lookup_t *l)
{
    l->done = true;
    srv_loop_del(l->loop, &l->watch);
    srv_loop_post(l->loop, &l->release);
}

static void srv__lookup_ready(srv_watch_t *w, uint32_t events)
{
    (void)events;
    srv_lookup_t *l = w->data;
    uint64_t n;
    if (l->done || read(l->efd, &n, sizeof n) != (ssize_t)sizeof n) return;
    srv__lookup_finish(l);
    const char *err = NULL;
    if (l->gai_err) err = l->gai_err == EAI_SYSTEM ? "system error" : gai_strerror(l->gai_err);
    else if (!l->res) err = "no address";
    l->cb(l->ud, err ? NULL : l->res, err);
}

srv_lookup_t *srv_lookup_start(srv_loop_t *loop, const char *host, uint16_t port, srv_lookup_cb cb, void *ud,
                               const char **err)
{
    if (strlen(host) >= sizeof(((srv_lookup_t *)0)->host)) {
        *err = "host name too long";
        return NULL;
    }
    if (atomic_fetch_add(&srv__lookups_running, 1) >= SRV_LOOKUP_MAX) {
        atomic_fetch_sub(&srv__lookups_running, 1);
        *err = "too many name lookups in progress";
        return NULL;
    }
    srv_lookup_t *l = calloc(1, sizeof(*l));
    int efd = l ? eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC) : -1;
    if (efd < 0) {
        free(l);
        atomic_fetch_sub(&srv__lookups_running, 1);
        *err = l ? strerror(errno) : "out of memory";
        return NULL;
    }
    atomic_init(&l->refs, 2);
    l->efd = efd;
    l->loop = loop;
    l->cb = cb;
    l->ud = ud;
    l->watch = (srv_watch_t){ .fd = efd, .cb = srv__lookup_ready, .data = l };
    srv_task_init(&l->release, srv__lookup_release_task, l);
    snprintf(l->host, sizeof l->host, "%s", host);
    snprintf(l->port, sizeof l->port, "%u", (unsigned)port);
    if (srv_loop_add(loop, &l->watch, EPOLLIN) != 0) {
        *err = strerror(errno);
        goto fail;
    }
    pthread_attr_t attr;
    pthread_t th;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 256 * 1024);   /* getaddrinfo needs little */
    int rc = pthread_create(&th, &attr, srv__lookup_main, l);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        srv_loop_del(loop, &l->watch);
        *err = "cannot start a thread for the name lookup";
        goto fail;
    }
    return l;
fail:
    close(efd);
    free(l);
    atomic_fetch_sub(&srv__lookups_running, 1);
    return NULL;
}

void srv_lookup_cancel(srv_lookup_t *l, bool loop_ends)
{
    if (!l || l->done) return;
    if (!loop_ends) {
        srv__lookup_finish(l);
        return;
    }
    l->done = true;
    srv_loop_del(l->loop, &l->watch);
    srv__lookup_unref(l);
}
