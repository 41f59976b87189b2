/* A small JSON reader: parses a whole document into a tree in an arena.
 * Strict RFC 8259 (no comments, no trailing commas), depth-limited, never
 * crashes on bad input; errors carry the byte offset and a sentence.
 *
 * Ownership: every node and string belongs to the arena passed to
 * ifr_json_parse; strings are unescaped copies (NUL-terminated, but may
 * contain NUL bytes: use .len).
 *
 * Where RFC 8259 leaves a choice: the text must be valid UTF-8 (overlong
 * forms, encoded surrogates and truncated sequences are errors); a \u
 * escape of a lone surrogate is an error (it has no UTF-8 form); \u0000
 * gives a NUL byte inside the string; a leading UTF-8 BOM is skipped;
 * numbers beyond double range read as +/-HUGE_VAL (raw_number keeps the
 * exact text, NUL-terminated, and the integer accessors read that). The
 * parse is iterative: IFR_JSON_MAX_DEPTH bounds memory, not the C stack. */
#ifndef IFRIT_BASE_JSON_READ_H
#define IFRIT_BASE_JSON_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/str.h"

typedef enum {
    IFR_JSON_NULL, IFR_JSON_BOOL, IFR_JSON_NUMBER, IFR_JSON_STRING, IFR_JSON_ARRAY, IFR_JSON_OBJECT
} ifr_json_type_t;

typedef struct ifr_json ifr_json_t;
typedef struct ifr_json_member ifr_json_member_t;

struct ifr_json {
    ifr_json_type_t type;
    bool boolean;
    double number;          /* IFR_JSON_NUMBER as a double */
    ifr_str_t raw_number;   /* the number's text as written, for exact integers */
    ifr_str_t string;       /* IFR_JSON_STRING, unescaped */
    ifr_json_t *items;      /* IFR_JSON_ARRAY: count elements */
    ifr_json_member_t *members; /* IFR_JSON_OBJECT: count members, in document order */
    size_t count;
};

struct ifr_json_member {
    ifr_str_t key;
    ifr_json_t value;
};

typedef struct {
    size_t offset;
    char message[160];
} ifr_json_error_t;

#define IFR_JSON_MAX_DEPTH 512

/* NULL on a syntax error (fills *err) or arena exhaustion. */
ifr_json_t *ifr_json_parse(ifr_arena_t *a, const char *text, size_t len, ifr_json_error_t *err);
/* The first member called key of an object, or NULL (also for non-objects). */
const ifr_json_t *ifr_json_get(const ifr_json_t *obj, const char *key);
/* Integer value of a NUMBER node if it is an integer exactly representable
 * in int64_t (no fraction, no exponent making it non-integral); else false. */
bool ifr_json_int64(const ifr_json_t *n, int64_t *out);
/* Same for unsigned 64-bit (wast2json writes u64 values as decimal strings,
 * so this also accepts a STRING node of decimal digits). */
bool ifr_json_uint64(const ifr_json_t *n, uint64_t *out);

#endif
