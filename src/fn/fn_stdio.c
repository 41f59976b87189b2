/* Where a running guest's stdout and stderr go. stdout is held back until
 * FN_STREAM_AFTER bytes (or the end), then streams to the client; in json
 * mode it is all kept for decoding. stderr becomes log lines tagged with the
 * function and the request id, within a per-request cap and the function's
 * log budget (IFR_LOG_GUEST_RATE a second, across its requests). Both are
 * called from inside the guest's fd_write: they only queue, never run the
 * loop. */
#include <stdio.h>

#include "base/log.h"
#include "base/log_budget.h"
#include "fn/fn_call.h"
#include "fn/fn_proto.h"
#include "route/response.h"

int fn_stream_start(fn_call_t *c)
{
    route_exchange_t *x = c->x;
    x->resp.status = 200;
    x->resp.content_length = -1;
    if (route_header_default(x, IFR_LIT("Content-Type"), fn_sniff_content_type(ifr_buf_str(&c->out), false)) < 0 ||
        x->io->send_head(x) < 0 || x->io->send_body(x, c->out.data, c->out.len, false) < 0) {
        c->client_gone = true;
        return -1;
    }
    c->streaming = true;
    ifr_buf_clear(&c->out);
    return 0;
}

/* Stops the guest at its next loop back-edge or call (there is none yet
 * while the prelude is written). */
static iwasi_errno_t fn__stop_guest(fn_call_t *c, iwasi_errno_t e)
{
    if (c->inst) iw_instance_interrupt(c->inst);
    return e;
}

iwasi_errno_t fn_stdout_sink(void *ud, const void *data, size_t len)
{
    fn_call_t *c = ud;
    if (c->overflow || c->client_gone) return IWASI_EPIPE;
    c->out_total += len;
    if (c->out_total > c->f->conf->max_output) {
        c->overflow = true;
        return fn__stop_guest(c, IWASI_EFBIG);
    }
    if (c->streaming) {
        if (c->x->io->send_body(c->x, data, len, false) < 0) {
            c->client_gone = true;
            return fn__stop_guest(c, IWASI_EPIPE);
        }
        return 0;
    }
    if (ifr_buf_append(&c->out, data, len) < 0) {
        c->overflow = true;
        return fn__stop_guest(c, IWASI_ENOMEM);
    }
    if (c->f->conf->protocol == FN_PROTOCOL_CGI && c->out.len >= FN_STREAM_AFTER && fn_stream_start(c) < 0)
        return fn__stop_guest(c, IWASI_EPIPE);
    return 0;
}

static void fn__log_line(fn_call_t *c, const char *s, size_t n)
{
    if (c->err_total >= FN_LOG_TOTAL_MAX) return;
    uint64_t dropped;
    bool ok = ifr_log_budget_take(&c->f->log_budget, IFR_LOG_GUEST_RATE, n, &dropped);
    if (dropped)
        ifr_log_warn(c->f->logger, "%llu lines of stderr dropped: over %u bytes a second",
                     (unsigned long long)dropped, IFR_LOG_GUEST_RATE);
    if (!ok) return;
    c->err_total += n;
    /* The bytes as they are (a NUL is escaped by the log, not an end). */
    char msg[IFR_LOG_MSG_MAX];
    int head = snprintf(msg, sizeof msg, "request %llu: ", (unsigned long long)c->x->id);
    size_t take = n < sizeof msg - (size_t)head ? n : sizeof msg - (size_t)head;
    memcpy(msg + head, s, take);
    ifr_log_msg(IFR_LOG_INFO, c->f->logger, ifr_str(msg, (size_t)head + take));
    if (c->err_total >= FN_LOG_TOTAL_MAX)
        ifr_log_warn(c->f->logger, "request %llu: stderr past %u bytes; the rest is dropped",
                     (unsigned long long)c->x->id, FN_LOG_TOTAL_MAX);
}

iwasi_errno_t fn_stderr_sink(void *ud, const void *data, size_t len)
{
    fn_call_t *c = ud;
    const char *p = data;
    while (len) {
        const char *nl = memchr(p, '\n', len);
        size_t n = nl ? (size_t)(nl - p) : len;
        size_t room = FN_LOG_LINE_MAX - c->err_line.len;
        size_t take = n < room ? n : room;
        if (ifr_buf_append(&c->err_line, p, take) < 0) return IWASI_ENOMEM;
        /* A line ends at its newline, or when it is as long as we keep. */
        if (nl || c->err_line.len == FN_LOG_LINE_MAX) {
            fn__log_line(c, c->err_line.data, c->err_line.len);
            ifr_buf_clear(&c->err_line);
        }
        size_t used = take < n ? take : n + (nl ? 1 : 0);
        p += used;
        len -= used;
    }
    return 0;
}

void fn_stderr_flush(fn_call_t *c)
{
    if (c->err_line.len) fn__log_line(c, c->err_line.data, c->err_line.len);
    ifr_buf_clear(&c->err_line);
}
