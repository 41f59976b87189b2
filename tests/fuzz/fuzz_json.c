/* libFuzzer target for the JSON reader (base/json_read.h). Must never
 * crash or read out of bounds, and must agree with itself: an accepted
 * document, written back out (strings re-escaped, numbers as their raw
 * text), parses to the same tree. Integer accessors must agree with the
 * double where the double is exact. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/json_read.h"

static void write_value(ifr_buf_t *b, const ifr_json_t *v)
{
    switch (v->type) {
    case IFR_JSON_NULL: ifr_buf_append_cstr(b, "null"); break;
    case IFR_JSON_BOOL: ifr_buf_append_cstr(b, v->boolean ? "true" : "false"); break;
    case IFR_JSON_NUMBER: ifr_buf_append_str(b, v->raw_number); break;
    case IFR_JSON_STRING: ifr_json_append_string(b, v->string); break;
    case IFR_JSON_ARRAY:
        ifr_buf_append_byte(b, '[');
        for (size_t i = 0; i < v->count; i++) {
            if (i) ifr_buf_append_byte(b, ',');
            write_value(b, &v->items[i]);
        }
        ifr_buf_append_byte(b, ']');
        break;
    case IFR_JSON_OBJECT:
        ifr_buf_append_byte(b, '{');
        for (size_t i = 0; i < v->count; i++) {
            if (i) ifr_buf_append_byte(b, ',');
            ifr_json_append_string(b, v->members[i].key);
            ifr_buf_append_byte(b, ':');
            write_value(b, &v->members[i].value);
        }
        ifr_buf_append_byte(b, '}');
        break;
    }
}

static bool same_value(const ifr_json_t *a, const ifr_json_t *b)
{
    if (a->type != b->type) return false;
    switch (a->type) {
    case IFR_JSON_NULL: return true;
    case IFR_JSON_BOOL: return a->boolean == b->boolean;
    case IFR_JSON_NUMBER:
        return ifr_str_eq(a->raw_number, b->raw_number) &&
               (a->number == b->number || (isnan(a->number) && isnan(b->number)));
    case IFR_JSON_STRING: return ifr_str_eq(a->string, b->string);
    case IFR_JSON_ARRAY:
        if (a->count != b->count) return false;
        for (size_t i = 0; i < a->count; i++)
            if (!same_value(&a->items[i], &b->items[i])) return false;
        return true;
    case IFR_JSON_OBJECT:
        if (a->count != b->count) return false;
        for (size_t i = 0; i < a->count; i++)
            if (!ifr_str_eq(a->members[i].key, b->members[i].key) ||
                !same_value(&a->members[i].value, &b->members[i].value))
                return false;
        return true;
    }
    return false;
}

static void check_numbers(const ifr_json_t *v)
{
    if (v->type == IFR_JSON_NUMBER) {
        if (v->raw_number.len == 0) abort();
        int64_t i;
        uint64_t u;
        if (ifr_json_int64(v, &i) && i > -(1LL << 53) && i < (1LL << 53) && (double)i != v->number) abort();
        if (ifr_json_uint64(v, &u) && u < (1ULL << 53) && (double)u != v->number) abort();
    }
    if (v->type == IFR_JSON_ARRAY)
        for (size_t i = 0; i < v->count; i++) check_numbers(&v->items[i]);
    if (v->type == IFR_JSON_OBJECT)
        for (size_t i = 0; i < v->count; i++) check_numbers(&v->members[i].value);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ifr_arena_t arena;
    ifr_arena_init(&arena, 0);
    ifr_json_error_t err;
    /* A private copy of exactly size bytes, so over-reads show up under ASan. */
    char *text = malloc(size ? size : 1);
    if (size) memcpy(text, data, size);
    ifr_json_t *v = ifr_json_parse(&arena, text, size, &err);
    if (!v) {
        if (err.offset > size || err.message[0] == '\0') abort();
    } else {
        check_numbers(v);
        ifr_buf_t out = IFR_BUF_INIT;
        write_value(&out, v);
        ifr_arena_t arena2;
        ifr_arena_init(&arena2, 0);
        ifr_json_t *again = ifr_json_parse(&arena2, out.data, out.len, &err);
        if (!again || !same_value(v, again)) abort();
        ifr_arena_destroy(&arena2);
        ifr_buf_free(&out);
    }
    free(text);
    ifr_arena_destroy(&arena);
    return 0;
}
