/* Runs one WebAssembly spec-test script, already converted by wast2json:
 *   spec_run DIR/script.json
 * Prints `PASS spec/<name>` or `FAIL spec/<name>: <first failures>`, then
 * `COUNTS modules=N passed=N failed=N skipped=N funcs=N compiled=N` for
 * tests/spec/suite.sh (funcs: the functions the loaded modules define;
 * compiled: how many of them got machine code, IFRIT_ENGINE=compiler).
 * Every command is run: module, register, action and every assert_*.
 * Strict, as the reference interpreter is:
 *   - a missing instance, export or global is a failure of its own, never
 *     taken for a trap;
 *   - assert_trap / assert_exhaustion want the trap kind the expected text
 *     names and a message that starts with that text (the spec's prefix
 *     rule: "uninitialized element 2" passes for "uninitialized element");
 *   - assert_invalid / assert_malformed want the module refused for the
 *     reason the text gives (error_matches), and fail when the file
 *     cannot be read;
 *   - assert_unlinkable wants a link error with the expected text,
 *     assert_uninstantiable a trap of the expected kind while
 *     instantiating (a segment that does not fit, the start function).
 * assert_malformed on text modules is skipped: the engine takes binaries,
 * and those faults are a text parser's (wast2json leaves them as .wat).
 * A module the engine refuses as a proposal it does not implement ("the
 * <proposal> proposal is not supported (...)", src/wasm/proposals.c) is
 * skipped with every command that needs it (actions on it, registering it,
 * modules importing from it, an assert_invalid it fails for that reason);
 * a script with such skips and no failure before the first of them prints
 * `SKIP spec/<name>: ...` naming the proposals (a failure after it may
 * come from the skipped module's missing effects, a table it would have
 * written: it is counted as skipped and the SKIP line says how many).
 * An assertion of the 2.0 suite that WebAssembly 3.0 made wrong (a module
 * 2.0 refuses and 3.0 accepts: superseded_by) is skipped, the PASS line
 * saying so. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/arena.h"
#include "base/json_read.h"
#include "wasm/wasm.h"

#define MAX_VALUES 64
#define MAX_NAMED 256

typedef struct {
    char name[128];
    iw_instance_t *inst;
    iw_module_t *mod;
    bool unsupported;   /* refused as an unimplemented proposal: its uses are skipped */
} named_t;

typedef struct {
    const char *dir;
    iw_linker_t *linker;
    named_t named[MAX_NAMED];
    int nnamed;
    iw_instance_t *current;
    bool current_unsupported;
    char unsupported_registered[16][128];   /* names registered for unsupported modules */
    int nunsupported_registered;
    char proposals[300];                    /* the proposals skipped for, comma-separated */
    int failed_after_skip;
    int superseded;                         /* 2.0 assertions 3.0 makes wrong (superseded_by) */
    char superseded_why[200];
    iw_instance_t *all[4096];   /* freed at the end: registered ones stay importable */
    int nall;
    iw_module_t *mods[4096];
    int nmods;
    int modules, passed, failed, skipped;
    uint32_t funcs, compiled;   /* defined functions of the modules loaded, and how many got native code */
    char failures[600];
} runner_t;

/* ---- spectest ------------------------------------------------------------- */

static iw_host_result_t print_fn(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)inst, (void)env, (void)args, (void)results;
    return IW_HOST_OK;
}

static void define_spectest(iw_linker_t *l, iw_memory_t **mem, iw_table_t **tab, iw_global_t *globals[4])
{
    static const char *const prints[][2] = {
        { "print", ":" }, { "print_i32", "i:" }, { "print_i64", "I:" }, { "print_f32", "f:" },
        { "print_f64", "F:" }, { "print_i32_f32", "if:" }, { "print_f64_f64", "FF:" },
    };
    for (size_t i = 0; i < sizeof prints / sizeof prints[0]; i++)
        iw_linker_define_func(l, "spectest", prints[i][0], prints[i][1], print_fn, NULL);
    *mem = iw_memory_new(1, 2);
    *tab = iw_table_new(IW_FUNCREF, 10, 20);
    iw_linker_define_memory(l, "spectest", "memory", *mem);
    iw_linker_define_table(l, "spectest", "table", *tab);
    globals[0] = iw_global_new((iw_val_t){ .type = IW_I32, .of.i32 = 666 }, false);
    globals[1] = iw_global_new((iw_val_t){ .type = IW_I64, .of.i64 = 666 }, false);
    globals[2] = iw_global_new((iw_val_t){ .type = IW_F32, .of.f32 = 666.6f }, false);
    globals[3] = iw_global_new((iw_val_t){ .type = IW_F64, .of.f64 = 666.6 }, false);
    iw_linker_define_global(l, "spectest", "global_i32", globals[0]);
    iw_linker_define_global(l, "spectest", "global_i64", globals[1]);
    iw_linker_define_global(l, "spectest", "global_f32", globals[2]);
    iw_linker_define_global(l, "spectest", "global_f64", globals[3]);
}

/* ---- helpers ------------------------------------------------------------------ */

static const char *jstr(const ifr_json_t *obj, const char *key)
{
    const ifr_json_t *v = ifr_json_get(obj, key);
    return v && v->type == IFR_JSON_STRING ? v->string.ptr : NULL;
}

static int jline(const ifr_json_t *cmd)
{
    int64_t n = 0;
    const ifr_json_t *v = ifr_json_get(cmd, "line");
    if (v) ifr_json_int64(v, &n);
    return (int)n;
}

static void fail(runner_t *r, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(runner_t *r, int line, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "line %d: %s\n", line, msg);    /* every one; the FAIL line has the first few */
    if (r->proposals[0]) { r->failed_after_skip++; r->skipped++; return; }
    r->failed++;
    size_t used = strlen(r->failures);
    if (used > sizeof r->failures - 120) return;
    snprintf(r->failures + used, sizeof r->failures - used, "%sline %d: %s", used ? "; " : "", line, msg);
}

/* The proposal an engine error refuses, copied into out; false when the
 * error is not such a refusal. */
static bool proposal_of(const char *message, char *out, size_t outlen)
{
    const char *end = strstr(message, " proposal is not supported (");
    if (!end) return false;
    const char *start = end;
    while (start > message && strncmp(start, "the ", 4) != 0) start--;
    if (strncmp(start, "the ", 4) != 0) return false;
    start += 4;
    snprintf(out, outlen, "%.*s", (int)(end - start), start);
    return true;
}

/* Counts one command skipped for an unimplemented proposal. */
static void skip_proposal(runner_t *r, const char *proposal)
{
    r->skipped++;
    size_t used = strlen(r->proposals), n = strlen(proposal);
    for (const char *p = r->proposals; (p = strstr(p, proposal)); p += n)
        if ((p == r->proposals || p[-1] == ' ') && (p[n] == ',' || p[n] == '\0')) return;
    snprintf(r->proposals + used, sizeof r->proposals - used, "%s%s", used ? ", " : "", proposal);
}

static uint8_t *read_file(const char *dir, const char *name, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) { free(buf); buf = NULL; }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* The command's module file, decoded. NULL with *unreadable set when the
 * file cannot be read, NULL with *err filled when the engine refuses it. */
static iw_module_t *load(runner_t *r, const ifr_json_t *cmd, iw_error_t *err, bool *unreadable)
{
    const char *file = jstr(cmd, "filename");
    size_t len;
    uint8_t *bytes = file ? read_file(r->dir, file, &len) : NULL;
    memset(err, 0, sizeof *err);
    *unreadable = !bytes;
    if (!bytes) {
        snprintf(err->message, sizeof err->message, "cannot read %s", file ? file : "(no file named)");
        return NULL;
    }
    iw_module_t *m = iw_module_new(bytes, len, err);
    free(bytes);
    if (m) {
        uint32_t defined = 0;
        r->compiled += iw_module_compiled_count(m, &defined);
        r->funcs += defined;
    }
    return m;
}

static iw_instance_t *instantiate(runner_t *r, iw_module_t *m, iw_error_t *err, iw_trap_t *trap)
{
    iw_instance_t *inst = iw_instance_new(m, r->linker, NULL, err, trap);
    if (inst && r->nall < 4096) r->all[r->nall++] = inst;
    return inst;
}

static iw_instance_t *find_instance(runner_t *r, const char *name)
{
    if (!name) return r->current;
    for (int i = r->nnamed; i-- > 0;)
        if (strcmp(r->named[i].name, name) == 0) return r->named[i].inst;
    return NULL;
}

/* Whether the instance a command names is missing because its module was
 * refused as an unimplemented proposal. */
static bool instance_unsupported(runner_t *r, const char *name)
{
    if (!name) return !r->current && r->current_unsupported;
    for (int i = r->nnamed; i-- > 0;)
        if (strcmp(r->named[i].name, name) == 0) return r->named[i].unsupported;
    return false;
}

/* Whether a link error names an import from a name registered for a module
 * that was refused as an unimplemented proposal ("... for NAME.field"). */
static bool link_needs_unsupported(runner_t *r, const char *message)
{
    for (int i = 0; i < r->nunsupported_registered; i++) {
        char part[140];
        snprintf(part, sizeof part, " %s.", r->unsupported_registered[i]);
        if (strstr(message, part)) return true;
    }
    return false;
}

static iw_valtype_t type_of(const char *t)
{
    if (!strcmp(t, "i32")) return IW_I32;
    if (!strcmp(t, "i64")) return IW_I64;
    if (!strcmp(t, "f32")) return IW_F32;
    if (!strcmp(t, "f64")) return IW_F64;
    if (!strcmp(t, "funcref")) return IW_FUNCREF;
    if (!strcmp(t, "externref")) return IW_EXTERNREF;
    return IW_V128;
}

/* A v128's lanes as wast2json writes them: "lane_type" (i8 i16 i32 i64
 * f32 f64) and "value", an array of one decimal string per lane (the
 * lane's bits, or a NaN pattern in an expected result). Gives the lane
 * size in bytes, 0 if the JSON is not such a value. */
static unsigned v128_lanes(const ifr_json_t *j, const ifr_json_t **lanes, bool *is_float)
{
    const char *lt = jstr(j, "lane_type");
    const ifr_json_t *v = ifr_json_get(j, "value");
    if (!lt || !v || v->type != IFR_JSON_ARRAY) return 0;
    unsigned size = !strcmp(lt, "i8") ? 1 : !strcmp(lt, "i16") ? 2 : !strcmp(lt, "i32") || !strcmp(lt, "f32") ? 4
                  : !strcmp(lt, "i64") || !strcmp(lt, "f64") ? 8 : 0;
    if (!size || v->count != 16 / size) return 0;
    for (size_t i = 0; i < v->count; i++)
        if (v->items[i].type != IFR_JSON_STRING) return 0;
    *lanes = v;
    *is_float = lt[0] == 'f';
    return size;
}

/* Whether bits (a float of `size` bytes) match a NaN pattern. */
static bool nan_matches(uint64_t bits, unsigned size, bool canonical)
{
    if (size == 4) return canonical ? (bits & 0x7fffffff) == 0x7fc00000 : (bits & 0x7fc00000) == 0x7fc00000;
    return canonical ? (bits & 0x7fffffffffffffffull) == 0x7ff8000000000000ull
                     : (bits & 0x7ff8000000000000ull) == 0x7ff8000000000000ull;
}

/* A JSON value {"type": t, "value": v} as an engine value. Externref N is
 * the host pointer N+1, so that ref.extern 0 is not null. */
static bool to_val(const ifr_json_t *j, iw_val_t *out)
{
    const char *t = jstr(j, "type"), *v = jstr(j, "value");
    if (!t) return false;
    memset(out, 0, sizeof *out);
    out->type = type_of(t);
    uint64_t bits = v && strcmp(v, "null") ? strtoull(v, NULL, 10) : 0;
    switch (out->type) {
    case IW_I32: out->of.i32 = (int32_t)(uint32_t)bits; break;
    case IW_I64: out->of.i64 = (int64_t)bits; break;
    case IW_F32: { uint32_t b = (uint32_t)bits; memcpy(&out->of.f32, &b, 4); break; }
    case IW_F64: memcpy(&out->of.f64, &bits, 8); break;
    case IW_EXTERNREF: out->of.externref = (v && strcmp(v, "null")) ? (void *)(uintptr_t)(bits + 1) : NULL; break;
    case IW_FUNCREF: out->of.funcref = NULL; break;
    case IW_V128: {
        const ifr_json_t *lanes;
        bool is_float;
        unsigned size = strcmp(t, "v128") ? 0 : v128_lanes(j, &lanes, &is_float);
        if (!size) return false;
        for (unsigned i = 0; i < 16 / size; i++) {
            uint64_t lane = strtoull(lanes->items[i].string.ptr, NULL, 10);
            memcpy(out->of.v128 + i * size, &lane, size);   /* little-endian: the lane's low bytes */
        }
        break;
    }
    default: return false;
    }
    return true;
}

static bool val_matches(const ifr_json_t *want, const iw_val_t *got, char *why, size_t whylen)
{
    const char *t = jstr(want, "type"), *v = jstr(want, "value");
    iw_valtype_t wt = t ? type_of(t) : IW_V128;
    if (got->type != wt) { snprintf(why, whylen, "type %d, expected %s", got->type, t ? t : "?"); return false; }
    uint64_t bits = 0;
    switch (wt) {
    case IW_I32: bits = (uint32_t)got->of.i32; break;
    case IW_I64: bits = (uint64_t)got->of.i64; break;
    case IW_F32: { uint32_t b; memcpy(&b, &got->of.f32, 4); bits = b; break; }
    case IW_F64: memcpy(&bits, &got->of.f64, 8); break;
    case IW_FUNCREF:
        if (!v) return got->of.funcref != NULL;
        if (!strcmp(v, "null")) return got->of.funcref == NULL;
        return got->of.funcref != NULL;
    case IW_EXTERNREF:
        if (!v || !strcmp(v, "null")) {
            if (got->of.externref == NULL) return true;
            snprintf(why, whylen, "got a non-null externref");
            return false;
        }
        if ((uintptr_t)got->of.externref == strtoull(v, NULL, 10) + 1) return true;
        snprintf(why, whylen, "externref mismatch");
        return false;
    case IW_V128: {
        const ifr_json_t *lanes;
        bool is_float;
        unsigned size = v128_lanes(want, &lanes, &is_float);
        if (!size) { snprintf(why, whylen, "the script's v128 cannot be read"); return false; }
        for (unsigned i = 0; i < 16 / size; i++) {
            const char *lv = lanes->items[i].string.ptr;
            uint64_t lane = 0;
            memcpy(&lane, got->of.v128 + i * size, size);
            bool ok = is_float && !strncmp(lv, "nan:", 4) ? nan_matches(lane, size, !strcmp(lv, "nan:canonical"))
                                                          : lane == (strtoull(lv, NULL, 10) & (~0ull >> (64 - 8 * size)));
            if (!ok) {
                snprintf(why, whylen, "lane %u: got %" PRIu64 ", expected %s", i, lane, lv);
                return false;
            }
        }
        return true;
    }
    default: return false;
    }
    if (v && (wt == IW_F32 || wt == IW_F64) && !strncmp(v, "nan:", 4)) {
        bool ok = nan_matches(bits, wt == IW_F32 ? 4 : 8, !strcmp(v, "nan:canonical"));
        if (!ok) snprintf(why, whylen, "got 0x%" PRIx64 ", expected %s", bits, v);
        return ok;
    }
    uint64_t want_bits = v ? strtoull(v, NULL, 10) : 0;
    if (bits != want_bits) {
        snprintf(why, whylen, "got %" PRIu64 ", expected %s", bits, v ? v : "?");
        return false;
    }
    return true;
}

typedef enum { ACT_FINISHED, ACT_TRAPPED, ACT_OTHER, ACT_MISSING, ACT_UNSUPPORTED } act_status_t;

/* Runs an action; fills results and their count. ACT_MISSING: the
 * instance, export or global named is not there (why says which), which is
 * a failure of the script's run, never a trap. */
static act_status_t run_action(runner_t *r, const ifr_json_t *act, iw_val_t *results, uint32_t *nres,
                               iw_instance_t **used, char *why, size_t whylen)
{
    const char *type = jstr(act, "type"), *field = jstr(act, "field"), *mod = jstr(act, "module");
    iw_instance_t *inst = find_instance(r, mod);
    *used = inst;
    *nres = 0;
    if (!inst && instance_unsupported(r, mod)) return ACT_UNSUPPORTED;
    if (!inst) {
        snprintf(why, whylen, "missing: no instance %s", mod ? mod : "(no module defined yet)");
        return ACT_MISSING;
    }
    if (!field) { snprintf(why, whylen, "missing: the action names no field"); return ACT_MISSING; }
    if (type && !strcmp(type, "get")) {
        iw_global_t *g = iw_instance_global(inst, field);
        if (!g) { snprintf(why, whylen, "missing: no exported global %s", field); return ACT_MISSING; }
        results[0] = iw_global_get(g);
        *nres = 1;
        return ACT_FINISHED;
    }
    const ifr_json_t *fj = ifr_json_get(act, "field");
    iw_func_t *f = iw_instance_func_n(inst, fj->string.ptr, fj->string.len);
    if (!f) { snprintf(why, whylen, "missing: no exported function %s", field); return ACT_MISSING; }
    const ifr_json_t *args = ifr_json_get(act, "args");
    iw_val_t argv[MAX_VALUES];
    uint32_t nargs = 0;
    for (size_t i = 0; args && i < args->count; i++) {
        if (i >= MAX_VALUES || !to_val(&args->items[i], &argv[nargs])) {
            snprintf(why, whylen, "argument %zu of %s cannot be given", i, field);
            return ACT_OTHER;
        }
        nargs++;
    }
    const char *sig = iw_func_sig(f);
    *nres = (uint32_t)strlen(strchr(sig, ':') + 1);
    iw_status_t st = iw_call(inst, f, argv, nargs, results, MAX_VALUES);
    if (st == IW_FINISHED) return ACT_FINISHED;
    if (st == IW_TRAPPED) {
        snprintf(why, whylen, "trap: %.150s", iw_instance_trap(inst)->message);
        return ACT_TRAPPED;
    }
    snprintf(why, whylen, st == IW_EXITED ? "the call exited" : "the call suspended");
    return ACT_OTHER;
}

/* The trap kind each expected text names (the spec's wording). */
static const struct {
    const char *text;
    iw_trap_kind_t kind;
} trap_texts[] = {
    { "unreachable", IW_TRAP_UNREACHABLE },
    { "out of bounds memory access", IW_TRAP_MEMORY_OOB },
    { "out of bounds table access", IW_TRAP_TABLE_OOB },
    { "undefined element", IW_TRAP_TABLE_OOB },
    { "uninitialized element", IW_TRAP_UNINITIALIZED_ELEMENT },
    { "indirect call type mismatch", IW_TRAP_INDIRECT_MISMATCH },
    { "integer divide by zero", IW_TRAP_DIV_BY_ZERO },
    { "integer overflow", IW_TRAP_INT_OVERFLOW },
    { "invalid conversion to integer", IW_TRAP_INVALID_CONVERSION },
    { "null reference", IW_TRAP_NULL_REFERENCE },
    { "call stack exhausted", IW_TRAP_STACK_EXHAUSTED },
};

static bool starts_with(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

/* Whether trap t is what the script expects: the kind its text names and
 * a message starting with the text. Else fills why. */
static bool trap_matches(const iw_trap_t *t, const char *text, char *why, size_t whylen)
{
    if (!text) { snprintf(why, whylen, "the script gives no expected text"); return false; }
    const char *kind_text = NULL;
    iw_trap_kind_t want = IW_TRAP_NONE;
    for (size_t i = 0; i < sizeof trap_texts / sizeof trap_texts[0]; i++)
        if (starts_with(text, trap_texts[i].text)) {
            want = trap_texts[i].kind;
            kind_text = trap_texts[i].text;
        }
    if (!kind_text) { snprintf(why, whylen, "no trap kind known for \"%s\"", text); return false; }
    if (t->kind != want) {
        snprintf(why, whylen, "trap %s (\"%.100s\"), expected %s (\"%s\")", iw_trap_kind_name(t->kind), t->message,
                 iw_trap_kind_name(want), text);
        return false;
    }
    if (!starts_with(t->message, text)) {
        snprintf(why, whylen, "trap message \"%.100s\", expected \"%s\"", t->message, text);
        return false;
    }
    return true;
}

/* ---- commands --------------------------------------------------------------- */

static void cmd_module(runner_t *r, const ifr_json_t *cmd)
{
    iw_error_t err;
    iw_trap_t trap;
    bool unreadable;
    int line = jline(cmd);
    char proposal[100];
    const char *name = jstr(cmd, "name");
    r->modules++;
    r->current = NULL;
    r->current_unsupported = false;
    iw_module_t *m = load(r, cmd, &err, &unreadable);
    iw_instance_t *inst = NULL;
    if (m) {
        if (r->nmods < 4096) r->mods[r->nmods++] = m;
        inst = instantiate(r, m, &err, &trap);
    }
    bool unsupported = !inst && ((!m && proposal_of(err.message, proposal, sizeof proposal)) ||
                                 (m && trap.kind == IW_TRAP_NONE && link_needs_unsupported(r, err.message)));
    if (unsupported) {
        if (m) r->skipped++;    /* it imports from a module refused as a proposal, counted there */
        else skip_proposal(r, proposal);
        r->current_unsupported = true;
    } else if (!m) {
        fail(r, line, "module failed to load: %s", err.message);
        return;
    } else if (!inst) {
        fail(r, line, "module failed to instantiate: %s%s", err.message, trap.message);
        return;
    }
    r->current = inst;
    if (name && r->nnamed < MAX_NAMED) {
        named_t *n = &r->named[r->nnamed++];
        snprintf(n->name, sizeof n->name, "%s", name);
        n->inst = inst;
        n->unsupported = unsupported;
    }
}

static void cmd_register(runner_t *r, const ifr_json_t *cmd)
{
    const char *name = jstr(cmd, "name"), *as = jstr(cmd, "as");
    iw_instance_t *inst = find_instance(r, name);
    if (!inst && instance_unsupported(r, name)) {
        r->skipped++;
        if (as && r->nunsupported_registered < 16)
            snprintf(r->unsupported_registered[r->nunsupported_registered++], 128, "%s", as);
    } else if (!inst) fail(r, jline(cmd), "missing: no instance %s to register", name ? name : "(current)");
    else if (!as || iw_linker_define_instance(r->linker, as, inst) != 0) fail(r, jline(cmd), "register failed");
}

static void cmd_assert_return(runner_t *r, const ifr_json_t *cmd, bool check)
{
    iw_val_t results[MAX_VALUES];
    uint32_t nres;
    iw_instance_t *inst;
    char why[200] = "";
    int line = jline(cmd);
    act_status_t st = run_action(r, ifr_json_get(cmd, "action"), results, &nres, &inst, why, sizeof why);
    if (st == ACT_UNSUPPORTED) { r->skipped++; return; }
    if (st != ACT_FINISHED) { fail(r, line, "%s", why); return; }
    if (!check) { r->passed++; return; }
    const ifr_json_t *exp = ifr_json_get(cmd, "expected");
    size_t n = exp ? exp->count : 0;
    if (n != nres) { fail(r, line, "%u results, expected %zu", nres, n); return; }
    for (size_t i = 0; i < n; i++) {
        if (!val_matches(&exp->items[i], &results[i], why, sizeof why)) {
            fail(r, line, "result %zu: %s", i, why);
            return;
        }
    }
    r->passed++;
}

/* assert_trap and assert_exhaustion (whose text names the kind too). */
static void cmd_assert_trap(runner_t *r, const ifr_json_t *cmd)
{
    iw_val_t results[MAX_VALUES];
    uint32_t nres;
    iw_instance_t *inst;
    char why[300] = "";
    int line = jline(cmd);
    const char *text = jstr(cmd, "text");
    act_status_t st = run_action(r, ifr_json_get(cmd, "action"), results, &nres, &inst, why, sizeof why);
    if (st == ACT_UNSUPPORTED) { r->skipped++; return; }
    if (st == ACT_MISSING || st == ACT_OTHER) { fail(r, line, "%s", why); return; }
    if (st != ACT_TRAPPED) { fail(r, line, "finished, expected a trap \"%s\"", text ? text : "?"); return; }
    if (!trap_matches(iw_instance_trap(inst), text, why, sizeof why)) { fail(r, line, "%s", why); return; }
    r->passed++;
}

/* Whether the engine's error for a refused module gives the reason the
 * script expects: its message contains the script's text (the engine words
 * its errors after the spec), or is one of these, each the same fault seen
 * from elsewhere. */
static const struct {
    const char *text;       /* the start of the script's text */
    const char *engine;     /* a part of the engine's message */
} error_aliases[] = {
    /* binary.wast: a body without its last `end` at the end of the code
     * section; the reference reads on into the next section (its comment
     * says so), the engine stops at the body's end */
    { "section size mismatch", "END opcode expected" },
    /* binary.wast: an export count larger than the exports given; the
     * reference reads the next section's id as a name length, the engine
     * stops at the section's end */
    { "length out of bounds", "unexpected end of section or function" },
    /* binary-leb128.wast: a LEB128 number longer than its section; the
     * reference reads on past the section's end */
    { "integer representation too long", "unexpected end of section or function" },
    /* binary.wast: a br_table count too small for its targets; the engine
     * validates as it decodes, so the bytes after it, read as a block
     * type, are an unknown type before the body runs out */
    { "unexpected end", "unknown type" },
    /* memory_init.wast: data.drop / memory.init in a module without data
     * segments; wast2json writes no data count section then, so the binary
     * is malformed before it is invalid (the reference reads the text) */
    { "unknown data segment", "data count section required" },
    { "unknown memory", "data count section required" },
    /* select.wast: `select (result)` with no type; wast2json writes the
     * untyped select, which then finds a value missing */
    { "invalid result arity", "in select" },
};

static bool contains_nocase(const char *s, const char *part)
{
    size_t n = strlen(part);
    for (; *s; s++)
        if (strncasecmp(s, part, n) == 0) return true;
    return n == 0;
}

static bool error_matches(const char *text, const char *message)
{
    if (contains_nocase(message, text)) return true;
    for (size_t i = 0; i < sizeof error_aliases / sizeof error_aliases[0]; i++)
        if (starts_with(text, error_aliases[i].text) && contains_nocase(message, error_aliases[i].engine)) return true;
    return false;
}

/* Refusals of WebAssembly 2.0 that 3.0 lifted: a 2.0 script expecting one
 * of these texts for a module the engine loads is asking the engine to be
 * 2.0, so the assertion is skipped and the result line says why. */
static const struct {
    const char *text;       /* the script's text */
    const char *proposal;   /* the 3.0 proposal that made the module valid */
} superseded_by[] = {
    /* memory.wast, imports.wast: a second memory */
    { "multiple memories", "multiple memories" },
    /* binary.wast: memory.size/grow with an overlong zero where 2.0 had a
     * zero byte; 3.0 reads a memory index (a u32) there */
    { "zero byte expected", "multiple memories" },
};

static bool superseded(runner_t *r, const char *text)
{
    for (size_t i = 0; text && i < sizeof superseded_by / sizeof superseded_by[0]; i++) {
        if (strcmp(text, superseded_by[i].text) != 0) continue;
        r->superseded++;
        r->skipped++;
        if (!strstr(r->superseded_why, superseded_by[i].proposal)) {
            size_t used = strlen(r->superseded_why);
            snprintf(r->superseded_why + used, sizeof r->superseded_why - used, "%s%s", used ? ", " : "",
                     superseded_by[i].proposal);
        }
        return true;
    }
    return false;
}

/* assert_invalid / assert_malformed: the module must be refused, for the
 * reason given. */
static void cmd_assert_refused(runner_t *r, const ifr_json_t *cmd)
{
    const char *mt = jstr(cmd, "module_type"), *text = jstr(cmd, "text");
    int line = jline(cmd);
    if (mt && strcmp(mt, "binary") != 0) { r->skipped++; return; }
    iw_error_t err;
    bool unreadable;
    iw_module_t *m = load(r, cmd, &err, &unreadable);
    if (m) {
        iw_module_release(m);
        if (!superseded(r, text)) fail(r, line, "module loaded, expected \"%s\"", text ? text : "?");
        return;
    }
    if (unreadable) { fail(r, line, "%s", err.message); return; }
    char proposal[100];
    if ((!text || !error_matches(text, err.message)) && proposal_of(err.message, proposal, sizeof proposal)) {
        skip_proposal(r, proposal);
        return;
    }
    if (!text || !error_matches(text, err.message)) {
        fail(r, line, "refused for another reason: \"%s\", expected \"%s\"", err.message, text ? text : "?");
        return;
    }
    r->passed++;
}

/* assert_unlinkable (a link error) and assert_uninstantiable (a trap
 * while instantiating): the module loads, then fails as the text says. */
static void cmd_assert_instantiation_fails(runner_t *r, const ifr_json_t *cmd, bool link_error)
{
    const char *text = jstr(cmd, "text");
    int line = jline(cmd);
    iw_error_t err;
    iw_trap_t trap;
    bool unreadable;
    char proposal[100];
    iw_module_t *m = load(r, cmd, &err, &unreadable);
    if (!m && proposal_of(err.message, proposal, sizeof proposal)) { skip_proposal(r, proposal); return; }
    if (!m) { fail(r, line, "module failed to load: %s", err.message); return; }
    if (r->nmods < 4096) r->mods[r->nmods++] = m;
    iw_instance_t *inst = instantiate(r, m, &err, &trap);
    if (!inst && trap.kind == IW_TRAP_NONE && link_needs_unsupported(r, err.message)) { r->skipped++; return; }
    if (inst) { fail(r, line, "instantiated, expected \"%s\"", text ? text : "?"); return; }
    char why[300];
    if (link_error) {
        if (trap.kind != IW_TRAP_NONE) fail(r, line, "trapped (\"%s\"), expected a link error \"%s\"", trap.message, text);
        else if (!text || !starts_with(err.message, text)) fail(r, line, "link error \"%s\", expected \"%s\"", err.message, text);
        else r->passed++;
        return;
    }
    if (trap.kind == IW_TRAP_NONE) fail(r, line, "link error \"%s\", expected a trap \"%s\"", err.message, text);
    else if (!trap_matches(&trap, text, why, sizeof why)) fail(r, line, "%s", why);
    else r->passed++;
}

int main(int argc, char **argv)
{
    if (argc != 2) { fprintf(stderr, "usage: spec_run DIR/script.json\n"); return 2; }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", argv[1]);
    char *slash = strrchr(dir, '/');
    const char *base = slash ? slash + 1 : argv[1];
    char name[256];
    snprintf(name, sizeof name, "%s", base);
    char *dot = strrchr(name, '.');
    if (dot) *dot = '\0';
    if (slash) *slash = '\0'; else strcpy(dir, ".");

    size_t len;
    char *text = (char *)read_file(dir, base, &len);
    if (!text) { printf("FAIL spec/%s: cannot read %s\n", name, argv[1]); return 1; }
    ifr_arena_t arena;
    ifr_arena_init(&arena, 0);
    ifr_json_error_t jerr;
    ifr_json_t *doc = ifr_json_parse(&arena, text, len, &jerr);
    const ifr_json_t *cmds = doc ? ifr_json_get(doc, "commands") : NULL;
    if (!cmds) { printf("FAIL spec/%s: bad JSON at %zu: %s\n", name, jerr.offset, jerr.message); return 1; }

    static runner_t r;
    r.dir = dir;
    r.linker = iw_linker_new();
    iw_memory_t *mem;
    iw_table_t *tab;
    iw_global_t *globals[4];
    define_spectest(r.linker, &mem, &tab, globals);

    for (size_t i = 0; i < cmds->count; i++) {
        const ifr_json_t *c = &cmds->items[i];
        const char *type = jstr(c, "type");
        if (!type) continue;
        if (!strcmp(type, "module")) cmd_module(&r, c);
        else if (!strcmp(type, "register")) cmd_register(&r, c);
        else if (!strcmp(type, "action")) cmd_assert_return(&r, c, false);
        else if (!strcmp(type, "assert_return")) cmd_assert_return(&r, c, true);
        else if (!strcmp(type, "assert_trap") || !strcmp(type, "assert_exhaustion")) cmd_assert_trap(&r, c);
        else if (!strcmp(type, "assert_invalid") || !strcmp(type, "assert_malformed")) cmd_assert_refused(&r, c);
        else if (!strcmp(type, "assert_unlinkable")) cmd_assert_instantiation_fails(&r, c, true);
        else if (!strcmp(type, "assert_uninstantiable")) cmd_assert_instantiation_fails(&r, c, false);
        else fail(&r, jline(c), "unknown command %s", type);
    }

    if (r.failed) printf("FAIL spec/%s: %d failed: %s\n", name, r.failed, r.failures);
    else if (r.proposals[0])
        printf("SKIP spec/%s: needs %s (not supported)%s\n", name, r.proposals,
               r.failed_after_skip ? "; later assertions failed without the skipped modules" : "");
    else if (r.superseded)
        printf("PASS spec/%s (%d assertions of 2.0 skipped: valid since WebAssembly 3.0's %s)\n", name, r.superseded,
               r.superseded_why);
    else printf("PASS spec/%s\n", name);
    printf("COUNTS modules=%d passed=%d failed=%d skipped=%d funcs=%u compiled=%u\n", r.modules, r.passed, r.failed,
           r.skipped, r.funcs, r.compiled);

    for (int i = r.nall; i-- > 0;) iw_instance_free(r.all[i]);
    for (int i = 0; i < r.nmods; i++) iw_module_release(r.mods[i]);
    iw_linker_free(r.linker);
    iw_memory_free(mem);
    iw_table_free(tab);
    for (int i = 0; i < 4; i++) iw_global_free(globals[i]);
    ifr_arena_destroy(&arena);
    free(text);
    return 0;
}
