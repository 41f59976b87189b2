/* A log budget for what one guest (a function, a plugin) writes to the
 * server log: at most `rate` bytes of messages per second, shared by all
 * its requests on every worker. Lines past it are dropped and counted; the
 * first line let through in a later second reports how many were dropped.
 * Safe from any thread; a zeroed budget is ready to use. */
#ifndef IFRIT_BASE_LOG_BUDGET_H
#define IFRIT_BASE_LOG_BUDGET_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a guest may log per second (docs/functions.md, docs/plugins.md). */
#define IFR_LOG_GUEST_RATE (256u << 10)

typedef struct {
    _Atomic int64_t second;       /* the window's second */
    _Atomic uint64_t used;        /* bytes let through in it */
    _Atomic uint64_t dropped;     /* lines dropped and not reported yet */
} ifr_log_budget_t;

/* True if a message of n bytes may be logged now. *report gets the number
 * of lines dropped before it (0 mostly): the caller logs that first. */
bool ifr_log_budget_take(ifr_log_budget_t *b, uint64_t rate, size_t n, uint64_t *report);

/* The clock the windows follow, in seconds (monotonic); tests replace it. */
extern int64_t (*ifr_log_budget_clock)(void);

#endif
