/* On-demand certificates and parked handshakes; see srv_tls_ondemand.h. */
#include "server/srv_tls_ondemand.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "acme/http.h"
#include "base/log.h"
#include "tls/tls_cert.h"

/* One parked handshake. References: the SSL's (its ex_data, dropped at
 * the end of the handshake or by SSL_free) and, until it is completed,
 * the name's waiting list's, which then moves to the worker's list. */
struct srv_tls_park {
    pthread_mutex_t mu;
    atomic_int refs;
    bool done;                  /* the answer is in */
    SSL_CTX *ctx;               /* with done: the certificate's context (a reference), NULL = refused */
    srv_worker_t *worker;       /* bound by the connection; NULL once it is gone */
    srv_task_t *task;
    struct srv_tls_park *next;  /* the name's waiters (manager's mu) */
    struct srv_tls_park *ready_next;   /* the worker's completed parks (worker's mu) */
};

typedef struct srv_tls_park srv__park_t;

/* A hooked store's ud (its own allocation: its address is the hook's). */
typedef struct {
    srv_tls_ondemand_t *od;
    tls_store_t *store;
} srv__od_hook_t;

typedef struct {
    tls_store_t *store;
    const char *pattern;
    const route_tls_conf_t *conf;
    srv_acme_site_t site;
} srv__od_site_t;

/* A name the thread has worked on or will. */
typedef struct {
    char name[256];
    size_t site;
    bool queued, working;
    SSL_CTX *ctx;                 /* its certificate's context once there */
    tls_cert_t *cert;
    srv__park_t *waiters;
} srv__od_name_t;

struct srv_tls_ondemand {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    bool started, stopping;
    atomic_bool stop;             /* the orders' give-up flag */
    const tls_storage_t *storage;
    const cfg_options_t *opts;
    srv_tls_ondemand_build_fn build;
    void *build_ud;
    srv__od_site_t *sites;
    size_t nsites, cap_sites;
    srv__od_hook_t **hooks;       /* one per store hooked */
    size_t nhooks;
    srv__od_name_t **names;
    size_t nnames, cap_names, nqueued;
    int64_t *orders;              /* when the last burst orders were made (a ring, monotonic ns) */
    size_t norders, order_next;
};

static int srv__park_index = -1;
static pthread_once_t srv__park_once = PTHREAD_ONCE_INIT;

static void srv__park_release(srv__park_t *p)
{
    if (atomic_fetch_sub_explicit(&p->refs, 1, memory_order_acq_rel) != 1) return;
    SSL_CTX_free(p->ctx);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

/* The connection's side lets go: nothing is woken for it any more. */
static void srv__park_unbind_release(srv__park_t *p)
{
    pthread_mutex_lock(&p->mu);
    p->worker = NULL;
    p->task = NULL;
    pthread_mutex_unlock(&p->mu);
    srv__park_release(p);
}

static void srv__park_free_ex(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
    if (ptr) srv__park_unbind_release(ptr);
}

static void srv__park_make_index(void)
{
    srv__park_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, srv__park_free_ex);
}

/* Gives p its answer and wakes its worker (the list's reference goes
 * there, or is dropped when no connection is bound). Under p's lock, so
 * a connection closing meanwhile cannot let its worker exit first. */
static void srv__park_complete(srv__park_t *p, SSL_CTX *ctx)
{
    pthread_mutex_lock(&p->mu);
    p->done = true;
    if (ctx) SSL_CTX_up_ref(ctx);
    p->ctx = ctx;
    srv_worker_t *w = p->worker;
    if (w) {
        pthread_mutex_lock(&w->mu);
        p->ready_next = w->tls_parks_ready;
        w->tls_parks_ready = p;
        pthread_mutex_unlock(&w->mu);
        srv_loop_wake(&w->loop);
    }
    pthread_mutex_unlock(&p->mu);
    if (!w) srv__park_release(p);
}

bool srv_tls_park_wait(SSL *ssl, srv_worker_t *w, srv_task_t *task)
{
    srv__park_t *p = srv__park_index < 0 ? NULL : SSL_get_ex_data(ssl, srv__park_index);
    if (!p) return false;
    pthread_mutex_lock(&p->mu);
    bool done = p->done;
    if (!done) {
        p->worker = w;
        p->task = task;
    }
    pthread_mutex_unlock(&p->mu);
    if (done) srv_loop_post(&w->loop, task);   /* answered before we got here */
    return true;
}

void srv_tls_park_drop(SSL *ssl)
{
    srv__park_t *p = srv__park_index < 0 ? NULL : SSL_get_ex_data(ssl, srv__park_index);
    if (!p) return;
    SSL_set_ex_data(ssl, srv__park_index, NULL);
    srv__park_unbind_release(p);
}

void srv_tls_park_drain(srv_worker_t *w)
{
    pthread_mutex_lock(&w->mu);
    srv__park_t *list = w->tls_parks_ready;
    w->tls_parks_ready = NULL;
    pthread_mutex_unlock(&w->mu);
    while (list) {
        srv__park_t *p = list;
        list = p->ready_next;
        /* Unbinding happens on this thread too: a task still set belongs
         * to a live connection. */
        pthread_mutex_lock(&p->mu);
        srv_task_t *task = p->task;
        pthread_mutex_unlock(&p->mu);
        if (task) srv_loop_post(&w->loop, task);
        srv__park_release(p);
    }
}

/* Whether a public CA could issue for name: a DNS name with a dot, not
 * an IP, not one of the names only a local CA serves (Caddy's
 * SubjectQualifiesForPublicCert, in short). */
static bool srv__od_qualifies(const char *name)
{
    size_t n = strlen(name), label = 0;
    bool digits_and_dots = true, dot = false;
    if (n == 0 || n > 253 || name[0] == '.' || name[n - 1] == '.') return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (c == '.') {
            if (label == 0) return false;
            dot = true;
            label = 0;
            continue;
        }
        if (c == '_' || ++label > 63) return false;
        if (!(c >= '0' && c <= '9')) digits_and_dots = false;
    }
    static const char *const local[] = { ".localhost", ".local", ".internal", ".home.arpa", ".invalid" };
    for (size_t i = 0; i < sizeof local / sizeof local[0]; i++) {
        size_t k = strlen(local[i]);
        if (n > k && strcmp(name + n - k, local[i]) == 0) return false;
    }
    return dot && !digits_and_dots;
}

static bool srv__od_pattern_matches(const char *pattern, const char *name)
{
    if (!pattern[0]) return true;
    if (pattern[0] == '*') return tls_name_matches(pattern, name);
    return strcasecmp(pattern, name) == 0;
}

/* Under mu. */
static srv__od_name_t *srv__od_find(srv_tls_ondemand_t *od, const char *name)
{
    for (size_t i = 0; i < od->nnames; i++)
        if (strcmp(od->names[i]->name, name) == 0) return od->names[i];
    return NULL;
}

/* Under mu: name queued for the thread (a new entry), or NULL when the
 * queue or the table is full. */
static srv__od_name_t *srv__od_queue(srv_tls_ondemand_t *od, const char *name, size_t site)
{
    if (od->nqueued >= SRV_TLS_ONDEMAND_QUEUE_MAX || od->nnames >= SRV_TLS_ONDEMAND_NAMES_MAX) return NULL;
    if (od->nnames == od->cap_names) {
        size_t cap = od->cap_names ? od->cap_names * 2 : 16;
        srv__od_name_t **n = realloc(od->names, cap * sizeof *n);
        if (!n) return NULL;
        od->names = n;
        od->cap_names = cap;
    }
    srv__od_name_t *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    snprintf(e->name, sizeof e->name, "%s", name);
    e->site = site;
    e->queued = true;
    od->nqueued++;
    od->names[od->nnames++] = e;
    pthread_cond_signal(&od->cv);
    return e;
}

/* The store's hook (tls_store.h), on a worker, under the store's lock. */
static tls_on_demand_t srv__od_hook(void *ud, SSL *ssl, const char *sni, SSL_CTX **out)
{
    const srv__od_hook_t *hook = ud;
    srv_tls_ondemand_t *od = hook->od;
    srv__park_t *p = srv__park_index < 0 ? NULL : SSL_get_ex_data(ssl, srv__park_index);
    if (p) {
        /* Woken (or a client that sent more meanwhile): the answer, or wait on. */
        pthread_mutex_lock(&p->mu);
        bool done = p->done;
        SSL_CTX *ctx = p->ctx;
        if (ctx) SSL_CTX_up_ref(ctx);
        pthread_mutex_unlock(&p->mu);
        if (!done) return TLS_ON_DEMAND_WAIT;
        *out = ctx;
        return ctx ? TLS_ON_DEMAND_READY : TLS_ON_DEMAND_REFUSED;
    }
    pthread_mutex_lock(&od->mu);
    size_t site = od->nsites;
    for (size_t i = 0; i < od->nsites && site == od->nsites; i++)
        if (od->sites[i].store == hook->store && srv__od_pattern_matches(od->sites[i].pattern, sni)) site = i;
    if (site == od->nsites) {
        pthread_mutex_unlock(&od->mu);
        return TLS_ON_DEMAND_NONE;
    }
    srv__od_name_t *e = srv__od_find(od, sni);
    if (e && e->ctx) {
        /* Due: renewed in the background, this one serves meanwhile. */
        if (!e->queued && !e->working && srv_acme_due(&od->sites[e->site].site, e->cert, time(NULL)) &&
            od->nqueued < SRV_TLS_ONDEMAND_QUEUE_MAX) {
            e->queued = true;
            od->nqueued++;
            pthread_cond_signal(&od->cv);
        }
        SSL_CTX_up_ref(e->ctx);
        *out = e->ctx;
        pthread_mutex_unlock(&od->mu);
        return TLS_ON_DEMAND_READY;
    }
    tls_on_demand_t r = TLS_ON_DEMAND_REFUSED;
    if (od->stopping) goto out;
    if (!srv__od_qualifies(sni)) {
        ifr_log_debug("tls", "on-demand: %s is not a name a public CA issues for: handshake refused", sni);
        goto out;
    }
    if (!e && !(e = srv__od_queue(od, sni, site))) {
        /* Debug level: a flood of new names must not flood the log. */
        ifr_log_debug("tls", "on-demand: %s: %d names are waiting already (or %d are kept): handshake refused", sni,
                     SRV_TLS_ONDEMAND_QUEUE_MAX, SRV_TLS_ONDEMAND_NAMES_MAX);
        goto out;
    }
    if (srv__park_index < 0 || !(p = calloc(1, sizeof *p))) goto out;
    pthread_mutex_init(&p->mu, NULL);
    atomic_init(&p->refs, 2);   /* the SSL's and the waiting list's */
    if (SSL_set_ex_data(ssl, srv__park_index, p) != 1) {
        pthread_mutex_destroy(&p->mu);
        free(p);
        goto out;
    }
    p->next = e->waiters;
    e->waiters = p;
    r = TLS_ON_DEMAND_WAIT;
out:
    pthread_mutex_unlock(&od->mu);
    return r;
}

/* GET ask?domain=name: whether the endpoint answers 2xx. */
static bool srv__od_ask(const srv_tls_ondemand_t *od, const char *name, char *why, size_t len)
{
    const char *ask = od->opts->on_demand_ask;
    size_t n = strlen(ask) + strlen(name) + 16;
    char *url = malloc(n);
    acme_http_t *h = url ? acme_http_new(NULL, SRV_TLS_ONDEMAND_ASK_TIMEOUT_MS) : NULL;
    bool ok = false;
    if (!h) {
        snprintf(why, len, "out of memory");
    } else {
        /* The name's bytes are a host name's (tls_store.c checked them). */
        snprintf(url, n, "%s%cdomain=%s", ask, strchr(ask, '?') ? '&' : '?', name);
        acme_http_resp_t resp;
        if (acme_http_request(h, url, NULL, 0, &resp) != 0) snprintf(why, len, "the ask endpoint: %s", resp.error);
        else if (resp.status < 200 || resp.status > 299)
            snprintf(why, len, "the ask endpoint answered %ld", resp.status);
        else ok = true;
        acme_http_resp_free(&resp);
    }
    acme_http_free(h);
    free(url);
    return ok;
}

/* Under mu: whether an order may go now (interval/burst); counts it. */
static bool srv__od_rate_ok(srv_tls_ondemand_t *od)
{
    int burst = od->opts->on_demand_burst;
    if (burst <= 0 || !od->orders) return true;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
    /* The ring holds the last burst orders; the oldest must have left the window. */
    if (od->norders == (size_t)burst && now - od->orders[od->order_next] < od->opts->on_demand_interval_ns)
        return false;
    od->orders[od->order_next] = now;
    od->order_next = (od->order_next + 1) % (size_t)burst;
    if (od->norders < (size_t)burst) od->norders++;
    return true;
}

/* The thread's work on one name: its certificate's context, or NULL
 * with the reason logged. */
static SSL_CTX *srv__od_work(srv_tls_ondemand_t *od, const char *name, const srv__od_site_t *s, bool renewal,
                             tls_cert_t **cert_out)
{
    char msg[1024];
    srv_acme_site_t site = s->site;
    site.name = name;
    tls_cert_t *cert = NULL;
    if (!renewal) {
        if (!srv__od_ask(od, name, msg, sizeof msg)) {
            ifr_log_info("tls", "on-demand: %s refused (%s): its handshakes fail", name, msg);
            return NULL;
        }
        bool missing;
        cert = srv_acme_load(od->storage, &site, &missing, msg, sizeof msg);
        if (cert && srv_acme_due(&site, cert, time(NULL))) {
            tls_cert_release(cert);
            cert = NULL;
        }
        if (cert) ifr_log_info("tls", "on-demand: %s approved; its certificate is in storage", name);
    }
    if (!cert) {
        pthread_mutex_lock(&od->mu);
        bool ok = srv__od_rate_ok(od);
        pthread_mutex_unlock(&od->mu);
        if (!ok) {
            ifr_log_warn("tls", "on-demand: %s: rate limited (on_demand_tls allows %d certificates per %lld s): "
                         "its handshakes fail", name, od->opts->on_demand_burst,
                         (long long)(od->opts->on_demand_interval_ns / 1000000000LL));
            return NULL;
        }
        if (!renewal) ifr_log_info("tls", "on-demand: %s approved by the ask endpoint", name);
        if (!(cert = srv_acme_obtain(od->storage, &site, msg, sizeof msg))) {
            ifr_log_error("acme", "%s: %s (on-demand: its handshakes fail%s)", name, msg,
                          renewal ? "; the current certificate stays" : "");
            return NULL;
        }
    }
    SSL_CTX *ctx = od->build(od->build_ud, s->conf, cert, msg, sizeof msg);
    if (!ctx) {
        ifr_log_error("tls", "on-demand: %s: %s", name, msg);
        tls_cert_release(cert);
        return NULL;
    }
    char until[64];
    tls_time_text(cert->not_after, until, sizeof until);
    ifr_log_info("acme", "%s: certificate in use, valid until %s (on demand)", name, until);
    *cert_out = cert;
    return ctx;
}

/* Under mu: e's waiters get ctx (or a refusal); an entry left without a
 * certificate is dropped (a later handshake tries again). */
static void srv__od_finish(srv_tls_ondemand_t *od, srv__od_name_t *e)
{
    for (srv__park_t *p = e->waiters, *next; p; p = next) {
        next = p->next;
        srv__park_complete(p, e->ctx);
    }
    e->waiters = NULL;
    if (e->ctx || e->queued || e->working) return;
    for (size_t i = 0; i < od->nnames; i++)
        if (od->names[i] == e) od->names[i] = od->names[--od->nnames];
    free(e);
}

static void *srv__od_main(void *arg)
{
    srv_tls_ondemand_t *od = arg;
    pthread_mutex_lock(&od->mu);
    while (!od->stopping) {
        srv__od_name_t *e = NULL;
        for (size_t i = 0; i < od->nnames && !e; i++)
            if (od->names[i]->queued) e = od->names[i];
        if (!e) {
            pthread_cond_wait(&od->cv, &od->mu);
            continue;
        }
        e->queued = false;
        e->working = true;
        od->nqueued--;
        char name[256];
        snprintf(name, sizeof name, "%s", e->name);
        srv__od_site_t site = od->sites[e->site];
        bool renewal = e->ctx != NULL;
        pthread_mutex_unlock(&od->mu);
        tls_cert_t *cert = NULL;
        SSL_CTX *ctx = srv__od_work(od, name, &site, renewal, &cert);
        pthread_mutex_lock(&od->mu);
        e->working = false;   /* e stays: only this thread drops entries */
        if (ctx) {
            SSL_CTX_free(e->ctx);
            tls_cert_release(e->cert);
            e->ctx = ctx;
            e->cert = cert;
        }
        srv__od_finish(od, e);
    }
    pthread_mutex_unlock(&od->mu);
    return NULL;
}

srv_tls_ondemand_t *srv_tls_ondemand_new(const tls_storage_t *st, const cfg_options_t *o,
                                         srv_tls_ondemand_build_fn build, void *ud)
{
    pthread_once(&srv__park_once, srv__park_make_index);
    srv_tls_ondemand_t *od = calloc(1, sizeof *od);
    if (!od) return NULL;
    if (o->on_demand_burst > 0 && !(od->orders = calloc((size_t)o->on_demand_burst, sizeof *od->orders))) {
        free(od);
        return NULL;
    }
    pthread_mutex_init(&od->mu, NULL);
    pthread_cond_init(&od->cv, NULL);
    atomic_init(&od->stop, false);
    od->storage = st;
    od->opts = o;
    od->build = build;
    od->build_ud = ud;
    return od;
}

int srv_tls_ondemand_add(srv_tls_ondemand_t *od, tls_store_t *store, const char *pattern,
                         const route_tls_conf_t *conf, const srv_acme_site_t *site)
{
    bool hooked = false;
    for (size_t i = 0; i < od->nhooks; i++) hooked |= od->hooks[i]->store == store;
    pthread_mutex_lock(&od->mu);
    int rc = -1;
    if (od->nsites == od->cap_sites) {
        size_t cap = od->cap_sites ? od->cap_sites * 2 : 4;
        srv__od_site_t *n = realloc(od->sites, cap * sizeof *n);
        if (!n) goto out;
        od->sites = n;
        od->cap_sites = cap;
    }
    srv__od_site_t *s = &od->sites[od->nsites];
    *s = (srv__od_site_t){ .store = store, .pattern = pattern, .conf = conf, .site = *site };
    s->site.stop = &od->stop;
    if (!hooked) {
        srv__od_hook_t **hooks = realloc(od->hooks, (od->nhooks + 1) * sizeof *hooks);
        if (!hooks) goto out;
        od->hooks = hooks;
        if (!(hooks[od->nhooks] = malloc(sizeof **hooks))) goto out;
        *hooks[od->nhooks] = (srv__od_hook_t){ od, store };
        tls_store_retain(store);
        tls_store_set_on_demand(store, srv__od_hook, hooks[od->nhooks++]);
    }
    od->nsites++;
    rc = 0;
out:
    pthread_mutex_unlock(&od->mu);
    return rc;
}

int srv_tls_ondemand_start(srv_tls_ondemand_t *od)
{
    if (od->started) return 0;
    if (pthread_create(&od->thread, NULL, srv__od_main, od) != 0) return -1;
    od->started = true;
    return 0;
}

void srv_tls_ondemand_free(srv_tls_ondemand_t *od)
{
    if (!od) return;
    /* First no new calls (this waits for one in progress), then the thread. */
    for (size_t i = 0; i < od->nhooks; i++) {
        tls_store_set_on_demand(od->hooks[i]->store, NULL, NULL);
        tls_store_release(od->hooks[i]->store);
        free(od->hooks[i]);
    }
    atomic_store(&od->stop, true);
    pthread_mutex_lock(&od->mu);
    od->stopping = true;
    pthread_cond_signal(&od->cv);
    pthread_mutex_unlock(&od->mu);
    if (od->started) pthread_join(od->thread, NULL);
    for (size_t i = 0; i < od->nnames; i++) {
        srv__od_name_t *e = od->names[i];
        for (srv__park_t *p = e->waiters, *next; p; p = next) {
            next = p->next;
            srv__park_complete(p, NULL);   /* refused: the configuration is gone */
        }
        SSL_CTX_free(e->ctx);
        tls_cert_release(e->cert);
        free(e);
    }
    free(od->names);
    free(od->hooks);
    free(od->sites);
    free(od->orders);
    pthread_cond_destroy(&od->cv);
    pthread_mutex_destroy(&od->mu);
    free(od);
}
