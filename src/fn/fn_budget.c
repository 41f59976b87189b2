/* The server-wide budget for guest memory (fn.h): a cap and the bytes
 * reserved under it, both atomic, so every worker admits sandboxes
 * without a lock. A reservation is a sandbox's whole memory cap, taken
 * before its instance exists and given back when it is freed. */
#include <stdatomic.h>

#include "fn/fn_function.h"

static _Atomic uint64_t fn__budget_cap;
static _Atomic uint64_t fn__budget_used;

void fn_memory_budget_set(uint64_t bytes) { atomic_store(&fn__budget_cap, bytes); }

uint64_t fn_memory_budget(void) { return atomic_load(&fn__budget_cap); }

fn_admit_t fn_budget_take(uint64_t bytes)
{
    uint64_t cap = atomic_load(&fn__budget_cap);
    uint64_t used = atomic_load(&fn__budget_used);
    do {
        if (cap && bytes > cap) return FN_ADMIT_NEVER;
        if (cap && used + bytes > cap) return FN_ADMIT_NO_MEMORY;
    } while (!atomic_compare_exchange_weak(&fn__budget_used, &used, used + bytes));
    return FN_ADMIT_OK;
}

void fn_budget_release(uint64_t bytes) { atomic_fetch_sub(&fn__budget_used, bytes); }
