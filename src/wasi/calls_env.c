/* args_get, args_sizes_get, environ_get, environ_sizes_get. */
#include "wasi/call.h"

/* Writes the pointer array at ptrs and the strings at buf, as the guest's
 * argv/environ. */
static int iwasi__strlist_get(const iwasi_call_t *c, const iwasi_strlist_t *l)
{
    uint32_t ptrs = iwasi_arg32(c, 0), buf = iwasi_arg32(c, 1);
    uint8_t *p = iwasi_lift_aligned(c->mem, ptrs, (uint64_t)l->count * 4, 4);
    uint8_t *b = iwasi_lift(c->mem, buf, l->buf.len);
    if (!p || !b) return IWASI_EFAULT;
    if (l->buf.len) memcpy(b, l->buf.data, l->buf.len);   /* data is NULL when empty */
    size_t off = 0;
    for (uint32_t i = 0; i < l->count; i++) {
        iwasi_put_u32(p + 4 * i, (uint32_t)(buf + off));
        off += strlen(l->buf.data + off) + 1;
    }
    return 0;
}

static int iwasi__strlist_sizes(const iwasi_call_t *c, const iwasi_strlist_t *l)
{
    iwasi_errno_t e = iwasi_store_u32(c->mem, iwasi_arg32(c, 0), l->count);
    return e ? e : iwasi_store_u32(c->mem, iwasi_arg32(c, 1), (uint32_t)l->buf.len);
}

int iwasi_call_args_get(const iwasi_call_t *c) { return iwasi__strlist_get(c, &c->ctx->args); }
int iwasi_call_args_sizes_get(const iwasi_call_t *c) { return iwasi__strlist_sizes(c, &c->ctx->args); }

/* With env_pending (a host about to snapshot) the environment is not
 * answered yet: the call suspends and is redone with the variables the
 * host supplies for each run (iwasi_ctx_env_pending). */
int iwasi_call_environ_get(const iwasi_call_t *c)
{
    return c->ctx->env_pending ? IWASI_CALL_SUSPEND : iwasi__strlist_get(c, &c->ctx->env);
}

int iwasi_call_environ_sizes_get(const iwasi_call_t *c)
{
    return c->ctx->env_pending ? IWASI_CALL_SUSPEND : iwasi__strlist_sizes(c, &c->ctx->env);
}
