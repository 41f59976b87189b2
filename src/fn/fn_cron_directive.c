/* `cron "SPEC" FILE` (Gojinn's option, docs/functions.md "Cron"): SPEC is
 * six fields with seconds, five, a descriptor or "@every DUR"; FILE is
 * loaded as a function with the options of the block it is in, and each
 * time SPEC fires the server queues it a job (srv_fnhost_cron.c). */
#include <stdio.h>
#include <string.h>

#include "config/dispense.h"
#include "fn/fn_cron.h"
#include "fn/fn_cron_directive.h"
#include "fn/fn_jobs.h"
#include "http/message.h"

int fn_cron_option(route_parse_t *p, const cfg_directive_t *s, fn_config_t *c)
{
    if (cfg_expect_args(s, 2, 2, p->err) != 0) return -1;
    const cfg_token_t *spec = &s->args[0];
    fn_cron_entry_t *list = ifr_arena_alloc(p->arena, (c->ncrons + 1) * sizeof *list);
    if (!list) return cfg_errorf(p->err, NULL, "out of memory");
    if (c->ncrons) memcpy(list, c->crons, c->ncrons * sizeof *list);
    fn_cron_entry_t *e = &list[c->ncrons];
    memset(e, 0, sizeof *e);
    ifr_str_t text = spec->text;
    if (ifr_str_starts_with(text, IFR_LIT("@every "))) {
        cfg_token_t dur = *spec;
        dur.text = http_trim_ows(ifr_str_sub(text, 7, text.len));
        int64_t ns;
        if (cfg_parse_duration(&dur, 0, &ns, p->err) != 0) return -1;
        if (ns < 1000000000LL) return cfg_errorf(p->err, spec, "cron: @every needs at least 1s");
        e->spec.every_ms = ns / 1000000;
    } else {
        char why[200];
        if (fn_cron_parse(text, &e->spec, why, sizeof why) != 0) return cfg_errorf(p->err, spec, "cron: %s", why);
    }
    e->text = spec->text.ptr;
    e->path = route_parse_path(p, s->args[1].text);
    e->at = &s->args[1];
    if (!e->path) return cfg_errorf(p->err, NULL, "out of memory");
    c->crons = list;
    c->ncrons++;
    return 0;
}

static void fn__cron_free(void *f)
{
    fn_jobs_forget(f);
    fn_function_free(f);
}

int fn_cron_load(route_parse_t *p, const fn_config_t *c)
{
    for (size_t i = 0; i < c->ncrons; i++) {
        const fn_cron_entry_t *e = &c->crons[i];
        fn_config_t *cc = ifr_arena_alloc(p->arena, sizeof *cc);
        if (!cc) return cfg_errorf(p->err, NULL, "out of memory");
        *cc = *c;
        cc->path = e->path;
        const char *slash = strrchr(e->path, '/');
        cc->name = slash ? slash + 1 : e->path;
        cc->crons = NULL;
        cc->ncrons = 0;
        char why[300];
        fn_function_t *f = fn_function_load(cc, why, sizeof why);
        if (!f) return cfg_errorf(p->err, e->at, "cron: %s: %s", e->path, why);
        if (fn_jobs_remember_cron(f, p->plan, e) < 0 || ifr_arena_on_cleanup(p->arena, fn__cron_free, f) < 0) {
            fn__cron_free(f);
            return cfg_errorf(p->err, NULL, "out of memory");
        }
    }
    return 0;
}
