/* The WASI context: creation, args and env, stdio setters, cloning. */
#include <stdlib.h>

#include "wasi/ctx.h"

static const iwasi_stream_t iwasi__no_stream = { .kind = IWASI_STREAM_NULL, .host_fd = -1 };

static void iwasi__stdio_entry(iwasi_fd_t *e, int which)
{
    *e = (iwasi_fd_t){ .ops = &iwasi_stream_ops, .host_fd = -1, .stream = which,
                       .rights_base = IWASI_STREAM_RIGHTS };
}

iwasi_ctx_t *iwasi_ctx_new(void)
{
    iwasi_ctx_t *ctx = calloc(1, sizeof *ctx);
    if (!ctx) return NULL;
    ctx->fds = calloc(3, sizeof *ctx->fds);
    if (!ctx->fds) {
        free(ctx);
        return NULL;
    }
    ctx->nfds = 3;
    for (int i = 0; i < 3; i++) {
        iwasi__stdio_entry(&ctx->fds[i], i);
        ctx->stdio[i] = iwasi__no_stream;
        iwasi_ctx_stdio_host_fd(ctx, i, i);
    }
    return ctx;
}

void iwasi_ctx_free(iwasi_ctx_t *ctx)
{
    if (!ctx) return;
    for (uint32_t i = 0; i < ctx->nfds; i++) iwasi_fd_close(ctx, i);
    free(ctx->fds);
    for (int i = 0; i < 3; i++) ifr_buf_free(&ctx->stdio[i].out);
    ifr_buf_free(&ctx->args.buf);
    ifr_buf_free(&ctx->env.buf);
    free(ctx);
}

static int iwasi__strlist_add(iwasi_strlist_t *l, const char *s)
{
    if (ifr_buf_append(&l->buf, s, strlen(s) + 1) < 0) return -1;
    l->count++;
    return 0;
}

int iwasi_ctx_add_arg(iwasi_ctx_t *ctx, const char *arg) { return iwasi__strlist_add(&ctx->args, arg); }

int iwasi_ctx_add_env(iwasi_ctx_t *ctx, const char *key_value)
{
    if (!strchr(key_value, '=')) return -1;
    return iwasi__strlist_add(&ctx->env, key_value);
}

void iwasi_ctx_stdio_host_fd(iwasi_ctx_t *ctx, int which, int host_fd)
{
    iwasi_stream_t s = iwasi__no_stream;
    s.kind = IWASI_STREAM_HOST_FD;
    s.host_fd = host_fd;
    iwasi_stream_set(ctx, which, &s);
}

void iwasi_ctx_stdio_null(iwasi_ctx_t *ctx, int which) { iwasi_stream_set(ctx, which, &iwasi__no_stream); }

void iwasi_ctx_stdin_bytes(iwasi_ctx_t *ctx, const void *data, size_t len)
{
    iwasi_stream_t s = iwasi__no_stream;
    s.kind = IWASI_STREAM_BYTES;
    s.bytes = data;
    s.len = len;
    iwasi_stream_set(ctx, 0, &s);
}

void iwasi_ctx_stdin_callback(iwasi_ctx_t *ctx, iwasi_read_cb cb, void *ud)
{
    iwasi_stream_t s = iwasi__no_stream;
    s.kind = IWASI_STREAM_READ_CB;
    s.read_cb = cb;
    s.ud = ud;
    iwasi_stream_set(ctx, 0, &s);
}

void iwasi_ctx_stdin_pending(iwasi_ctx_t *ctx)
{
    iwasi_stream_t s = iwasi__no_stream;
    s.kind = IWASI_STREAM_PENDING;
    iwasi_stream_set(ctx, 0, &s);
}

void iwasi_ctx_output_buffer(iwasi_ctx_t *ctx, int which, size_t limit)
{
    iwasi_stream_t s = iwasi__no_stream;
    s.kind = IWASI_STREAM_BUFFER;
    s.out.limit = limit;
    iwasi_stream_set(ctx, which, &s);
}

const char *iwasi_ctx_output(const iwasi_ctx_t *ctx, int which, size_t *len)
{
    const iwasi_stream_t *s = &ctx->stdio[which];
    *len = s->kind == IWASI_STREAM_BUFFER ? s->out.len : 0;
    return *len ? s->out.data : "";
}

void iwasi_ctx_output_callback(iwasi_ctx_t *ctx, int which, iwasi_write_cb cb, void *ud)
{
    iwasi_stream_t s = iwasi__no_stream;
    s.kind = IWASI_STREAM_WRITE_CB;
    s.write_cb = cb;
    s.ud = ud;
    iwasi_stream_set(ctx, which, &s);
}

bool iwasi_ctx_waiting(const iwasi_ctx_t *ctx) { return ctx->pending != NULL; }

void iwasi_ctx_set_deadline(iwasi_ctx_t *ctx, int64_t deadline_ns) { ctx->deadline_ns = deadline_ns; }

void iwasi_ctx_suspend_waits(iwasi_ctx_t *ctx, bool on) { ctx->suspend_waits = on; }

void iwasi_ctx_env_pending(iwasi_ctx_t *ctx, bool on) { ctx->env_pending = on; }

bool iwasi_ctx_wake_at(const iwasi_ctx_t *ctx, int64_t *at)
{
    if (!ctx->pending || !ctx->wait.timed) return false;
    *at = ctx->wait.wake;
    return true;
}

static int iwasi__strlist_copy(iwasi_strlist_t *dst, const iwasi_strlist_t *src)
{
    dst->count = src->count;
    return ifr_buf_append(&dst->buf, src->buf.data, src->buf.len);
}

iwasi_ctx_t *iwasi_ctx_clone(const iwasi_ctx_t *ctx)
{
    iwasi_ctx_t *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->fds = calloc(ctx->nfds, sizeof *c->fds);
    if (!c->fds || iwasi__strlist_copy(&c->args, &ctx->args) < 0 ||
        iwasi__strlist_copy(&c->env, &ctx->env) < 0) {
        iwasi_ctx_free(c);
        return NULL;
    }
    c->nfds = ctx->nfds;
    for (int i = 0; i < 3; i++) {
        c->stdio[i] = ctx->stdio[i];
        c->stdio[i].out = (ifr_buf_t){ .limit = ctx->stdio[i].out.limit };
    }
    c->pending = ctx->pending;
    c->exit_code = ctx->exit_code;
    c->deadline_ns = ctx->deadline_ns;
    c->suspend_waits = ctx->suspend_waits;
    c->env_pending = ctx->env_pending;
    c->wait = ctx->wait;
    for (uint32_t i = 0; i < ctx->nfds; i++) {
        const iwasi_fd_t *src = &ctx->fds[i];
        if (!src->ops) continue;
        iwasi_fd_t e = *src;
        e.preopen = NULL;
        e.dir = NULL;
        e.dir_pos = 0;
        if (src->preopen && !(e.preopen = strdup(src->preopen))) goto fail;
        if (src->ops->dup(src, &e)) {
            free(e.preopen);
            goto fail;
        }
        c->fds[i] = e;
    }
    return c;
fail:
    iwasi_ctx_free(c);
    return NULL;
}
