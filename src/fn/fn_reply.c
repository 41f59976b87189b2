/* The end of a function call: how the guest stopped becomes the response.
 *   finished / exit 0          200 with its output (cgi) or its decoded answer (json)
 *   trap                       500, logged with the trap kind and backtrace
 *   timeout, fuel exhausted    504
 *   non-zero exit, no output   500
 *   stdout past max_output     500
 *   json contract broken       502, the reason logged
 * The sandbox is freed before the answer is sent: its memory goes back at
 * once. Once a streamed head is out the status cannot change: a failure
 * then cuts the response off (x->io->abort) and is logged. */
#include <inttypes.h>
#include <stdio.h>

#include "base/log.h"
#include "fn/fn_call.h"
#include "fn/fn_proto.h"
#include "route/response.h"

static void fn__log_trap(fn_call_t *c, const iw_trap_t *t)
{
    char bt[1024];
    size_t n = 0;
    bt[0] = 0;
    for (uint32_t i = 0; i < t->frame_count && n < sizeof bt; i++) {
        const iw_frame_t *fr = &t->frames[i];
        int w = fr->name ? snprintf(bt + n, sizeof bt - n, " #%u %s@0x%x", i, fr->name, fr->code_offset)
                         : snprintf(bt + n, sizeof bt - n, " #%u func[%u]@0x%x", i, fr->func_index, fr->code_offset);
        if (w < 0) break;
        n += (size_t)w;
    }
    ifr_log_error(c->f->logger, "request %llu: trap: %s: %s; backtrace:%s", (unsigned long long)c->x->id,
                  iw_trap_kind_name(t->kind), t->message, bt[0] ? bt : " (none)");
}

void fn_reply_status(fn_call_t *c, int status)
{
    route_exchange_t *x = c->x;
    c->finished = true;
    if (c->client_gone) return;
    if (c->streaming) {
        /* The status is out already: cut the response off so the client
         * sees the failure (or, where the host cannot, end it here). */
        if (x->io->abort(x) < 0) x->io->send_body(x, NULL, 0, true);
        return;
    }
    route_send_simple(x, status, IFR_LIT(""));
}

/* 0 when the guest stopped well; else the status to answer with (logged). */
static int fn__outcome(fn_call_t *c, iw_status_t st, int32_t exit_code, const iw_trap_t *trap)
{
    unsigned long long id = (unsigned long long)c->x->id;
    const char *log = c->f->logger;
    if (c->overflow) {
        ifr_log_error(log, "request %llu: output larger than max_output (%" PRIu64 " bytes)", id,
                      c->f->conf->max_output);
        return 500;
    }
    if (st == IW_TRAPPED) {
        if (trap->kind == IW_TRAP_OUT_OF_FUEL) {
            ifr_log_error(log, "request %llu: fuel exhausted (%" PRIu64 " instructions)", id, c->f->conf->fuel);
            return 504;
        }
        if (trap->kind == IW_TRAP_INTERRUPTED) {
            ifr_log_error(log, "request %llu: timed out", id);
            return 504;
        }
        fn__log_trap(c, trap);
        return 500;
    }
    if (st == IW_SUSPENDED) {
        ifr_log_error(log, "request %llu: the guest waits for input that will never come", id);
        return 500;
    }
    if (st == IW_EXITED && exit_code != 0) {
        ifr_log_warn(log, "request %llu: exited with status %d", id, (int)exit_code);
        if (c->out_total == 0) return 500;
    }
    return 0;
}

static void fn__reply_json(fn_call_t *c)
{
    route_exchange_t *x = c->x;
    fn_json_reply_t r;
    char why[256];
    if (fn_json_reply_parse(x->arena, ifr_buf_str(&c->out), &r, why, sizeof why) < 0) {
        ifr_log_error(c->f->logger, "request %llu: json protocol: %s", (unsigned long long)x->id, why);
        fn_reply_status(c, 502);
        return;
    }
    for (uint32_t i = 0; i < r.headers.count; i++)
        if (http_headers_add(&x->resp.headers, x->arena, r.headers.items[i].name, r.headers.items[i].value) < 0) {
            fn_reply_status(c, 500);
            return;
        }
    if (r.body.len && route_header_default(x, IFR_LIT("Content-Type"), fn_sniff_content_type(r.body, true)) < 0) {
        fn_reply_status(c, 500);
        return;
    }
    c->finished = true;
    route_send_simple(x, r.status, r.body);
}

void fn_reply(fn_call_t *c, iw_status_t st)
{
    fn_end_t end = { .st = st, .trap = { .kind = IW_TRAP_NONE } };
    if (st == IW_TRAPPED) end.trap = *iw_instance_trap(c->inst);
    if (st == IW_EXITED) end.exit_code = iw_instance_exit_code(c->inst);
    bool crashed = st == IW_TRAPPED && end.trap.kind != IW_TRAP_INTERRUPTED && end.trap.kind != IW_TRAP_OUT_OF_FUEL;
    if (crashed || (st == IW_EXITED && end.exit_code != 0)) fn_sandbox_note_memory(c);
    fn_reply_end(c, &end);
}

void fn_reply_end(fn_call_t *c, const fn_end_t *end)
{
    fn_stderr_flush(c);
    fn_sandbox_close(c);
    int status = fn__outcome(c, end->st, end->exit_code, &end->trap);
    if (c->client_gone) {
        c->finished = true;
        return;
    }
    if (status) {
        fn_reply_status(c, status);
        return;
    }
    route_exchange_t *x = c->x;
    if (c->f->conf->protocol == FN_PROTOCOL_JSON) {
        fn__reply_json(c);
    } else if (c->streaming) {
        c->finished = true;
        x->io->send_body(x, c->out.data, c->out.len, true);
    } else {
        c->finished = true;
        if (c->out.len && route_header_default(x, IFR_LIT("Content-Type"),
                                               fn_sniff_content_type(ifr_buf_str(&c->out), true)) < 0) {
            route_send_simple(x, 500, IFR_LIT(""));
            return;
        }
        route_send_simple(x, 200, ifr_buf_str(&c->out));
    }
}
