/* The table of WASI host functions, generated from IWASI_HOSTCALLS. */
#include <string.h>

#include "wasi/call.h"

const iwasi_hostcall_t iwasi_hostcalls[] = {
#define IWASI__ROW(name, sig) { #name, sig, iwasi_call_##name },
    IWASI_HOSTCALLS(IWASI__ROW)
#undef IWASI__ROW
};

const size_t iwasi_hostcall_count = sizeof iwasi_hostcalls / sizeof iwasi_hostcalls[0];

const iwasi_hostcall_t *iwasi_hostcall_find(const char *name)
{
    for (size_t i = 0; i < iwasi_hostcall_count; i++)
        if (strcmp(iwasi_hostcalls[i].name, name) == 0) return &iwasi_hostcalls[i];
    return NULL;
}

int iwasi_hostcall_run(const iwasi_hostcall_t *h, iwasi_ctx_t *ctx, const iwasi_mem_t *mem,
                       const uint64_t *args)
{
    if (!ctx) return IWASI_EBADF;
    iwasi_call_t c = { ctx, mem, args };
    ctx->pending = NULL;
    int r = h->impl(&c);
    if (r == IWASI_CALL_SUSPEND) ctx->pending = h;
    else ctx->wait.timed = false;   /* a wait that completed (or failed) is over */
    return r;
}

bool iwasi_fd_has_rights(const iwasi_fd_t *f, uint64_t rights)
{
    uint64_t have = f->rights_base;
    if (have & IWASI_RIGHT_FD_SEEK) have |= IWASI_RIGHT_FD_TELL;
    return (have & rights) == rights;
}

iwasi_errno_t iwasi_fd_lookup(const iwasi_call_t *c, uint32_t fd, uint64_t rights, iwasi_fd_t **out)
{
    iwasi_fd_t *f = iwasi_fd_get(c->ctx, fd);
    if (!f) return IWASI_EBADF;
    if (!iwasi_fd_has_rights(f, rights)) return IWASI_ENOTCAPABLE;
    *out = f;
    return 0;
}

iwasi_errno_t iwasi_fd_lookup_data(const iwasi_call_t *c, uint32_t fd, uint64_t rights, iwasi_fd_t **out)
{
    iwasi_fd_t *f = iwasi_fd_get(c->ctx, fd);
    if (!f || f->filetype == IWASI_FILETYPE_DIRECTORY) return IWASI_EBADF;
    return iwasi_fd_lookup(c, fd, rights, out);
}

iwasi_errno_t iwasi_fd_lookup_dir(const iwasi_call_t *c, uint32_t fd, uint64_t rights, iwasi_fd_t **out)
{
    iwasi_fd_t *f = iwasi_fd_get(c->ctx, fd);
    if (!f || f->ops == &iwasi_stream_ops) return IWASI_EBADF;
    if (f->filetype != IWASI_FILETYPE_DIRECTORY) return IWASI_ENOTDIR;
    return iwasi_fd_lookup(c, fd, rights, out);
}
