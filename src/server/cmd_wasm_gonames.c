/* Go's symbol table (runtime/symtab.go, "pclntab", Go 1.18 and later) in
 * a wasm program's memory: a header (magic 0xfffffff0 or 0xfffffff1, two
 * zero bytes, the instruction size quantum 1, the pointer size 8, then
 * eight 8-byte words: nfunc, nfiles, textStart, funcnameOffset, cuOffset,
 * filetabOffset, pctabOffset, pclnOffset) and at pclnOffset nfunc pairs
 * of 4-byte words {entry, offset of its _func}, whose second word is the
 * offset of its name in the name table. Go's wasm port gives defined
 * function k the entry 0x1000 + k (its linker's funcValueOffset), so
 * function index = imported functions + entry - 0x1000. Everything read
 * is bounds-checked: it is guest memory. The table is trusted only if it
 * names _start's function `_rt0_wasm_wasip1`, Go's entry point. */
#include <stdio.h>
#include <string.h>

#include "server/cmd_wasm_gonames.h"

#define SRV__CMD_GO_FUNC_VALUE_OFFSET 0x1000u

static uint64_t srv__cmd_go_u(const srv_cmd_go_names_t *t, uint64_t at, int bytes)
{
    uint64_t v = 0;
    if (at > t->size || (uint64_t)bytes > t->size - at) return UINT64_MAX;
    for (int i = bytes - 1; i >= 0; i--) v = v << 8 | t->mem[at + (uint64_t)i];
    return v;
}

/* The header at off, if it is one. */
static int srv__cmd_go_header(srv_cmd_go_names_t *t, uint64_t off)
{
    uint64_t magic = srv__cmd_go_u(t, off, 4);
    if ((magic != 0xfffffff0u && magic != 0xfffffff1u) || srv__cmd_go_u(t, off + 4, 2) != 0 ||
        srv__cmd_go_u(t, off + 6, 1) != 1 || srv__cmd_go_u(t, off + 7, 1) != 8)
        return -1;
    uint64_t names = srv__cmd_go_u(t, off + 8 + 3 * 8, 8), functab = srv__cmd_go_u(t, off + 8 + 7 * 8, 8);
    t->nfunc = srv__cmd_go_u(t, off + 8, 8);
    if (names >= t->size - off || functab >= t->size - off || !t->nfunc || t->nfunc >= (1u << 24)) return -1;
    t->names = off + names;
    t->functab = off + functab;
    return 0;
}

const char *srv_cmd_go_name(const srv_cmd_go_names_t *t, uint32_t func_index, char *out, size_t size)
{
    if (func_index < t->first_func) return NULL;
    uint64_t want = SRV__CMD_GO_FUNC_VALUE_OFFSET + (func_index - t->first_func);
    /* entries are sorted: binary search */
    uint64_t lo = 0, hi = t->nfunc;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2, e = srv__cmd_go_u(t, t->functab + 8 * mid, 4);
        if (e == UINT64_MAX) return NULL;
        if (e < want) lo = mid + 1;
        else hi = mid;
    }
    if (lo >= t->nfunc || srv__cmd_go_u(t, t->functab + 8 * lo, 4) != want) return NULL;
    uint64_t fn = srv__cmd_go_u(t, t->functab + 8 * lo + 4, 4);
    uint64_t name_off = fn == UINT64_MAX ? UINT64_MAX : srv__cmd_go_u(t, t->functab + fn + 4, 4);
    if (name_off == UINT64_MAX || t->names + name_off >= t->size) return NULL;
    const char *s = (const char *)t->mem + t->names + name_off;
    size_t n = strnlen(s, (size_t)(t->size - t->names - name_off));
    if (n == 0 || n == t->size - t->names - name_off) return NULL;
    snprintf(out, size, "%.*s", (int)n, s);
    return out;
}

static uint32_t srv__cmd_go_export_func(const iw_module_t *m, const char *name)
{
    for (uint32_t i = 0; i < iw_module_export_count(m); i++) {
        iw_extern_info_t e;
        iw_module_export_info(m, i, &e);
        if (e.kind == IW_EXTERN_FUNC && strcmp(e.name, name) == 0) return e.index;
    }
    return UINT32_MAX;
}

int srv_cmd_go_names_find(iw_instance_t *inst, srv_cmd_go_names_t *t)
{
    const iw_module_t *m = iw_instance_module(inst);
    *t = (srv_cmd_go_names_t){ .size = iw_memory_size(inst) };
    t->mem = t->size ? iw_memory_lift(inst, 0, t->size) : NULL;
    if (!t->mem) return -1;
    for (uint32_t i = 0; i < iw_module_import_count(m); i++) {
        iw_extern_info_t e;
        iw_module_import_info(m, i, &e);
        t->first_func += e.kind == IW_EXTERN_FUNC;
    }
    uint32_t start = srv__cmd_go_export_func(m, "_start");
    char entry[32];
    for (uint64_t off = 0; off + 72 <= t->size; off += 4) {
        if (t->mem[off] != 0xf0 && t->mem[off] != 0xf1) continue;
        if (srv__cmd_go_header(t, off) < 0) continue;
        const char *e = srv_cmd_go_name(t, start, entry, sizeof entry);
        if (e && strcmp(e, "_rt0_wasm_wasip1") == 0) return 0;
    }
    return -1;
}
