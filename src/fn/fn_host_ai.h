/* AI calls (fn_host_ai.c): what the load checks of a function granted ai. */
#ifndef IFRIT_FN_FN_HOST_AI_H
#define IFRIT_FN_FN_HOST_AI_H

#include <stddef.h>

#include "fn/fn_host_conf.h"

/* The chat-completions URL the function's calls POST to: ai_endpoint, or
 * its provider's default. */
const char *fn_host_ai_endpoint(const fn_host_config_t *h);
/* For a block granting ai: -1 with a sentence in why when allow_host does
 * not cover the endpoint's host (every call would be denied), else 0. */
int fn_host_ai_check(const fn_host_config_t *h, char *why, size_t size);

#endif
