/* A `log` block, the site directive's or the global option's (log.h). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "config/dispense.h"
#include "route/log.h"

const char *const route_log_level_names[ROUTE_LOG_NLEVELS] = { "DEBUG", "INFO",  "WARN", "ERROR",
                                                               "DPANIC", "PANIC", "FATAL" };

static int route__log_roll(const cfg_block_t *blk, route_log_file_t *f, cfg_error_t *err)
{
    static const char *const known[] = { "roll_disabled", "roll_size", "roll_uncompressed", "roll_local_time",
                                          "roll_keep", "roll_keep_for" };
    for (size_t i = 0; blk && i < blk->count; i++) {
        const cfg_directive_t *r = &blk->items[i];
        const cfg_token_t *n = &r->name;
        bool flag = cfg_is_word(n, "roll_disabled") || cfg_is_word(n, "roll_uncompressed") ||
                    cfg_is_word(n, "roll_local_time");
        if (flag) {
            if (cfg_expect_args(r, 0, 0, err) || cfg_expect_no_block(r, err)) return -1;
            if (cfg_is_word(n, "roll_disabled")) f->roll = false;
            else if (cfg_is_word(n, "roll_uncompressed")) f->roll_gzip = false;
            else f->roll_local_time = true;
            continue;
        }
        if (!cfg_is_word(n, "roll_size") && !cfg_is_word(n, "roll_keep") && !cfg_is_word(n, "roll_keep_for"))
            return cfg_error_unknown(err, n, "log output file option", known, sizeof known / sizeof known[0]);
        if (cfg_expect_args(r, 1, 1, err) || cfg_expect_no_block(r, err)) return -1;
        if (cfg_is_word(n, "roll_size")) {
            if (cfg_parse_size(&r->args[0], 0, &f->roll_size, err)) return -1;
            if (f->roll_size == 0) return cfg_errorf(err, &r->args[0], "roll_size: must be more than zero");
            /* As Caddy documents: megabyte resolution, rounded up (1.1MiB is 2MiB). */
            f->roll_size = (f->roll_size + (1u << 20) - 1) / (1u << 20) * (1u << 20);
        } else if (cfg_is_word(n, "roll_keep")) {
            int64_t v;
            if (cfg_parse_int(&r->args[0], 0, 1000000, &v, err)) return -1;
            f->roll_keep = (int)v;
        } else {
            if (cfg_parse_duration(&r->args[0], 0, &f->roll_keep_for_ns, err)) return -1;
            /* Day resolution, rounded up (36h is 2 days), as Caddy documents. */
            const int64_t day = 86400LL * 1000000000LL;
            if (f->roll_keep_for_ns > INT64_MAX - day) f->roll_keep_for_ns = INT64_MAX / day * day;
            else f->roll_keep_for_ns = (f->roll_keep_for_ns + day - 1) / day * day;
        }
    }
    return 0;
}

static void route__sink_release(void *sink) { route_log_file_release(sink); }

static int route__log_output(ifr_arena_t *a, const cfg_directive_t *s, const char *base_dir,
                             route_log_conf_t *c, cfg_error_t *err)
{
    if (cfg_expect_args(s, 1, 2, err) != 0) return -1;
    const cfg_token_t *kind = &s->args[0];
    bool file = cfg_is_word(kind, "file");
    if (cfg_is_word(kind, "net"))
        return cfg_errorf(err, kind, "log output net: network log outputs are not supported by ifrit yet");
    if (!file && (s->nargs != 1 || s->block))
        return cfg_errorf(err, s->nargs > 1 ? &s->args[1] : s->block->open, "log output %s: takes nothing more",
                          kind->text.ptr);
    if (cfg_is_word(kind, "stdout")) c->out = ROUTE_LOG_OUT_STDOUT;
    else if (cfg_is_word(kind, "stderr")) c->out = ROUTE_LOG_OUT_STDERR;
    else if (cfg_is_word(kind, "discard")) c->out = ROUTE_LOG_OUT_DISCARD;
    else if (!file) {
        static const char *const kinds[] = { "stdout", "stderr", "discard", "file" };
        return cfg_error_unknown(err, kind, "log output", kinds, 4);
    }
    if (!file) return 0;
    if (s->nargs != 2 || s->args[1].text.len == 0) return cfg_errorf(err, kind, "log output file: expected a path");
    route_log_file_t f = {
        .roll = true, .roll_size = ROUTE_LOG_ROLL_SIZE_DEFAULT, .roll_keep = ROUTE_LOG_ROLL_KEEP_DEFAULT,
        .roll_keep_for_ns = ROUTE_LOG_ROLL_KEEP_FOR_DEFAULT, .roll_gzip = true,
    };
    if (route__log_roll(s->block, &f, err)) return -1;
    const char *path = s->args[1].text.ptr;
    if (path[0] != '/' && base_dir && base_dir[0]) path = ifr_arena_printf(a, "%s/%s", base_dir, path);
    if (!path) return cfg_errorf(err, NULL, "out of memory");
    f.path = path;
    char why[512];
    route_log_sink_t *sink = route_log_file_open(&f, why, sizeof why);
    if (!sink) return cfg_errorf(err, s->block && strstr(why, "roll") ? s->block->open : &s->args[1],
                                 "log output file: %s", why);
    /* Released with the plan (its arena). */
    if (ifr_arena_on_cleanup(a, route__sink_release, sink) != 0) {
        route_log_file_release(sink);
        return cfg_errorf(err, NULL, "out of memory");
    }
    c->out = ROUTE_LOG_OUT_FILE;
    c->sink = sink;
    return 0;
}

static int route__log_format(ifr_arena_t *a, const cfg_directive_t *s, route_log_conf_t *c, cfg_error_t *err)
{
    if (cfg_expect_args(s, 1, 1, err) != 0) return -1;
    const cfg_token_t *f = &s->args[0];
    if (cfg_is_word(f, "json") || cfg_is_word(f, "console")) {
        if (cfg_expect_no_block(s, err)) return -1;
        c->format = cfg_is_word(f, "json") ? ROUTE_LOG_FMT_JSON : ROUTE_LOG_FMT_CONSOLE;
        return 0;
    }
    if (cfg_is_word(f, "append"))
        return cfg_errorf(err, f, "log format append: not supported by ifrit yet");
    if (!cfg_is_word(f, "filter")) {
        static const char *const known[] = { "json", "console", "filter" };
        return cfg_error_unknown(err, f, "log format", known, 3);
    }
    /* Caddy's default for what filter wraps is console. */
    c->format = ROUTE_LOG_FMT_CONSOLE;
    if (!s->block) return cfg_errorf(err, f, "log format filter: expected a block { wrap ...; fields { ... } }");
    for (size_t i = 0; i < s->block->count; i++) {
        const cfg_directive_t *w = &s->block->items[i];
        if (cfg_is_word(&w->name, "wrap")) {
            if (cfg_expect_args(w, 1, 1, err) || cfg_expect_no_block(w, err)) return -1;
            if (cfg_is_word(&w->args[0], "json")) c->format = ROUTE_LOG_FMT_JSON;
            else if (cfg_is_word(&w->args[0], "console")) c->format = ROUTE_LOG_FMT_CONSOLE;
            else return cfg_errorf(err, &w->args[0], "log format filter: wrap json or console, got '%s'",
                                   w->args[0].text.ptr);
        } else if (cfg_is_word(&w->name, "fields")) {
            if (cfg_expect_args(w, 0, 0, err)) return -1;
            if (!w->block) return cfg_errorf(err, &w->name, "log format filter: fields expects a block");
            for (size_t k = 0; k < w->block->count; k++)
                if (route_log_filter_parse(a, &w->block->items[k], &c->filters, err)) return -1;
        } else if (route_log_filter_parse(a, w, &c->filters, err)) {
            return -1;
        }
    }
    return 0;
}

static int route__log_level(const cfg_directive_t *s, route_log_conf_t *c, cfg_error_t *err)
{
    if (cfg_expect_args(s, 1, 1, err) || cfg_expect_no_block(s, err)) return -1;
    size_t k = 0;
    while (k < ROUTE_LOG_NLEVELS && !ifr_str_eq_nocase(s->args[0].text, ifr_cstr(route_log_level_names[k]))) k++;
    /* Caddy takes WARNING for WARN too. */
    if (k == ROUTE_LOG_NLEVELS && ifr_str_eq_nocase(s->args[0].text, IFR_LIT("WARNING"))) k = ROUTE_LOG_WARN;
    if (k == ROUTE_LOG_NLEVELS)
        return cfg_error_unknown(err, &s->args[0], "log level", route_log_level_names, ROUTE_LOG_NLEVELS);
    c->level = (int)k;
    return 0;
}

/* sampling { interval <duration>; first <n>; thereafter <n> }, zero or
 * missing ones taking Caddy's defaults (1s, 100, 100). */
static int route__log_sampling(ifr_arena_t *a, const cfg_directive_t *s, route_log_conf_t *c, cfg_error_t *err)
{
    static const char *const known[] = { "interval", "first", "thereafter" };
    if (cfg_expect_args(s, 0, 0, err)) return -1;
    if (!s->block) return cfg_errorf(err, &s->name, "log: sampling expects a block { interval, first, thereafter }");
    int64_t interval_ns = 0, first = 0, thereafter = 0;
    for (size_t i = 0; i < s->block->count; i++) {
        const cfg_directive_t *o = &s->block->items[i];
        const cfg_token_t *n = &o->name;
        if (!cfg_is_word(n, "interval") && !cfg_is_word(n, "first") && !cfg_is_word(n, "thereafter"))
            return cfg_error_unknown(err, n, "log sampling option", known, 3);
        if (cfg_expect_args(o, 1, 1, err) || cfg_expect_no_block(o, err)) return -1;
        if (cfg_is_word(n, "interval")) {
            if (cfg_parse_duration(&o->args[0], 0, &interval_ns, err)) return -1;
        } else if (cfg_parse_int(&o->args[0], 0, INT32_MAX, cfg_is_word(n, "first") ? &first : &thereafter, err)) {
            return -1;
        }
    }
    c->sampler = route_log_sampler_new(a, interval_ns ? interval_ns : 1000000000LL, first ? (uint64_t)first : 100,
                                       thereafter ? (uint64_t)thereafter : 100);
    return c->sampler ? 0 : cfg_errorf(err, NULL, "out of memory");
}

int route_log_conf_parse(ifr_arena_t *a, const cfg_directive_t *d, route_log_where_t where,
                         const char *base_dir, route_log_conf_t *c, cfg_error_t *err)
{
    static const char *const site_known[] = { "output", "format", "level", "sampling", "hostnames", "no_hostname" };
    static const char *const global_known[] = { "output", "format", "level", "include", "exclude", "sampling" };
    bool have_output = false, have_format = false;
    for (size_t i = 0; d->block && i < d->block->count; i++) {
        const cfg_directive_t *s = &d->block->items[i];
        const cfg_token_t *n = &s->name;
        /* As Caddy, each of these once per block. */
        if ((cfg_is_word(n, "output") && have_output) || (cfg_is_word(n, "format") && have_format))
            return cfg_errorf(err, n, "log: '%s' given twice in one block", n->text.ptr);
        if (cfg_is_word(n, "output")) {
            if (route__log_output(a, s, base_dir, c, err)) return -1;
            have_output = true;
        } else if (cfg_is_word(n, "format")) {
            if (route__log_format(a, s, c, err)) return -1;
            have_format = true;
        } else if (cfg_is_word(n, "level")) {
            if (route__log_level(s, c, err)) return -1;
        } else if (where == ROUTE_LOG_IN_SITE && cfg_is_word(n, "hostnames")) {
            if (cfg_expect_args(s, 1, SIZE_MAX, err) || cfg_expect_no_block(s, err)) return -1;
            c->hostnames = ifr_arena_calloc(a, s->nargs, sizeof(ifr_str_t));
            if (!c->hostnames) return cfg_errorf(err, NULL, "out of memory");
            for (size_t k = 0; k < s->nargs; k++) c->hostnames[k] = s->args[k].text;
            c->nhostnames = s->nargs;
        } else if (where == ROUTE_LOG_IN_SITE && cfg_is_word(n, "no_hostname")) {
            if (cfg_expect_args(s, 0, 0, err) || cfg_expect_no_block(s, err)) return -1;
            c->no_hostname = true;
        } else if (where == ROUTE_LOG_IN_GLOBAL && (cfg_is_word(n, "include") || cfg_is_word(n, "exclude"))) {
            if (cfg_expect_args(s, 1, SIZE_MAX, err) || cfg_expect_no_block(s, err)) return -1;
            if (n->text.ptr[0] == 'i') c->include = s->args, c->ninclude = s->nargs;
            else c->exclude = s->args, c->nexclude = s->nargs;
        } else if (cfg_is_word(n, "sampling")) {
            if (c->sampler) return cfg_errorf(err, n, "log: 'sampling' given twice in one block");
            if (route__log_sampling(a, s, c, err)) return -1;
        } else if (where == ROUTE_LOG_IN_SITE && (cfg_is_word(n, "include") || cfg_is_word(n, "exclude"))) {
            return cfg_errorf(err, n, "log: %s is a global log option (a site's log takes its own entries only)",
                              n->text.ptr);
        } else if (where == ROUTE_LOG_IN_GLOBAL && (cfg_is_word(n, "hostnames") || cfg_is_word(n, "no_hostname"))) {
            return cfg_errorf(err, n, "log: %s is an option of a site's log directive, not of the global one",
                              n->text.ptr);
        } else if (where == ROUTE_LOG_IN_SITE) {
            return cfg_error_unknown(err, n, "log option", site_known, sizeof site_known / sizeof site_known[0]);
        } else {
            return cfg_error_unknown(err, n, "log option", global_known,
                                     sizeof global_known / sizeof global_known[0]);
        }
    }
    c->own = have_output || have_format || c->level != ROUTE_LOG_INFO || c->sampler;
    if (c->nhostnames && c->no_hostname)
        return cfg_errorf(err, &d->name, "log: hostnames and no_hostname cannot be used together");
    return 0;
}
