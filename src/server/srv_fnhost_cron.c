/* Functions' cron schedules (docs/functions.md, "Cron"; fn_cron_count and
 * fn_cron_at say what the plan has): one thread that sleeps until the
 * next schedule is due, then queues its job (srv_fnhost_jobs.c runs it).
 * One run at a time per schedule: while its last job is queued or
 * running, a tick is skipped (logged). Missed runs are not made up: the
 * next time is always counted from now, so after downtime (or a long
 * stall) a schedule fires once, when next due, never in a burst. A
 * reload recounts every schedule from the new plan, keeping each one's
 * last job by its spec and file. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "route/plan.h"
#include "server/srv_fnhost.h"

#define SRV__CRON_KEY_MAX 600

typedef struct {
    char key[SRV__CRON_KEY_MAX];      /* spec, file and ordinal: the same schedule across reloads */
    char last[FN_JOB_ID_LEN + 1];     /* its last job, or "" */
    int64_t next;                     /* ms since the epoch, -1 never */
} srv__cron_t;

static pthread_mutex_t srv__cron_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t srv__cron_wake = PTHREAD_COND_INITIALIZER;
static bool srv__cron_replan_asked, srv__cron_started;

static int64_t srv__cron_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void srv__cron_key(route_plan_t *plan, size_t i, char *key, int64_t *next, int64_t now)
{
    fn_job_request_t job;
    const char *storage, *spec;
    *next = fn_cron_at(plan, i, now, &job, &storage, &spec);
    snprintf(key, SRV__CRON_KEY_MAX, "%s|%.*s|%u", spec ? spec : "", (int)job.function.len, job.function.ptr,
             job.ordinal);
}

/* The schedules of plan, each with the last job of the one of *old with
 * its key. */
static srv__cron_t *srv__cron_plan(route_plan_t *plan, const srv__cron_t *old, size_t nold, size_t *n)
{
    *n = fn_cron_count(plan);
    srv__cron_t *s = *n ? calloc(*n, sizeof *s) : NULL;
    if (!s) {
        if (*n) ifr_log_error("fn", "cron: out of memory: no schedule runs");
        *n = 0;
        return NULL;
    }
    int64_t now = srv__cron_now_ms();
    for (size_t i = 0; i < *n; i++) {
        srv__cron_key(plan, i, s[i].key, &s[i].next, now);
        for (size_t k = 0; k < nold; k++)
            if (strcmp(old[k].key, s[i].key) == 0) memcpy(s[i].last, old[k].last, sizeof s[i].last);
    }
    return s;
}

/* Schedule i is due: queues its job unless its last one is still on. */
static void srv__cron_fire(route_plan_t *plan, size_t i, srv__cron_t *s, int64_t now)
{
    fn_job_request_t job;
    const char *storage, *spec;
    s->next = fn_cron_at(plan, i, now, &job, &storage, &spec);
    int fl = (int)(job.function.len > 150 ? 150 : job.function.len);
    if (s->last[0] && srv_fnhost_job_active(storage, s->last)) {
        ifr_log_warn("fn", "cron \"%s\" %.*s: its last run (job %s) has not finished: this one is skipped", spec, fl,
                     job.function.ptr, s->last);
        return;
    }
    char id[FN_JOB_ID_LEN + 1], why[300];
    if (srv_fnhost_job_enqueue(storage, &job, id, why, sizeof why) != 0) {
        ifr_log_error("fn", "cron \"%s\" %.*s: its job could not be queued: %s", spec, fl, job.function.ptr, why);
        return;
    }
    memcpy(s->last, id, sizeof s->last);
    ifr_log_info("fn", "cron \"%s\" %.*s: job %s queued", spec, fl, job.function.ptr, id);
}

static void *srv__cron_thread(void *arg)
{
    (void)arg;
    srv__cron_t *sched = NULL;
    size_t n = 0;
    for (;;) {
        route_plan_t *plan = srv_fnhost_jobs_plan();
        if (!plan) break;   /* the server stops */
        pthread_mutex_lock(&srv__cron_mu);
        bool replan = srv__cron_replan_asked;
        srv__cron_replan_asked = false;
        pthread_mutex_unlock(&srv__cron_mu);
        if (replan) {
            size_t m;
            srv__cron_t *fresh = srv__cron_plan(plan, sched, n, &m);
            free(sched);
            sched = fresh;
            n = m;
        }
        int64_t now = srv__cron_now_ms(), wait = 60000;
        for (size_t i = 0; i < n; i++) {
            if (sched[i].next < 0) continue;
            if (sched[i].next <= now) srv__cron_fire(plan, i, &sched[i], now);
            if (sched[i].next >= 0 && sched[i].next - now < wait) wait = sched[i].next - now;
        }
        route_plan_release(plan);
        if (wait < 1) wait = 1;
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += wait / 1000;
        until.tv_nsec += (wait % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&srv__cron_mu);
        if (!srv__cron_replan_asked) pthread_cond_timedwait(&srv__cron_wake, &srv__cron_mu, &until);
        pthread_mutex_unlock(&srv__cron_mu);
    }
    free(sched);
    return NULL;
}

void srv_fnhost_cron_replan(void)
{
    pthread_mutex_lock(&srv__cron_mu);
    srv__cron_replan_asked = true;
    pthread_cond_signal(&srv__cron_wake);
    bool start = !srv__cron_started;
    srv__cron_started = true;
    pthread_mutex_unlock(&srv__cron_mu);
    pthread_t t;
    if (start) {
        if (pthread_create(&t, NULL, srv__cron_thread, NULL) != 0) ifr_log_error("fn", "cron: cannot start its thread");
        else pthread_detach(t);
    }
}
