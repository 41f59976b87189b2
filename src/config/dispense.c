/* Argument checks and plain values for directive parsers (dispense.h). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "config/dispense.h"

bool cfg_is_word(const cfg_token_t *t, const char *word)
{
    return !cfg_token_is_literal(t) && ifr_str_eq_cstr(t->text, word);
}

int cfg_expect_args(const cfg_directive_t *d, size_t min, size_t max, cfg_error_t *err)
{
    const char *name = d->name.text.ptr;
    if (d->nargs < min) {
        const cfg_token_t *at = d->nargs ? &d->args[d->nargs - 1] : &d->name;
        if (min == max)
            return cfg_errorf(err, at, "%s: expected %zu argument%s, got %zu", name, min,
                              min == 1 ? "" : "s", d->nargs);
        return cfg_errorf(err, at, "%s: expected at least %zu argument%s, got %zu", name, min,
                          min == 1 ? "" : "s", d->nargs);
    }
    if (d->nargs > max) {
        if (max == 0)
            return cfg_errorf(err, &d->args[0], "%s: expected no arguments, got '%s'", name,
                              d->args[0].text.ptr);
        return cfg_errorf(err, &d->args[max], "%s: expected at most %zu argument%s, got %zu",
                          name, max, max == 1 ? "" : "s", d->nargs);
    }
    return 0;
}

int cfg_expect_no_block(const cfg_directive_t *d, cfg_error_t *err)
{
    if (!d->block) return 0;
    return cfg_errorf(err, d->block->open, "%s: does not take a block", d->name.text.ptr);
}

int cfg_parse_int(const cfg_token_t *t, int64_t min, int64_t max, int64_t *out, cfg_error_t *err)
{
    const char *p = t->text.ptr, *end = p + t->text.len;
    bool neg = p < end && *p == '-';
    if (p < end && (*p == '-' || *p == '+')) p++;
    uint64_t v = 0;
    bool ok = ifr_str_to_u64(ifr_str(p, (size_t)(end - p)), UINT64_MAX, &v);
    /* Compare as magnitudes so INT64_MIN and huge inputs stay defined. */
    if (ok && !neg && v > (uint64_t)INT64_MAX) ok = false;
    if (ok && neg && v > (uint64_t)INT64_MAX + 1) ok = false;
    int64_t x = 0;
    if (ok) x = neg ? (int64_t)(0 - v) : (int64_t)v;
    if (!ok || x < min || x > max)
        return cfg_errorf(err, t, "expected an integer from %lld to %lld, got '%s'",
                          (long long)min, (long long)max, t->text.ptr);
    *out = x;
    return 0;
}

int cfg_parse_bool(const cfg_token_t *t, bool *out, cfg_error_t *err)
{
    static const char *const yes[] = { "on", "true", "yes" }, *const no[] = { "off", "false", "no" };
    for (size_t i = 0; i < 3; i++) {
        if (ifr_str_eq_nocase(t->text, ifr_cstr(yes[i]))) { *out = true; return 0; }
        if (ifr_str_eq_nocase(t->text, ifr_cstr(no[i]))) { *out = false; return 0; }
    }
    return cfg_errorf(err, t, "expected on or off, got '%s'", t->text.ptr);
}

/* The directive of blk (or a block inside it) with an argument at the
 * error's place, or NULL. */
static const cfg_directive_t *cfg__option_at(const cfg_error_t *err, const cfg_block_t *blk, int depth)
{
    for (size_t i = 0; blk && depth < CFG_MAX_NESTING && i < blk->count; i++) {
        const cfg_directive_t *d = &blk->items[i];
        for (size_t k = 0; k < d->nargs; k++)
            if (d->args[k].line == err->line && d->args[k].col == err->col && d->args[k].file &&
                strncmp(d->args[k].file, err->file, sizeof(err->file) - 1) == 0)
                return d;
        const cfg_directive_t *in = cfg__option_at(err, d->block, depth + 1);
        if (in) return in;
    }
    return NULL;
}

void cfg_error_name_option(cfg_error_t *err, const cfg_block_t *blk)
{
    if (strncmp(err->message, "expected ", 9) != 0 || err->line == 0) return;
    const cfg_directive_t *d = cfg__option_at(err, blk, 0);
    if (!d) return;
    /* The name in front; a message that no longer fits loses its end. */
    size_t n = d->name.text.len < 100 ? d->name.text.len : 100, len = strlen(err->message);
    if (len + n + 2 >= sizeof(err->message)) len = sizeof(err->message) - n - 3;
    memmove(err->message + n + 2, err->message, len);
    memcpy(err->message, d->name.text.ptr, n);
    memcpy(err->message + n, ": ", 2);
    err->message[n + 2 + len] = '\0';
}
