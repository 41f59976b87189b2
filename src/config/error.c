/* Building and printing cfg_error_t values. */
#include <stdarg.h>
#include <stdio.h>

#include "config/caddyfile.h"
#include "config/dispense.h"

int cfg_errorf(cfg_error_t *err, const cfg_token_t *at, const char *fmt, ...)
{
    snprintf(err->file, sizeof err->file, "%s", at && at->file ? at->file : "<input>");
    err->line = at ? at->line : 0;
    err->col = at ? at->col : 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return -1;
}

const char *cfg_error_str(const cfg_error_t *err, char *buf, size_t size)
{
    if (err->line > 0)
        snprintf(buf, size, "%s:%d:%d: %s", err->file, err->line, err->col, err->message);
    else
        snprintf(buf, size, "%s: %s", err->file, err->message);
    return buf;
}
