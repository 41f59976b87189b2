/* The guest's descriptor table: a growable array of entries, lowest free
 * slot first (as POSIX does, which guests' own libc tables expect). */
#include <stdlib.h>

#include "wasi/ctx.h"

iwasi_fd_t *iwasi_fd_get(iwasi_ctx_t *ctx, uint32_t fd)
{
    if (!ctx || fd >= ctx->nfds || !ctx->fds[fd].ops) return NULL;
    return &ctx->fds[fd];
}

iwasi_errno_t iwasi_fd_insert(iwasi_ctx_t *ctx, const iwasi_fd_t *entry, uint32_t *fd)
{
    uint32_t i = 0;
    while (i < ctx->nfds && ctx->fds[i].ops) i++;
    if (i == ctx->nfds) {
        if (ctx->nfds >= IWASI_FD_MAX) return IWASI_EMFILE;
        uint32_t n = ctx->nfds * 2 > IWASI_FD_MAX ? IWASI_FD_MAX : ctx->nfds * 2;
        iwasi_fd_t *fds = realloc(ctx->fds, n * sizeof *fds);
        if (!fds) return IWASI_ENOMEM;
        memset(fds + ctx->nfds, 0, (n - ctx->nfds) * sizeof *fds);
        ctx->fds = fds;
        ctx->nfds = n;
    }
    ctx->fds[i] = *entry;
    *fd = i;
    return 0;
}

void iwasi_fd_close(iwasi_ctx_t *ctx, uint32_t fd)
{
    iwasi_fd_t *e = iwasi_fd_get(ctx, fd);
    if (!e) return;
    e->ops->close(e);
    free(e->preopen);
    memset(e, 0, sizeof *e);
}

iwasi_errno_t iwasi_fd_renumber(iwasi_ctx_t *ctx, uint32_t from, uint32_t to)
{
    iwasi_fd_t *src = iwasi_fd_get(ctx, from), *dst = iwasi_fd_get(ctx, to);
    if (!src || !dst) return IWASI_EBADF;
    if (from == to) return 0;
    iwasi_fd_close(ctx, to);
    ctx->fds[to] = *src;
    memset(src, 0, sizeof *src);
    return 0;
}
