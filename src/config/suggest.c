/* "Did you mean ...?": the known name closest to a misspelt one. */
#include <stdbool.h>
#include <string.h>

#include "config/dispense.h"

/* Names longer than this are not compared (nobody misspells a 64-byte
 * directive name, and it keeps the distance table on the stack). */
#define CFG__SUGGEST_MAX 64

static bool cfg__same_letter(char x, char y)
{
    return ifr_ascii_lower(x) == ifr_ascii_lower(y);
}

static size_t cfg__min2(size_t x, size_t y)
{
    return x < y ? x : y;
}

/* Optimal string alignment distance (Levenshtein plus the swap of two
 * neighbouring letters as one edit, the commonest typo: `paht`, `reidr`),
 * case-insensitive, with three rolling rows. */
static size_t cfg__edit_distance(ifr_str_t a, const char *b, size_t blen)
{
    size_t rows[3][CFG__SUGGEST_MAX + 1];
    size_t *before = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= blen; j++) prev[j] = j;
    for (size_t i = 1; i <= a.len; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= blen; j++) {
            size_t d = prev[j - 1] + !cfg__same_letter(a.ptr[i - 1], b[j - 1]);
            d = cfg__min2(d, cfg__min2(prev[j] + 1, cur[j - 1] + 1));
            if (i > 1 && j > 1 && cfg__same_letter(a.ptr[i - 1], b[j - 2]) &&
                cfg__same_letter(a.ptr[i - 2], b[j - 1]))
                d = cfg__min2(d, before[j - 2] + 1);
            cur[j] = d;
        }
        size_t *old = before;
        before = prev;
        prev = cur;
        cur = old;
    }
    return prev[blen];
}

const char *cfg_closest(ifr_str_t word, const char *const *known, size_t n)
{
    if (word.len == 0 || word.len > CFG__SUGGEST_MAX) return NULL;
    /* Allow about one edit per three letters, at least one. */
    size_t limit = word.len / 3 > 0 ? word.len / 3 : 1;
    const char *best = NULL;
    size_t best_d = limit + 1;
    for (size_t i = 0; i < n; i++) {
        size_t klen = strlen(known[i]);
        if (klen > CFG__SUGGEST_MAX) continue;
        size_t d = cfg__edit_distance(word, known[i], klen);
        if (d < best_d) { best_d = d; best = known[i]; }
    }
    return best;
}

int cfg_error_unknown(cfg_error_t *err, const cfg_token_t *t, const char *what,
                      const char *const *known, size_t n)
{
    const char *close = cfg_closest(t->text, known, n);
    if (close)
        return cfg_errorf(err, t, "unknown %s '%s' (did you mean '%s'?)", what, t->text.ptr, close);
    return cfg_errorf(err, t, "unknown %s '%s'", what, t->text.ptr);
}
