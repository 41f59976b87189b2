/* Two site blocks with one address (see site_keys.h): the keys are sorted
 * by text so a document of many sites is checked in n log n. */
#include <stdlib.h>
#include <string.h>

#include "config/dispense.h"
#include "config/options.h"
#include "config/site_keys.h"

typedef struct {
    const cfg_token_t *key;
    size_t site;    /* index of its site block; with order, file order */
    size_t order;   /* index among all keys */
} cfg__site_key_t;

static int cfg__by_text_then_order(const void *x, const void *y)
{
    const cfg__site_key_t *a = x, *b = y;
    size_t n = a->key->text.len < b->key->text.len ? a->key->text.len : b->key->text.len;
    int c = memcmp(a->key->text.ptr, b->key->text.ptr, n);
    if (c) return c;
    if (a->key->text.len != b->key->text.len) return a->key->text.len < b->key->text.len ? -1 : 1;
    return a->order < b->order ? -1 : a->order > b->order;
}

/* The listener addresses of one site block: its bind lines, else the
 * document's default_bind, else every interface (one empty host). A bind
 * address the route layer will refuse is left out here. */
typedef struct {
    cfg_bind_t *binds;
    size_t n;
} cfg__site_binds_t;

static size_t cfg__bind_args(const cfg_block_t *b, const char *name, cfg_bind_t *out)
{
    size_t n = 0;
    cfg_error_t ignored;
    for (size_t i = 0; b && i < b->count; i++) {
        const cfg_directive_t *d = &b->items[i];
        if (!cfg_is_word(&d->name, name)) continue;
        if (out && name[0] == 'd') n = 0;   /* a later default_bind replaces an earlier one */
        for (size_t k = 0; k < d->nargs; k++) {
            cfg_bind_t one;
            if (cfg_parse_bind(&d->args[k], &one, &ignored) != 0) continue;
            if (out) out[n] = one;
            n++;
        }
    }
    return n;
}

/* Fills sb[i] for each site from one allocation (*mem, freed by the
 * caller). -1 out of memory. */
static int cfg__site_binds(const cfg_doc_t *doc, cfg__site_binds_t *sb, cfg_bind_t **mem)
{
    size_t ndef = cfg__bind_args(doc->global, "default_bind", NULL), total = ndef + 1;
    for (size_t i = 0; i < doc->nsites; i++) total += cfg__bind_args(&doc->sites[i].body, "bind", NULL);
    cfg_bind_t *all = malloc(total * sizeof *all);
    if (!all) return -1;
    ndef = cfg__bind_args(doc->global, "default_bind", all);
    cfg_bind_t *any = &all[ndef], *next = any + 1;
    *any = (cfg_bind_t){ CFG_BIND_TCP, IFR_LIT("") };
    for (size_t i = 0; i < doc->nsites; i++) {
        size_t n = cfg__bind_args(&doc->sites[i].body, "bind", next);
        if (n) sb[i] = (cfg__site_binds_t){ next, n };
        else if (ndef) sb[i] = (cfg__site_binds_t){ all, ndef };
        else sb[i] = (cfg__site_binds_t){ any, 1 };
        next += n;
    }
    *mem = all;
    return 0;
}

/* Two blocks share a listener: the same address there is ambiguous. */
static bool cfg__binds_meet(const cfg__site_binds_t *a, const cfg__site_binds_t *b)
{
    for (size_t i = 0; i < a->n; i++)
        for (size_t k = 0; k < b->n; k++)
            if (cfg_bind_eq(&a->binds[i], &b->binds[k])) return true;
    return false;
}

int cfg_check_site_keys(const cfg_doc_t *doc, cfg_error_t *err)
{
    size_t n = 0;
    for (size_t i = 0; i < doc->nsites; i++) n += doc->sites[i].nkeys;
    if (n < 2) return 0;
    cfg__site_key_t *keys = malloc(n * sizeof *keys);
    cfg__site_binds_t *sb = malloc(doc->nsites * sizeof *sb);
    cfg_bind_t *bind_mem = NULL;
    if (!keys || !sb || cfg__site_binds(doc, sb, &bind_mem) != 0) {
        free(keys);
        free(sb);
        return cfg_errorf(err, NULL, "out of memory while checking site addresses");
    }
    size_t k = 0;
    for (size_t i = 0; i < doc->nsites; i++)
        for (size_t j = 0; j < doc->sites[i].nkeys; j++, k++)
            keys[k] = (cfg__site_key_t){ &doc->sites[i].keys[j], i, k };
    qsort(keys, n, sizeof *keys, cfg__by_text_then_order);
    /* In each run of equal text, in file order, a key of another block
     * bound where an earlier one is (bind, default_bind) is a duplicate.
     * Report the duplicate that comes first in the file, as reading in
     * order would. */
    const cfg__site_key_t *dup = NULL, *first = NULL;
    for (size_t run = 0; run < n;) {
        size_t end = run + 1;
        while (end < n && ifr_str_eq(keys[end].key->text, keys[run].key->text)) end++;
        for (size_t i = run + 1; i < end; i++) {
            const cfg__site_key_t *met = NULL;
            for (size_t j = run; j < i && !met; j++)
                if (keys[j].site != keys[i].site && cfg__binds_meet(&sb[keys[j].site], &sb[keys[i].site]))
                    met = &keys[j];
            if (!met) continue;
            if (!dup || keys[i].order < dup->order) { dup = &keys[i]; first = met; }
            break;
        }
        run = end;
    }
    int rc = 0;
    if (dup)
        rc = cfg_errorf(err, dup->key, "ambiguous site definition: '%s' is already the address "
                        "of the site at %s:%d:%d", dup->key->text.ptr, first->key->file,
                        first->key->line, first->key->col);
    free(keys);
    free(sb);
    free(bind_mem);
    return rc;
}
