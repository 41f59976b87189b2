/* Cron schedules (the `cron "SPEC" FILE` option; docs/functions.md,
 * "Cron"): Gojinn's six fields with seconds (robfig/cron's), the standard
 * five (seconds 0), the descriptors @yearly @annually @monthly @weekly
 * @daily @midnight @hourly, and @every DUR. Times are the server's local
 * time, to the second. */
#ifndef IFRIT_FN_FN_CRON_H
#define IFRIT_FN_FN_CRON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/str.h"

typedef struct {
    uint64_t second, minute;     /* bit N: N is in the set */
    uint32_t hour, dom;          /* hours 0-23; days of the month 1-31 */
    uint16_t month;              /* 1-12 */
    uint8_t dow;                 /* 0-6, Sunday 0 */
    bool dom_star, dow_star;     /* written as * or ?: the other day field alone decides */
    int64_t every_ms;            /* @every: the interval (the fields are unused) */
} fn_cron_spec_t;

/* One `cron "SPEC" FILE` of a wasm block: FILE (resolved) runs as a job
 * with the block's options each time SPEC fires. */
typedef struct fn_cron_entry {
    fn_cron_spec_t spec;
    const char *text;            /* SPEC as written, for logs */
    const char *path;
    const void *at;              /* its cfg_token_t, for errors while the plan loads */
} fn_cron_entry_t;

/* Parses the fields or a descriptor (not @every: the caller parses its
 * duration and sets every_ms). 0, or -1 with a sentence in why. */
int fn_cron_parse(ifr_str_t text, fn_cron_spec_t *out, char *why, size_t size);
/* The first time after after_ms (ms since the epoch) the schedule fires:
 * for @every, after_ms + the interval; -1 when the fields never match
 * within five years (the 31st of February). */
int64_t fn_cron_next(const fn_cron_spec_t *s, int64_t after_ms);

#endif
