/* Linking a function's host imports at load (fn_host_link.c). */
#ifndef IFRIT_FN_FN_HOST_LINK_H
#define IFRIT_FN_FN_HOST_LINK_H

#include <stddef.h>

#include "fn/fn_function.h"

/* Defines in l every `gojinn` and `ifrit_host` function f's module
 * imports, each in the form its declared type asks for, and opens f's KV
 * store when its block grants a KV capability. 0, or -1 with a sentence
 * in why naming the import or the store. */
int fn_host_link(iw_linker_t *l, fn_function_t *f, char *why, size_t size);
/* For a function that runs outside the engine (fn_runner.h, the edge):
 * -1 with a sentence when its block grants host calls other than
 * served (FN_PERM_* bits the runner's host serves), or asks for signed
 * modules or schedules, which only the native server serves yet. */
int fn_host_check_runner(const fn_config_t *c, unsigned served, char *why, size_t size);

#endif
