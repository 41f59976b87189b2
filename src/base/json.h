/* JSON output helpers. (The JSON reader lives beside them in json_read.h.) */
#ifndef IFRIT_BASE_JSON_H
#define IFRIT_BASE_JSON_H

#include <stddef.h>
#include "base/buf.h"
#include "base/str.h"

/* Writes s as a quoted JSON string into dst (at most cap bytes, never a
 * partial escape). Returns the bytes written. Invalid UTF-8 bytes are
 * written as \u00XX so the output is always valid JSON. */
size_t ifr_json_escape_to(char *dst, size_t cap, ifr_str_t s);

/* Appends s as a quoted JSON string. -1 if the buffer cannot grow. */
int ifr_json_append_string(ifr_buf_t *b, ifr_str_t s);

#endif
