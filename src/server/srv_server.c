/* The server process; see srv_server.h. */
#include "server/srv_server.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "fn/fn.h"
#include "route/plan.h"
#include "server/srv_listener.h"
#include "server/srv_loop.h"
#include "server/srv_memory.h"
#include "server/srv_offload.h"
#include "server/srv_acme_challenge.h"
#include "server/srv_shutdown_delay.h"
#include "server/srv_fnhost.h"
#include "server/srv_log_default.h"
#include "server/srv_log_file.h"
#include "server/srv_tls.h"
#include "server/srv_tls_ktls.h"
#include "server/srv_worker.h"

#define SRV__SERVER_MAX_LISTENERS 64
/* How often the main thread looks at the workers while shutting down. */
#define SRV__SERVER_POLL_NS (50 * 1000000LL)
/* How often it looks at a reload in progress (between signals). */
#define SRV__SERVER_RELOAD_POLL_NS (10 * 1000000LL)
/* How long a reload waits for every worker to take its plan before it
 * says "reloaded" anyway, naming the one still busy (a worker takes it at
 * its loop's next turn: only a call that holds the loop delays it). */
#define SRV__SERVER_ANNOUNCE_WAIT_NS (10 * 1000000000LL)
/* How long workers told to close everything get before the process exits
 * without them: one that has not stopped by then is wedged. */
#define SRV__SERVER_FORCE_WAIT_NS (1000 * 1000000LL)

struct srv_server {
    const char *config_path;
    const char *pidfile;                 /* where reload outcomes go too; NULL: none */
    unsigned reloads;
    route_plan_t *plan;                  /* the main thread's reference */
    srv_tls_config_t *tls;               /* the plan's certificates and contexts */
    srv_listener_t *listeners[SRV__SERVER_MAX_LISTENERS];  /* one reference each */
    size_t listener_count;
    srv_worker_t *workers;
    int worker_count;
    pthread_mutex_t mu;
    int alive;                           /* worker threads still running */

    /* A reload loads its plan on its own thread, so that the main thread
     * keeps taking signals however long the load takes (SIGTERM still
     * stops the server; a SIGHUP meanwhile runs one more reload after). */
    pthread_t reload_thread;
    bool reloading;                      /* the thread runs or is not joined yet */
    bool reload_again;                   /* SIGHUP during it */
    atomic_bool reload_done;             /* set by the thread as it ends */
    route_plan_t *reload_plan;           /* its result, or NULL with reload_err */
    srv_tls_config_t *reload_tls;        /* and the plan's TLS configuration */
    cfg_error_t reload_err;
    bool announcing;                     /* applied; "reloaded" not said yet */
    int64_t announce_by;                 /* when it is said regardless */
};

void srv_server_worker_exited(srv_server_t *s)
{
    pthread_mutex_lock(&s->mu);
    s->alive--;
    pthread_mutex_unlock(&s->mu);
}

static int srv__workers_alive(srv_server_t *s)
{
    pthread_mutex_lock(&s->mu);
    int n = s->alive;
    pthread_mutex_unlock(&s->mu);
    return n;
}

/* A new listener for a TLS address: the TLS transport over a port object
 * whose store the configuration sets. */
static srv_listener_t *srv__open_tls_listener(const char *host, uint16_t port, char *err, size_t err_len)
{
    srv_tls_port_t *tp = srv_tls_port_new();
    srv_listener_t *l = tp ? srv_listener_open(host, port, err, err_len) : NULL;
    if (!l) {
        if (!tp) snprintf(err, err_len, "out of memory");
        srv_tls_port_free(tp);
        return NULL;
    }
    l->transport = &srv_transport_tls;
    l->transport_ctx = tp;
    l->transport_ctx_free = (void (*)(void *))srv_tls_port_free;
    return l;
}

/* The listener set a plan needs, reusing the sockets of `have` for the
 * addresses that stay (so a reload never closes a live listener), and
 * giving each TLS listener the certificates of tls. Returns the count, or
 * -1 with err filled (nothing leaked, no listener changed). */
static int srv__plan_listeners(const route_plan_t *p, const srv_tls_config_t *tls, srv_listener_t *const *have,
                          size_t have_count, srv_listener_t **out, char *err, size_t err_len)
{
    const route_listener_t *want;
    size_t n = route_plan_listeners(p, &want), count = 0;
    for (size_t i = 0; i < n; i++) {
        const char *host = want[i].host ? want[i].host : "";
        const srv_transport_ops_t *tr = want[i].tls ? &srv_transport_tls : &srv_transport_plain;
        bool dup = false;
        for (size_t k = 0; k < count; k++)
            if (out[k]->port == want[i].port && strcmp(out[k]->host, host) == 0) dup = true;
        if (dup) continue;
        if (count == SRV__SERVER_MAX_LISTENERS) {
            snprintf(err, err_len, "more than %d listening addresses", SRV__SERVER_MAX_LISTENERS);
            goto fail;
        }
        srv_listener_t *l = NULL;
        for (size_t k = 0; k < have_count && !l; k++)
            if (have[k]->port == want[i].port && strcmp(have[k]->host, host) == 0 && have[k]->transport == tr)
                l = have[k];
        if (l) srv_listener_retain(l);
        else if (!(l = want[i].tls ? srv__open_tls_listener(host, want[i].port, err, err_len)
                                   : srv_listener_open(host, want[i].port, err, err_len)))
            goto fail;
        out[count++] = l;
    }
    if (count == 0) {
        snprintf(err, err_len, "the configuration has no address to listen on");
        return -1;
    }
    for (size_t k = 0; k < count; k++)
        if (out[k]->transport == &srv_transport_tls)
            srv_tls_port_set(out[k]->transport_ctx, srv_tls_config_store(tls, out[k]->port));
    return (int)count;
fail:
    for (size_t k = 0; k < count; k++) srv_listener_release(out[k]);
    return -1;
}

static void srv__server_reload_refused(srv_server_t *s, const char *msg)
{
    ifr_log_error("server", "reload refused, still serving the previous configuration: %s", msg);
    if (s->pidfile) srv_reload_status_write(s->pidfile, s->reloads, msg);
}

/* The budget for functions' guest memory: the config's, or half of what
 * the machine (or the cgroup) has. */
static void srv__server_apply_memory_budget(const route_plan_t *p)
{
    uint64_t want = route_plan_options(p)->wasm_memory_budget;
    uint64_t budget = want ? want : srv_memory_default_budget();
    if (budget != fn_memory_budget())
        ifr_log_info("server", "guest memory budget %llu MiB%s", (unsigned long long)(budget >> 20),
                     want ? "" : " (half of the memory available; wasm_memory_budget sets it)");
    fn_memory_budget_set(budget);
}

/* Takes the plan the reload thread loaded, and its TLS configuration
 * (main thread). */
static void srv__server_reload_apply(srv_server_t *s, route_plan_t *p, srv_tls_config_t *tls)
{
    char msg[1024];
    srv_listener_t *set[SRV__SERVER_MAX_LISTENERS];
    int n = srv__plan_listeners(p, tls, s->listeners, s->listener_count, set, msg, sizeof msg);
    if (n < 0) {
        srv__server_reload_refused(s, msg);
        srv_tls_config_free(tls);
        route_plan_release(p);
        return;
    }
    const cfg_options_t *o = route_plan_options(p);
    if (o->workers && o->workers != s->worker_count)
        ifr_log_warn("server", "workers changed to %d: takes effect at the next restart", o->workers);
    srv__server_apply_memory_budget(p);
    for (int i = 0; i < s->worker_count; i++)
        if (srv_worker_post_update(&s->workers[i], p, set, (size_t)n) < 0)
            ifr_log_error("server", "worker %d: out of memory, it keeps the old configuration", i);
    for (size_t k = 0; k < s->listener_count; k++) srv_listener_release(s->listeners[k]);
    memcpy(s->listeners, set, (size_t)n * sizeof *set);
    s->listener_count = (size_t)n;
    srv_tls_config_free(s->tls);
    s->tls = tls;
    srv_tls_config_start(tls);   /* ACME, now that the listeners serve its challenges */
    route_plan_release(s->plan);
    s->plan = p;
    srv_log_default_apply(p);   /* the global `log` options of the new plan */
    s->announcing = true;   /* srv__server_reload_announce says it */
    s->announce_by = srv_clock_ns() + SRV__SERVER_ANNOUNCE_WAIT_NS;
}

static void *srv__server_reload_main(void *arg)
{
    srv_server_t *s = arg;
    s->reload_plan = route_plan_load(s->config_path, &s->reload_err);
    /* Certificates are read and issued here too, off the main thread: a
     * bad one refuses the reload like a bad Caddyfile. */
    if (s->reload_plan && !(s->reload_tls = srv_tls_config_load(s->reload_plan, &s->reload_err))) {
        route_plan_release(s->reload_plan);
        s->reload_plan = NULL;
    }
    atomic_store(&s->reload_done, true);
    return NULL;
}

static void srv__server_reload_start(srv_server_t *s)
{
    s->reloads++;
    ifr_log_info("server", "reloading %s", s->config_path);
    if (s->pidfile) srv_reload_status_started(s->pidfile, s->reloads);
    s->reload_plan = NULL;
    s->reload_tls = NULL;
    s->reload_err = (cfg_error_t){ 0 };
    atomic_store(&s->reload_done, false);
    int rc = pthread_create(&s->reload_thread, NULL, srv__server_reload_main, s);
    if (rc != 0) {
        char msg[200];
        snprintf(msg, sizeof msg, "cannot start loading the configuration: %s", strerror(rc));
        srv__server_reload_refused(s, msg);
        return;
    }
    s->reloading = true;
}

/* Says "configuration reloaded" (the log line, and the pid file's status
 * that `ifrit reload` waits for) once every worker serves the new plan, so
 * a client that hears it gets the new configuration from any worker. Then
 * starts the reload a SIGHUP asked for meanwhile. */
static void srv__server_reload_announce(srv_server_t *s)
{
    int busy = -1;
    for (int i = 0; i < s->worker_count && busy < 0; i++)
        if (!srv_worker_serves(&s->workers[i], s->plan)) busy = i;
    if (busy >= 0 && srv_clock_ns() < s->announce_by) return;
    s->announcing = false;
    if (busy >= 0)
        ifr_log_warn("server", "worker %d has not taken the new configuration yet: it is inside one long call", busy);
    ifr_log_info("server", "configuration reloaded from %s", s->config_path);
    if (s->pidfile) srv_reload_status_write(s->pidfile, s->reloads, NULL);
    if (s->reload_again) {
        s->reload_again = false;
        srv__server_reload_start(s);
    }
}

/* After the reload thread ended: applies or refuses its result, then
 * starts the reload a SIGHUP asked for meanwhile (once the applied one is
 * announced). */
static void srv__server_reload_finish(srv_server_t *s)
{
    /* A plan that closes a listener waits for shutdown_delay: the loop
     * asks again (a stop meanwhile releases it, as any loaded plan). */
    if (s->reload_plan && srv_shutdown_delay_needed(s->plan, s->reload_plan) && srv_shutdown_delay_pending(s->plan))
        return;
    pthread_join(s->reload_thread, NULL);
    s->reloading = false;
    if (s->reload_plan) {
        srv__server_reload_apply(s, s->reload_plan, s->reload_tls);
    } else {
        char msg[1024];
        srv_format_config_error(&s->reload_err, msg, sizeof msg);
        srv__server_reload_refused(s, msg);
    }
    s->reload_plan = NULL;
    s->reload_tls = NULL;
    if (s->announcing) {
        srv__server_reload_announce(s);
    } else if (s->reload_again) {
        s->reload_again = false;
        srv__server_reload_start(s);
    }
}

static int srv__write_pidfile(const char *path)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) return -1;
    fprintf(f, "%d\n", (int)getpid());
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* After shutdown_delay (serving on), stops accepting, lets in-flight
 * requests finish within grace_period (0:
 * no limit, as Caddy), then closes what is left. A second signal forces.
 * Forced workers get SRV__SERVER_FORCE_WAIT_NS more (a third signal ends that
 * too); false when some did not stop by then: the caller exits without
 * them. */
static bool srv__server_shutdown(srv_server_t *s, const sigset_t *signals)
{
    srv_shutdown_delay_wait(s->plan, signals);
    int64_t grace = route_plan_options(s->plan)->grace_period_ns;
    int64_t deadline = grace > 0 ? srv_clock_ns() + grace : 0, give_up = 0;
    for (int i = 0; i < s->worker_count; i++) srv_worker_post_stop(&s->workers[i], false);
    /* Drop our references: once every worker has dropped its own, the
     * sockets close and new clients are refused instead of queued. */
    for (size_t k = 0; k < s->listener_count; k++) srv_listener_release(s->listeners[k]);
    s->listener_count = 0;
    while (srv__workers_alive(s) > 0) {
        struct timespec wait = { 0, SRV__SERVER_POLL_NS };
        int sig = sigtimedwait(signals, NULL, &wait);
        bool again = sig == SIGTERM || sig == SIGINT;
        int64_t now = srv_clock_ns();
        if (give_up && (again || now >= give_up)) return false;
        if (!give_up && (again || (deadline && now >= deadline))) {
            ifr_log_warn("server", "%s: closing the remaining connections",
                         again ? "second stop signal" : "grace period over");
            for (int i = 0; i < s->worker_count; i++) srv_worker_post_stop(&s->workers[i], true);
            give_up = now + SRV__SERVER_FORCE_WAIT_NS;
        }
    }
    return true;
}

static int srv__server_start(srv_server_t *s, const srv_run_options_t *o)
{
    cfg_error_t cerr = { 0 };
    char msg[1024];
    s->plan = route_plan_load(o->config_path, &cerr);
    if (!s->plan) {
        srv_format_config_error(&cerr, msg, sizeof msg);
        fprintf(stderr, "ifrit: %s\n", msg);
        return -1;
    }
    const cfg_options_t *opt = route_plan_options(s->plan);
    if (opt->debug) ifr_log_set_level(IFR_LOG_DEBUG);
    srv_log_default_start();
    srv_log_default_apply(s->plan);   /* the server's lines through the global `log` options */
    if (!(s->tls = srv_tls_config_load(s->plan, &cerr))) {
        srv_format_config_error(&cerr, msg, sizeof msg);
        fprintf(stderr, "ifrit: %s\n", msg);
        return -1;
    }
    srv__server_apply_memory_budget(s->plan);
    int n = srv__plan_listeners(s->plan, s->tls, NULL, 0, s->listeners, msg, sizeof msg);
    if (n < 0) {
        fprintf(stderr, "ifrit: %s\n", msg);
        return -1;
    }
    s->listener_count = (size_t)n;
    srv_acme_challenges_register();
    srv_tls_config_start(s->tls);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    s->worker_count = opt->workers > 0 ? opt->workers : (cores > 0 ? (int)cores : 1);
    /* Helpers for blocking work (bcrypt): one per worker, at least two. */
    if (srv_offload_start(s->worker_count > 2 ? s->worker_count : 2) < 0)
        ifr_log_warn("server", "no offload helpers: password checks run on the workers' loops");
    s->workers = calloc((size_t)s->worker_count, sizeof *s->workers);
    if (!s->workers) return -1;
    for (int i = 0; i < s->worker_count; i++) {
        if (srv_worker_init(&s->workers[i], i, s, s->plan, s->listeners, s->listener_count) < 0 ||
            srv_worker_start(&s->workers[i]) < 0) {
            fprintf(stderr, "ifrit: cannot start worker %d: %s\n", i, strerror(errno));
            s->worker_count = i + 1;
            return -1;
        }
        pthread_mutex_lock(&s->mu);
        s->alive++;
        pthread_mutex_unlock(&s->mu);
    }
    return 0;
}

static void srv__server_cleanup(srv_server_t *s)
{
    for (int i = 0; i < s->worker_count; i++) {
        if (s->workers[i].thread) pthread_join(s->workers[i].thread, NULL);
        srv_worker_destroy(&s->workers[i]);
    }
    free(s->workers);
    srv_offload_stop();   /* after the workers: each waited for its jobs */
    for (size_t k = 0; k < s->listener_count; k++) srv_listener_release(s->listeners[k]);
    srv_tls_config_free(s->tls);
    if (s->plan) route_plan_release(s->plan);
    pthread_mutex_destroy(&s->mu);
}

int srv_server_run(const srv_run_options_t *o)
{
    srv_server_t s = { .config_path = o->config_path, .pidfile = o->pidfile };
    pthread_mutex_init(&s.mu, NULL);
    /* Signals are taken synchronously by this thread only: block them
     * before any worker exists so every thread inherits the mask. */
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGHUP);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (srv__server_start(&s, o) < 0) {
        if (s.workers) {
            for (int i = 0; i < s.worker_count; i++) srv_worker_post_stop(&s.workers[i], true);
        }
        srv__server_cleanup(&s);
        return 1;
    }
    if (o->pidfile) srv_reload_status_clear(o->pidfile);
    if (o->pidfile && srv__write_pidfile(o->pidfile) < 0)
        ifr_log_warn("server", "cannot write pid file %s: %s", o->pidfile, strerror(errno));
    for (size_t k = 0; k < s.listener_count; k++)
        ifr_log_info("server", "listening on %s:%u%s", s.listeners[k]->host[0] ? s.listeners[k]->host : "*",
                     s.listeners[k]->port,
                     s.listeners[k]->transport == &srv_transport_tls ? srv_tls_ktls_listener_note() : "");
    ifr_log_info("server", "serving %s with %d worker%s", o->config_path, s.worker_count,
                 s.worker_count == 1 ? "" : "s");

    bool stopped = true;
    for (;;) {
        int sig;
        if (s.reloading || s.announcing) {
            struct timespec wait = { 0, SRV__SERVER_RELOAD_POLL_NS };
            sig = sigtimedwait(&signals, NULL, &wait);
            if (s.reloading && atomic_load(&s.reload_done)) srv__server_reload_finish(&s);
            else if (s.announcing) srv__server_reload_announce(&s);
        } else {
            sig = sigwaitinfo(&signals, NULL);
        }
        if (sig == SIGHUP) {
            if (s.reloading || s.announcing) s.reload_again = true;
            else srv__server_reload_start(&s);
        } else if (sig == SIGTERM || sig == SIGINT) {
            ifr_log_info("server", "stopping: finishing in-flight requests");
            stopped = srv__server_shutdown(&s, &signals);
            break;
        }
    }
    if (s.reloading && atomic_load(&s.reload_done)) {
        pthread_join(s.reload_thread, NULL);
        srv_tls_config_free(s.reload_tls);
        if (s.reload_plan) route_plan_release(s.reload_plan);
        s.reloading = false;
    }
    /* The functions' KV writes still in memory go to their file now that
     * the workers are done (srv_fnhost_kv.c). */
    srv_fnhost_kv_flush_all();
    if (stopped && !s.reloading) {
        /* The workers are done: the log lines still waiting go to their files. */
        srv_log_default_stop();
        srv_log_files_stop();
    }
    if (o->pidfile) {
        unlink(o->pidfile);
        srv_reload_status_clear(o->pidfile);
    }
    if (!stopped || s.reloading) {
        /* A wedged worker, or a load still running: their memory cannot be
         * freed under them, and waiting is what the stop must not do. */
        ifr_log_warn("server", "stopped without waiting for %s",
                     !stopped ? "the workers that did not finish" : "the configuration load in progress");
        fflush(NULL);
        _exit(stopped ? 0 : 1);
    }
    srv__server_cleanup(&s);
    ifr_log_info("server", "stopped");
    return 0;
}
