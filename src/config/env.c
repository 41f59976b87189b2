/* {$NAME} and {$NAME:default} substitution, done on the raw text before
 * tokenizing as Caddy does, so a variable may hold part of a token, a whole
 * token or several. The value is inserted as is (it is not scanned again
 * for {$...}, so a value cannot expand itself). */
#include <stdlib.h>
#include <string.h>

#include "config/lex.h"

/* The longest variable name we look up; longer ones are left as written. */
#define CFG__ENV_NAME_MAX 256

static const char *cfg__env_default_lookup(void *ud, const char *name)
{
    (void)ud;
    return getenv(name);
}

typedef struct {
    cfg_expanded_t *e;
    size_t cap, segcap;
} cfg__env_out_t;

static int cfg__env_append(cfg__env_out_t *o, const char *p, size_t n)
{
    if (n == 0) return 0;
    if (o->e->len + n > CFG_MAX_FILE_SIZE) return -1;
    if (o->e->len + n > o->cap) {
        size_t cap = o->cap ? o->cap : 256;
        while (cap < o->e->len + n) cap *= 2;
        char *t = realloc(o->e->text, cap);
        if (!t) return -1;
        o->e->text = t;
        o->cap = cap;
    }
    memcpy(o->e->text + o->e->len, p, n);
    o->e->len += n;
    return 0;
}

static int cfg__env_segment(cfg__env_out_t *o, size_t src_off, bool from_env)
{
    if (o->e->nsegs == o->segcap) {
        size_t cap = o->segcap ? o->segcap * 2 : 8;
        cfg_seg_t *s = realloc(o->e->segs, cap * sizeof *s);
        if (!s) return -1;
        o->e->segs = s;
        o->segcap = cap;
    }
    o->e->segs[o->e->nsegs++] = (cfg_seg_t){ o->e->len, src_off, from_env };
    return 0;
}

/* Looks for the `}` closing a reference that starts at text[i] ("{$").
 * The reference must stay on one line; returns its end or 0. */
static size_t cfg__env_ref_end(const char *text, size_t len, size_t i)
{
    for (size_t j = i + 2; j < len; j++) {
        if (text[j] == '}') return j;
        if (text[j] == '\n' || text[j] == '{') return 0;
    }
    return 0;
}

size_t cfg_env_ref_len(const char *text, size_t len, size_t i)
{
    if (i + 1 >= len || text[i] != '{' || text[i + 1] != '$') return 0;
    size_t end = cfg__env_ref_end(text, len, i);
    return end ? end + 1 - i : 0;
}

int cfg_expand_env(const char *text, size_t len, cfg_env_cb env, void *ud, cfg_expanded_t *e)
{
    *e = (cfg_expanded_t){ 0 };
    cfg__env_out_t o = { e, 0, 0 };
    if (!env) env = cfg__env_default_lookup;
    if (cfg__env_segment(&o, 0, false) < 0) goto fail;
    size_t copied = 0; /* text[copied..i) is still to be copied */
    for (size_t i = 0; i + 1 < len; i++) {
        if (text[i] != '{' || text[i + 1] != '$') continue;
        size_t end = cfg__env_ref_end(text, len, i);
        if (!end) continue;
        const char *ref = text + i + 2;
        size_t reflen = end - (i + 2);
        const char *colon = memchr(ref, ':', reflen);
        size_t namelen = colon ? (size_t)(colon - ref) : reflen;
        if (namelen >= CFG__ENV_NAME_MAX) continue;
        char name[CFG__ENV_NAME_MAX];
        memcpy(name, ref, namelen);
        name[namelen] = '\0';
        const char *val = namelen ? env(ud, name) : NULL;
        size_t vlen = val ? strlen(val) : 0;
        if (!val && colon) { val = colon + 1; vlen = reflen - namelen - 1; }
        if (cfg__env_append(&o, text + copied, i - copied) < 0) goto fail;
        if (cfg__env_segment(&o, i, true) < 0) goto fail;
        if (cfg__env_append(&o, val ? val : "", vlen) < 0) goto fail;
        if (cfg__env_segment(&o, end + 1, false) < 0) goto fail;
        copied = end + 1;
        i = end;
    }
    if (cfg__env_append(&o, text + copied, len - copied) < 0) goto fail;
    return 0;
fail:
    cfg_expanded_free(e);
    return -1;
}

void cfg_expanded_free(cfg_expanded_t *e)
{
    free(e->text);
    free(e->segs);
    *e = (cfg_expanded_t){ 0 };
}

size_t cfg_expanded_src_off(const cfg_expanded_t *e, size_t off)
{
    /* The last segment starting at or before off (segments are sorted;
     * empty ones are skipped by taking the last of equal starts). */
    size_t lo = 0, hi = e->nsegs;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (e->segs[mid].out_off <= off) lo = mid;
        else hi = mid;
    }
    const cfg_seg_t *s = &e->segs[lo];
    return s->from_env ? s->src_off : s->src_off + (off - s->out_off);
}
