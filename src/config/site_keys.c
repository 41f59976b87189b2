/* Two site blocks with one address (see site_keys.h): the keys are sorted
 * by text so a document of many sites is checked in n log n. */
#include <stdlib.h>
#include <string.h>

#include "config/dispense.h"
#include "config/site_keys.h"

typedef struct {
    const cfg_token_t *key;
    size_t site;    /* index of its site block; with order, file order */
    size_t order;   /* index among all keys */
} site_key_t;

static int cfg__by_text_then_order(const void *x, const void *y)
{
    const site_key_t *a = x, *b = y;
    size_t n = a->key->text.len < b->key->text.len ? a->key->text.len : b->key->text.len;
    int c = memcmp(a->key->text.ptr, b->key->text.ptr, n);
    if (c) return c;
    if (a->key->text.len != b->key->text.len) return a->key->text.len < b->key->text.len ? -1 : 1;
    return a->order < b->order ? -1 : a->order > b->order;
}

int cfg_check_site_keys(const cfg_doc_t *doc, cfg_error_t *err)
{
    size_t n = 0;
    for (size_t i = 0; i < doc->nsites; i++) n += doc->sites[i].nkeys;
    if (n < 2) return 0;
    site_key_t *keys = malloc(n * sizeof *keys);
    if (!keys) return cfg_errorf(err, NULL, "out of memory while checking site addresses");
    size_t k = 0;
    for (size_t i = 0; i < doc->nsites; i++)
        for (size_t j = 0; j < doc->sites[i].nkeys; j++, k++)
            keys[k] = (site_key_t){ &doc->sites[i].keys[j], i, k };
    qsort(keys, n, sizeof *keys, cfg__by_text_then_order);
    /* In each run of equal text the first key is the first written; the
     * first of another block after it is a duplicate. Report the duplicate
     * that comes first in the file, as reading in order would. */
    const site_key_t *dup = NULL, *first = NULL;
    for (size_t run = 0; run < n;) {
        size_t end = run + 1;
        while (end < n && ifr_str_eq(keys[end].key->text, keys[run].key->text)) end++;
        for (size_t i = run + 1; i < end; i++) {
            if (keys[i].site == keys[run].site) continue;
            if (!dup || keys[i].order < dup->order) { dup = &keys[i]; first = &keys[run]; }
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
    return rc;
}
