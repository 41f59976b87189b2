/* poll_oneoff: clock subscriptions (sleeps) and descriptor readiness.
 * Descriptors that are ready without waiting (buffers, files, errors)
 * answer at once; host descriptors are waited on with poll(2), bounded by
 * the nearest clock; clocks alone are a sleep. In suspend-waits mode
 * (iwasi_ctx_suspend_waits) the call never blocks: a wait suspends it
 * until its wake time (ctx->wait), and it is redone from there. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>

#include "wasi/call.h"

typedef struct {
    const uint8_t *sub;     /* the guest's subscription (48 bytes) */
    int64_t deadline;       /* clocks: CLOCK_MONOTONIC ns at which it fires */
    int poll_index;         /* fds waited on: index in the pollfd array, else -1 */
} iwasi__sub_t;

static int64_t iwasi__now(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Writes one event; returns the new event count. */
static uint32_t iwasi__event(uint8_t *out, uint32_t n, const uint8_t *sub, iwasi_errno_t err,
                             uint64_t nbytes, uint16_t flags)
{
    uint8_t *ev = out + (size_t)n * IWASI_EVENT_SIZE;
    memset(ev, 0, IWASI_EVENT_SIZE);
    memcpy(ev, sub, 8);                 /* userdata */
    iwasi_put_u16(ev + 8, err);
    ev[10] = sub[8];                    /* type = the subscription's tag */
    iwasi_put_u64(ev + 16, nbytes);
    iwasi_put_u16(ev + 24, flags);
    return n + 1;
}

/* A clock subscription's deadline on CLOCK_MONOTONIC, counted from the
 * call's start (w->mono, w->real): a redone call gets the same deadline. */
static iwasi_errno_t iwasi__clock_deadline(const uint8_t *sub, const iwasi_wait_t *w, int64_t *deadline)
{
    uint32_t id = iwasi_get_u32(sub + IWASI_SUB_CLOCK_ID);
    uint64_t timeout = iwasi_get_u64(sub + IWASI_SUB_CLOCK_TIMEOUT);
    bool abs = iwasi_get_u16(sub + IWASI_SUB_CLOCK_FLAGS) & IWASI_SUBCLOCK_ABSTIME;
    int64_t t = timeout > INT64_MAX / 2 ? INT64_MAX / 2 : (int64_t)timeout;
    if (id == IWASI_CLOCK_REALTIME || id == IWASI_CLOCK_MONOTONIC) {
        if (abs) t -= id == IWASI_CLOCK_REALTIME ? w->real : w->mono;
        *deadline = w->mono + (t > 0 ? t : 0);
        return 0;
    }
    return IWASI_ENOTSUP;   /* the CPU-time clocks (an unknown id never comes here) */
}

/* Sleeps or polls until the deadline (INT64_MAX = none) or an fd event.
 * A deadline already past still polls the fds once, without waiting. */
static iwasi_errno_t iwasi__wait(struct pollfd *pfd, uint32_t npfd, int64_t deadline)
{
    for (;;) {
        int64_t left = deadline == INT64_MAX ? -1 : deadline - iwasi__now(CLOCK_MONOTONIC);
        if (left < 0 && deadline != INT64_MAX) left = 0;
        if (npfd == 0) {
            if (left <= 0) return 0;
            struct timespec ts = { (time_t)(left / 1000000000), (long)(left % 1000000000) };
            nanosleep(&ts, NULL);   /* woken early: the loop sleeps the rest */
            continue;
        }
        /* Rounded up, so a clock never fires early. */
        int ms = left < 0 ? -1 : left / 1000000 >= INT32_MAX ? INT32_MAX : (int)((left + 999999) / 1000000);
        int r = poll(pfd, npfd, ms);
        if (r < 0 && errno != EINTR) return iwasi_errno_from_host(errno);
        if (r > 0 || (r == 0 && ms == 0)) return 0;
    }
}

static bool iwasi__any_event(const struct pollfd *pfd, uint32_t npfd)
{
    for (uint32_t i = 0; i < npfd; i++)
        if (pfd[i].revents) return true;
    return false;
}

int iwasi_call_poll_oneoff(const iwasi_call_t *c)
{
    uint32_t nsubs = iwasi_arg32(c, 2), result = iwasi_arg32(c, 3);
    if (nsubs == 0) return IWASI_EINVAL;
    const uint8_t *in = iwasi_lift_aligned(c->mem, iwasi_arg32(c, 0), (uint64_t)nsubs * IWASI_SUBSCRIPTION_SIZE, 8);
    uint8_t *out = iwasi_lift_aligned(c->mem, iwasi_arg32(c, 1), (uint64_t)nsubs * IWASI_EVENT_SIZE, 8);
    if (!in || !out || !iwasi_lift_aligned(c->mem, result, 4, 4)) return IWASI_EFAULT;
    iwasi__sub_t *subs = calloc(nsubs, sizeof *subs);
    struct pollfd *pfd = calloc(nsubs, sizeof *pfd);
    int r = IWASI_ENOMEM;
    if (!subs || !pfd) goto done;

    iwasi_wait_t *w = &c->ctx->wait;
    if (!w->timed) {   /* a first run; a redone one keeps its start */
        w->mono = iwasi__now(CLOCK_MONOTONIC);
        w->real = iwasi__now(CLOCK_REALTIME);
    }
    uint32_t nev = 0, npfd = 0;
    int64_t nearest = INT64_MAX;
    for (uint32_t i = 0; i < nsubs; i++) {
        const uint8_t *sub = in + (size_t)i * IWASI_SUBSCRIPTION_SIZE;
        subs[i] = (iwasi__sub_t){ sub, INT64_MAX, -1 };
        uint8_t tag = sub[8];
        /* A clock the witx does not name, or flags it does not define, make
         * the subscription malformed: the call answers EINVAL, as wasmtime. */
        if (tag == IWASI_EVENT_CLOCK && (iwasi_get_u32(sub + IWASI_SUB_CLOCK_ID) > IWASI_CLOCK_THREAD_CPUTIME ||
                                         (iwasi_get_u16(sub + IWASI_SUB_CLOCK_FLAGS) & ~IWASI_SUBCLOCK_ABSTIME))) {
            r = IWASI_EINVAL;
            goto done;
        }
        if (tag == IWASI_EVENT_CLOCK) {
            iwasi_errno_t e = iwasi__clock_deadline(sub, w, &subs[i].deadline);
            if (e) nev = iwasi__event(out, nev, sub, e, 0, 0);
            else if (subs[i].deadline < nearest) nearest = subs[i].deadline;
            continue;
        }
        if (tag != IWASI_EVENT_FD_READ && tag != IWASI_EVENT_FD_WRITE) {
            r = IWASI_EINVAL;
            goto done;
        }
        bool write = tag == IWASI_EVENT_FD_WRITE;
        iwasi_fd_t *f = iwasi_fd_get(c->ctx, iwasi_get_u32(sub + IWASI_SUB_FD));
        uint64_t nbytes = 0;
        int wait_fd = -1;
        /* The witx: POLL_FD_READWRITE with FD_READ (FD_WRITE) is the right
         * to subscribe to fd_read (fd_write). */
        uint64_t need = IWASI_RIGHT_POLL_FD_READWRITE | (write ? IWASI_RIGHT_FD_WRITE : IWASI_RIGHT_FD_READ);
        iwasi_errno_t e = !f ? IWASI_EBADF : !iwasi_fd_has_rights(f, need) ? IWASI_ENOTCAPABLE
                        : !f->ops->ready ? IWASI_ENOTSUP
                        : f->ops->ready(c->ctx, f, write, &nbytes, &wait_fd);
        if (e == IWASI_READ_PENDING) {
            w->timed = false;          /* a wait for stdin, not for a time */
            r = IWASI_CALL_SUSPEND;    /* redone from the start once stdin arrives */
            goto done;
        }
        if (e || wait_fd < 0) {
            nev = iwasi__event(out, nev, sub, e, nbytes, 0);
            continue;
        }
        pfd[npfd] = (struct pollfd){ .fd = wait_fd, .events = write ? POLLOUT : POLLIN };
        subs[i].poll_index = (int)npfd++;
    }
    /* Something is ready already: only look at the host fds, never wait.
     * Otherwise never sleep past the instance's deadline. */
    int64_t now = iwasi__now(CLOCK_MONOTONIC);
    int64_t wake = nev ? now : nearest;
    int64_t deadline = c->ctx->deadline_ns;
    bool capped = deadline && deadline < wake;
    if (capped) wake = deadline;
    if (c->ctx->suspend_waits && nev == 0 && (wake > now || capped)) {
        if ((r = iwasi__wait(pfd, npfd, now))) goto done;
        if (!iwasi__any_event(pfd, npfd)) {
            /* Host fds cannot be waited on from here: look again next turn.
             * A wait that reaches the deadline stays suspended there, for
             * the host to end the guest (it must not go on as if woken). */
            w->timed = true;
            w->wake = npfd ? now : wake;
            r = IWASI_CALL_SUSPEND;
            goto done;
        }
    } else if ((r = iwasi__wait(pfd, npfd, wake))) {
        goto done;
    }

    now = iwasi__now(CLOCK_MONOTONIC);
    for (uint32_t i = 0; i < nsubs; i++) {
        const uint8_t *sub = subs[i].sub;
        if (subs[i].poll_index >= 0) {
            short re = pfd[subs[i].poll_index].revents;
            if (re & (POLLERR | POLLNVAL)) nev = iwasi__event(out, nev, sub, IWASI_EIO, 0, 0);
            else if (re) nev = iwasi__event(out, nev, sub, 0, 0, (re & POLLHUP) ? IWASI_EVENTRW_HANGUP : 0);
        } else if (sub[8] == IWASI_EVENT_CLOCK && subs[i].deadline != INT64_MAX && subs[i].deadline <= now) {
            nev = iwasi__event(out, nev, sub, 0, 0, 0);
        }
    }
    /* Woken by the deadline with nothing to report: the engine's own
     * deadline check stops the guest right after this call. */
    r = (capped && nev == 0) ? IWASI_EINTR : iwasi_store_u32(c->mem, result, nev);
done:
    free(subs);
    free(pfd);
    return r;
}
