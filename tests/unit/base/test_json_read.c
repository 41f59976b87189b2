/* Unit tests of the JSON reader (base/json_read.h): the RFC 8259 grammar,
 * string unescaping to UTF-8, numbers, limits, error offsets, and the
 * integer accessors the spec-test runner relies on. */
#define TEST_SUITE "base/json_read"
#include "testing.h"

#include <math.h>
#include <stdlib.h>

#include "base/json_read.h"

static ifr_arena_t arena;
static ifr_json_error_t err;

/* Parses a C string (length from strlen) or exactly len bytes. */
static ifr_json_t *parse_n(const char *text, size_t len)
{
    ifr_arena_reset(&arena);
    return ifr_json_parse(&arena, text, len, &err);
}
static ifr_json_t *parse(const char *text) { return parse_n(text, strlen(text)); }

/* True when text is rejected with an error at byte `offset` whose message
 * contains `words`. */
static bool rejects_at(const char *text, size_t offset, const char *words)
{
    if (parse(text)) return false;
    if (err.offset != offset || !strstr(err.message, words)) {
        printf("  (got offset %zu: %s)\n", err.offset, err.message);
        return false;
    }
    return true;
}

static void test_scalars(void)
{
    ifr_json_t *v = parse("null");
    CHECK(v && v->type == IFR_JSON_NULL);
    v = parse(" true ");
    CHECK(v && v->type == IFR_JSON_BOOL && v->boolean);
    v = parse("\t\r\nfalse");
    CHECK(v && v->type == IFR_JSON_BOOL && !v->boolean);
    v = parse("\"hi\"");
    CHECK(v && v->type == IFR_JSON_STRING);
    if (v) CHECK_MEM_EQ(v->string.ptr, v->string.len, "hi");
    v = parse("42");
    CHECK(v && v->type == IFR_JSON_NUMBER && v->number == 42.0);
}

static void test_nested_structure(void)
{
    ifr_json_t *v = parse("{\"a\": [1, {\"b\": null}, []], \"c\": {}, \"d\": \"x\"}");
    CHECK(v && v->type == IFR_JSON_OBJECT && v->count == 3);
    if (!v) return;
    const ifr_json_t *a = ifr_json_get(v, "a");
    CHECK(a && a->type == IFR_JSON_ARRAY && a->count == 3);
    if (a && a->count == 3) {
        CHECK(a->items[0].type == IFR_JSON_NUMBER && a->items[0].number == 1);
        CHECK(a->items[1].type == IFR_JSON_OBJECT && a->items[1].count == 1);
        const ifr_json_t *b = ifr_json_get(&a->items[1], "b");
        CHECK(b && b->type == IFR_JSON_NULL);
        CHECK(a->items[2].type == IFR_JSON_ARRAY && a->items[2].count == 0);
    }
    const ifr_json_t *c = ifr_json_get(v, "c");
    CHECK(c && c->type == IFR_JSON_OBJECT && c->count == 0);
    const ifr_json_t *d = ifr_json_get(v, "d");
    CHECK(d && d->type == IFR_JSON_STRING);
    CHECK(ifr_json_get(v, "missing") == NULL);
    CHECK(ifr_json_get(a, "a") == NULL);   /* not an object */
    CHECK(ifr_json_get(NULL, "a") == NULL);
}

static void test_wide_containers(void)
{
    /* Wider than the parser's inline scratch, so its heap path runs, with
     * nesting so that inner containers close while outer ones are open. */
    enum { N = 3000 };
    char *text = malloc(N * 32 + 16);
    size_t n = 0;
    text[n++] = '[';
    for (int i = 0; i < N; i++) n += (size_t)sprintf(text + n, "%s[%d,{\"k\":%d}]", i ? "," : "", i, -i);
    text[n++] = ']';
    ifr_json_t *v = parse_n(text, n);
    CHECK(v && v->type == IFR_JSON_ARRAY && v->count == N);
    if (v && v->count == N) {
        bool ok = true;
        for (int i = 0; i < N; i++) {
            const ifr_json_t *e = &v->items[i];
            int64_t a = -1, b = 1;
            ok = ok && e->type == IFR_JSON_ARRAY && e->count == 2 && ifr_json_int64(&e->items[0], &a) &&
                 a == i && ifr_json_int64(ifr_json_get(&e->items[1], "k"), &b) && b == -i;
        }
        CHECK(ok);
    }
    free(text);
}

static void test_duplicate_keys_kept_in_order(void)
{
    ifr_json_t *v = parse("{\"k\":1,\"j\":2,\"k\":3}");
    CHECK(v && v->count == 3);
    if (!v || v->count != 3) return;
    CHECK_MEM_EQ(v->members[0].key.ptr, v->members[0].key.len, "k");
    CHECK_MEM_EQ(v->members[1].key.ptr, v->members[1].key.len, "j");
    CHECK_MEM_EQ(v->members[2].key.ptr, v->members[2].key.len, "k");
    CHECK(v->members[2].value.number == 3);
    const ifr_json_t *first = ifr_json_get(v, "k");
    CHECK(first && first->number == 1);
}

static void test_string_escapes(void)
{
    ifr_json_t *v = parse("\"a\\\"b\\\\c\\/d\\be\\ff\\ng\\rh\\ti\"");
    CHECK(v && v->type == IFR_JSON_STRING);
    if (v) CHECK_MEM_EQ(v->string.ptr, v->string.len, "a\"b\\c/d\be\ff\ng\rh\ti");
    v = parse("\"\\u0041\\u00e9\\u20AC\\ud83d\\ude00\"");   /* A é € 😀 */
    CHECK(v != NULL);
    if (v) CHECK_MEM_EQ(v->string.ptr, v->string.len, "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
    v = parse("\"\\uDBFF\\uDFFF\"");                        /* U+10FFFF */
    CHECK(v != NULL);
    if (v) CHECK_MEM_EQ(v->string.ptr, v->string.len, "\xF4\x8F\xBF\xBF");
    v = parse("\"\"");
    CHECK(v && v->string.len == 0 && v->string.ptr && v->string.ptr[0] == '\0');
}

static void test_nul_inside_string(void)
{
    ifr_json_t *v = parse("{\"a\\u0000b\": \"x\\u0000y\"}");
    CHECK(v && v->count == 1);
    if (!v || v->count != 1) return;
    CHECK(v->members[0].key.len == 3 && memcmp(v->members[0].key.ptr, "a\0b", 3) == 0);
    CHECK(v->members[0].value.string.len == 3 && memcmp(v->members[0].value.string.ptr, "x\0y", 3) == 0);
    CHECK(v->members[0].value.string.ptr[3] == '\0');
    /* ifr_json_get takes a C string: it cannot name a key with a NUL in it. */
    CHECK(ifr_json_get(v, "a") == NULL);
}

static void test_utf8_passthrough_and_rejection(void)
{
    ifr_json_t *v = parse("\"h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80\"");
    CHECK(v != NULL);
    if (v) CHECK_MEM_EQ(v->string.ptr, v->string.len, "h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80");
    CHECK(rejects_at("\"ab\xFF\"", 3, "invalid UTF-8"));
    CHECK(rejects_at("\"\xC0\xAF\"", 1, "invalid UTF-8"));          /* overlong '/' */
    CHECK(rejects_at("\"\xE0\x80\xAF\"", 1, "invalid UTF-8"));      /* overlong, 3 bytes */
    CHECK(rejects_at("\"\xED\xA0\x80\"", 1, "invalid UTF-8"));      /* encoded surrogate */
    CHECK(rejects_at("\"\xF4\x90\x80\x80\"", 1, "invalid UTF-8"));  /* past U+10FFFF */
    CHECK(rejects_at("\"\xE2\x82\"", 1, "invalid UTF-8"));          /* truncated */
    CHECK(rejects_at("\"\x80\"", 1, "invalid UTF-8"));              /* lone continuation */
    CHECK(rejects_at("\xFF", 0, "invalid UTF-8"));
}

static void test_surrogate_escapes(void)
{
    CHECK(rejects_at("\"\\ud800\"", 1, "high surrogate"));
    CHECK(rejects_at("\"x\\ud800\\u0041\"", 2, "high surrogate"));
    CHECK(rejects_at("\"\\ud800\\ud800\"", 1, "high surrogate"));
    CHECK(rejects_at("\"\\udc00\"", 1, "lone low surrogate"));
    CHECK(rejects_at("\"\\ud800", 0, "unterminated string"));
}

static void test_bad_strings(void)
{
    CHECK(rejects_at("\"abc", 0, "unterminated string"));
    CHECK(rejects_at("\"abc\\", 0, "unterminated string"));
    CHECK(rejects_at("\"a\nb\"", 2, "control character"));
    CHECK(rejects_at("\"a\tb\"", 2, "control character"));
    CHECK(rejects_at("\"\\x41\"", 1, "invalid escape"));
    CHECK(rejects_at("\"\\u12\"", 1, "\\u escape"));
    CHECK(rejects_at("\"\\u12g4\"", 1, "hex digits"));
    CHECK(rejects_at("'a'", 0, "unexpected character"));
    /* A NUL byte where the escape letter should be is an invalid escape,
     * not the end of the text. */
    CHECK(parse_n("\"\\\0\"", 4) == NULL && err.offset == 1);
}

static void test_numbers(void)
{
    struct { const char *text; double value; } ok[] = {
        { "0", 0 }, { "-0", -0.0 }, { "1", 1 }, { "-12", -12 }, { "3.25", 3.25 },
        { "1e3", 1000 }, { "1E+3", 1000 }, { "25e-2", 0.25 }, { "-1.5E2", -150 },
        { "0.1", 0.1 }, { "123456789012345678901234567890", 1.2345678901234568e29 },
        { "2.2250738585072014e-308", 2.2250738585072014e-308 },
        { "9007199254740993", 9007199254740992.0 },   /* rounds to even */
        { "1e-400", 0.0 },
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        ifr_json_t *v = parse(ok[i].text);
        CHECK(v && v->type == IFR_JSON_NUMBER);
        if (!v) { printf("  (%s)\n", ok[i].text); continue; }
        if (v->number != ok[i].value) printf("  (%s gave %.17g)\n", ok[i].text, v->number);
        CHECK(v->number == ok[i].value);
        CHECK_MEM_EQ(v->raw_number.ptr, v->raw_number.len, ok[i].text);
    }
    ifr_json_t *v = parse("-0");
    CHECK(v && signbit(v->number));
    v = parse("1e400");
    CHECK(v && isinf(v->number) && v->number > 0);
    v = parse("-1e99999999999999999999");
    CHECK(v && isinf(v->number) && v->number < 0);
    /* A number at the very end of an unterminated buffer: the parser must
     * not read past len (ASan would see it; the byte after is a digit). */
    v = parse_n("12345", 3);
    CHECK(v && v->number == 123);
    if (v) CHECK_MEM_EQ(v->raw_number.ptr, v->raw_number.len, "123");
}

static void test_bad_numbers(void)
{
    CHECK(rejects_at("01", 0, "leading zeros"));
    CHECK(rejects_at("-", 0, "digit must follow '-'"));
    CHECK(rejects_at("-a", 0, "digit must follow '-'"));
    CHECK(rejects_at("1.", 2, "decimal point"));
    CHECK(rejects_at("1.e5", 2, "decimal point"));
    CHECK(rejects_at("1e", 2, "exponent"));
    CHECK(rejects_at("1e+", 3, "exponent"));
    CHECK(rejects_at("+1", 0, "unexpected character"));
    CHECK(rejects_at(".5", 0, "unexpected character"));
    CHECK(rejects_at("0x10", 1, "after the JSON value"));
    CHECK(rejects_at("NaN", 0, "unexpected character"));
    CHECK(rejects_at("Infinity", 0, "unexpected character"));
    CHECK(rejects_at("[1,-]", 3, "digit must follow '-'"));
}

static void test_structure_errors(void)
{
    CHECK(rejects_at("", 0, "end of input"));
    CHECK(rejects_at("   ", 3, "end of input"));
    CHECK(rejects_at("[1,2", 4, "',' or ']'"));
    CHECK(rejects_at("[1,2,]", 5, "unexpected character"));   /* trailing comma */
    CHECK(rejects_at("{\"a\":1,}", 7, "object key"));
    CHECK(rejects_at("{\"a\" 1}", 5, "':'"));
    CHECK(rejects_at("{\"a\":}", 5, "unexpected character"));
    CHECK(rejects_at("{a:1}", 1, "object key"));
    CHECK(rejects_at("{\"a\":1 \"b\":2}", 7, "',' or '}'"));
    CHECK(rejects_at("[1 2]", 3, "',' or ']'"));
    CHECK(rejects_at("[}", 1, "unexpected character"));
    CHECK(rejects_at("{\"a\":1]", 6, "',' or '}'"));
    CHECK(rejects_at("{", 1, "object key"));
    CHECK(rejects_at("[", 1, "end of input"));
    CHECK(rejects_at("tru", 0, "unexpected character"));
    CHECK(rejects_at("nul", 0, "unexpected character"));
    CHECK(rejects_at("[1] /* c */", 4, "after the JSON value"));
    CHECK(rejects_at("// c\n1", 0, "unexpected character"));
}

static void test_trailing_garbage(void)
{
    CHECK(rejects_at("{} x", 3, "after the JSON value"));
    CHECK(rejects_at("1 2", 2, "after the JSON value"));
    CHECK(rejects_at("truex", 4, "after the JSON value"));
    CHECK(rejects_at("nullnull", 4, "after the JSON value"));
    CHECK(parse_n("{}\0", 3) == NULL && err.offset == 2);
    CHECK(parse("[] \n\t\r") != NULL);
}

static void test_truncated_everywhere(void)
{
    /* Every proper prefix of a valid document is rejected, with an offset
     * inside the prefix, and never read beyond it. */
    const char *doc = "{\"a\":[1,-2.5e3,true,false,null,\"s\\u00e9\\ud83d\\ude00\\n\"],\"b\":{\"c\":{}}}";
    size_t n = strlen(doc);
    CHECK(parse(doc) != NULL);
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        char *copy = malloc(i ? i : 1);   /* exact size: ASan sees over-reads */
        memcpy(copy, doc, i);
        ifr_json_t *v = parse_n(copy, i);
        /* A prefix ending in a complete number is not a valid document
         * either, since the object is still open. */
        if (v || err.offset > i || err.message[0] == '\0') {
            printf("  (prefix of %zu bytes: offset %zu: %s)\n", i, err.offset, err.message);
            ok = false;
        }
        free(copy);
    }
    CHECK(ok);
}

static char *nested(int depth, const char *open, const char *close, const char *inner)
{
    size_t lo = strlen(open), lc = strlen(close), li = strlen(inner);
    char *s = malloc((size_t)depth * (lo + lc) + li + 1);
    size_t n = 0;
    for (int i = 0; i < depth; i++) { memcpy(s + n, open, lo); n += lo; }
    memcpy(s + n, inner, li); n += li;
    for (int i = 0; i < depth; i++) { memcpy(s + n, close, lc); n += lc; }
    s[n] = '\0';
    return s;
}

static void test_depth_limit(void)
{
    char *ok = nested(IFR_JSON_MAX_DEPTH, "[", "]", "1");
    ifr_json_t *v = parse(ok);
    CHECK(v != NULL);
    int depth = 0;
    for (const ifr_json_t *p = v; p && p->type == IFR_JSON_ARRAY; p = p->count ? &p->items[0] : NULL) depth++;
    CHECK_INT_EQ(depth, IFR_JSON_MAX_DEPTH);
    free(ok);

    char *too_deep = nested(IFR_JSON_MAX_DEPTH + 1, "[", "]", "");
    CHECK(rejects_at(too_deep, IFR_JSON_MAX_DEPTH, "nesting too deep"));
    free(too_deep);

    char *objs = nested(IFR_JSON_MAX_DEPTH + 1, "{\"k\":", "}", "0");
    CHECK(rejects_at(objs, (size_t)IFR_JSON_MAX_DEPTH * 5, "nesting too deep"));
    free(objs);

    /* Far deeper than any stack would survive with a recursive parser. */
    char *huge = nested(1000000, "[", "]", "");
    CHECK(rejects_at(huge, IFR_JSON_MAX_DEPTH, "nesting too deep"));
    free(huge);
}

static void test_bom_and_null_text(void)
{
    ifr_json_t *v = parse("\xEF\xBB\xBF{\"a\":1}");
    CHECK(v && v->type == IFR_JSON_OBJECT);
    CHECK(rejects_at("\xEF\xBB\xBF", 3, "end of input"));
    CHECK(ifr_json_parse(&arena, NULL, 0, &err) == NULL);
    CHECK(ifr_json_parse(&arena, "1", 1, NULL) != NULL);   /* err is optional */
    CHECK(ifr_json_parse(&arena, "x", 1, NULL) == NULL);
}

static void test_arena_cap(void)
{
    /* Running out of arena is an error value, not a crash. */
    ifr_arena_t small;
    ifr_arena_init(&small, 256);
    small.cap = 256;
    char *doc = nested(50, "[\"aaaaaaaaaaaaaaaa\",", "]", "1");
    CHECK(ifr_json_parse(&small, doc, strlen(doc), &err) == NULL);
    CHECK(strstr(err.message, "out of memory") != NULL);
    free(doc);
    ifr_arena_destroy(&small);
}

static bool int64_of(const char *text, int64_t *out)
{
    ifr_json_t *v = parse(text);
    return v && ifr_json_int64(v, out);
}

static bool uint64_of(const char *text, uint64_t *out)
{
    ifr_json_t *v = parse(text);
    return v && ifr_json_uint64(v, out);
}

static void test_int64(void)
{
    int64_t i = 0;
    CHECK(int64_of("0", &i) && i == 0);
    CHECK(int64_of("-0", &i) && i == 0);
    CHECK(int64_of("42", &i) && i == 42);
    CHECK(int64_of("-42", &i) && i == -42);
    CHECK(int64_of("9223372036854775807", &i) && i == INT64_MAX);
    CHECK(int64_of("-9223372036854775808", &i) && i == INT64_MIN);
    CHECK(!int64_of("9223372036854775808", &i));
    CHECK(!int64_of("-9223372036854775809", &i));
    CHECK(!int64_of("99999999999999999999999", &i));
    CHECK(int64_of("1e3", &i) && i == 1000);
    CHECK(int64_of("1.50e1", &i) && i == 15);
    CHECK(int64_of("1200e-2", &i) && i == 12);
    CHECK(int64_of("0.0", &i) && i == 0);
    CHECK(int64_of("0e999999999999", &i) && i == 0);
    CHECK(int64_of("0.000e-99999999999", &i) && i == 0);
    CHECK(int64_of("9.223372036854775807e18", &i) && i == INT64_MAX);
    CHECK(!int64_of("1.5", &i));
    CHECK(!int64_of("1e-1", &i));
    CHECK(!int64_of("1e19", &i));
    CHECK(!int64_of("1e99999999999", &i));
    CHECK(!int64_of("\"5\"", &i));   /* strings are not numbers here */
    CHECK(!int64_of("true", &i));
    CHECK(!ifr_json_int64(NULL, &i));
}

static void test_uint64(void)
{
    uint64_t u = 0;
    CHECK(uint64_of("18446744073709551615", &u) && u == UINT64_MAX);
    CHECK(!uint64_of("18446744073709551616", &u));
    CHECK(uint64_of("-0", &u) && u == 0);
    CHECK(!uint64_of("-1", &u));
    CHECK(uint64_of("1.8446744073709551615e19", &u) && u == UINT64_MAX);
    /* wast2json's form: 64-bit values as decimal digit strings. */
    CHECK(uint64_of("\"18446744073709551615\"", &u) && u == UINT64_MAX);
    CHECK(uint64_of("\"0\"", &u) && u == 0);
    CHECK(uint64_of("\"0042\"", &u) && u == 42);
    CHECK(!uint64_of("\"18446744073709551616\"", &u));
    CHECK(!uint64_of("\"\"", &u));
    CHECK(!uint64_of("\"-1\"", &u));
    CHECK(!uint64_of("\"+1\"", &u));
    CHECK(!uint64_of("\" 1\"", &u));
    CHECK(!uint64_of("\"1e3\"", &u));
    CHECK(!uint64_of("\"nan:canonical\"", &u));
    CHECK(!uint64_of("\"1\\u00002\"", &u));
    CHECK(!uint64_of("null", &u));
    CHECK(!ifr_json_uint64(NULL, &u));
}

static void test_wast2json_shape(void)
{
    const char *doc =
        "{\"source_filename\": \"i64.wast\",\n \"commands\": [\n"
        "  {\"type\": \"module\", \"line\": 3, \"filename\": \"i64.0.wasm\"}, \n"
        "  {\"type\": \"assert_return\", \"line\": 35, \"action\": {\"type\": \"invoke\", \"field\": \"add\", "
        "\"args\": [{\"type\": \"i64\", \"value\": \"18446744073709551615\"}, {\"type\": \"i64\", \"value\": \"1\"}]}, "
        "\"expected\": [{\"type\": \"i64\", \"value\": \"0\"}]}]}\n";
    ifr_json_t *v = parse(doc);
    CHECK(v != NULL);
    if (!v) { printf("  (%zu: %s)\n", err.offset, err.message); return; }
    const ifr_json_t *cmds = ifr_json_get(v, "commands");
    CHECK(cmds && cmds->type == IFR_JSON_ARRAY && cmds->count == 2);
    if (!cmds || cmds->count != 2) return;
    int64_t line = 0;
    CHECK(ifr_json_int64(ifr_json_get(&cmds->items[1], "line"), &line) && line == 35);
    const ifr_json_t *args = ifr_json_get(ifr_json_get(&cmds->items[1], "action"), "args");
    uint64_t a0 = 0;
    CHECK(args && args->count == 2 && ifr_json_uint64(ifr_json_get(&args->items[0], "value"), &a0) &&
          a0 == UINT64_MAX);
}

int main(void)
{
    ifr_arena_init(&arena, 0);
    RUN(test_scalars);
    RUN(test_nested_structure);
    RUN(test_wide_containers);
    RUN(test_duplicate_keys_kept_in_order);
    RUN(test_string_escapes);
    RUN(test_nul_inside_string);
    RUN(test_utf8_passthrough_and_rejection);
    RUN(test_surrogate_escapes);
    RUN(test_bad_strings);
    RUN(test_numbers);
    RUN(test_bad_numbers);
    RUN(test_structure_errors);
    RUN(test_trailing_garbage);
    RUN(test_truncated_everywhere);
    RUN(test_depth_limit);
    RUN(test_bom_and_null_text);
    RUN(test_arena_cap);
    RUN(test_int64);
    RUN(test_uint64);
    RUN(test_wast2json_shape);
    ifr_arena_destroy(&arena);
    return testing_done();
}
