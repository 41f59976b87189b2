/* Reads a module's type section (id 1) and import section (id 2) for the
 * imports whose function type has exactly one result, i64 (cmd_edge_imports.h).
 * Value types are one byte, except a typed reference (0x63, 0x64) whose
 * heap type follows as a signed LEB128: read the same way as unsigned,
 * since only its length matters here. */
#include "server/cmd_edge_imports.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "server/cmd_edge_memcap.h"

#define SRV__WASM_I64 0x7e
#define SRV__EDGE_MAX_TYPES 100000u   /* V8's own limit is 1,000,000; a guest with more is not one we embed */

static int srv__edge_valtype(srv_edge_reader_t *r, uint8_t *t)
{
    uint64_t heap;
    if (r->p >= r->end) return -1;
    *t = *r->p++;
    return *t == 0x63 || *t == 0x64 ? srv_edge_leb(r, &heap) : 0;
}

static int srv__edge_skip_name(srv_edge_reader_t *r, const uint8_t **name, uint64_t *n)
{
    if (srv_edge_leb(r, n) < 0 || *n > (uint64_t)(r->end - r->p)) return -1;
    *name = r->p;
    r->p += *n;
    return 0;
}

static int srv__edge_limits(srv_edge_reader_t *r)
{
    uint64_t flags, v;
    if (srv_edge_leb(r, &flags) < 0 || srv_edge_leb(r, &v) < 0) return -1;
    return (flags & 1) ? srv_edge_leb(r, &v) : 0;
}

/* The type section: one bit per type, set when it returns just an i64. */
static int srv__edge_types(srv_edge_reader_t *r, uint8_t *i64, uint64_t *ntypes)
{
    if (srv_edge_leb(r, ntypes) < 0 || *ntypes > SRV__EDGE_MAX_TYPES) return -1;
    for (uint64_t i = 0; i < *ntypes; i++) {
        uint64_t n;
        uint8_t t = 0;
        if (r->p >= r->end || *r->p++ != 0x60) return -1;   /* only plain function types (no GC rec groups) */
        if (srv_edge_leb(r, &n) < 0) return -1;
        for (uint64_t k = 0; k < n; k++)
            if (srv__edge_valtype(r, &t) < 0) return -1;
        if (srv_edge_leb(r, &n) < 0) return -1;
        for (uint64_t k = 0; k < n; k++)
            if (srv__edge_valtype(r, &t) < 0) return -1;
        if (n == 1 && t == SRV__WASM_I64) i64[i / 8] |= (uint8_t)(1u << (i % 8));
    }
    return 0;
}

static int srv__edge_imports(srv_edge_reader_t *r, const uint8_t *i64, uint64_t ntypes, const char *module_name,
                             ifr_buf_t *out)
{
    uint64_t count, idx;
    size_t want = strlen(module_name);
    bool first = true;
    if (srv_edge_leb(r, &count) < 0) return -1;
    for (uint64_t i = 0; i < count; i++) {
        const uint8_t *mod, *field;
        uint64_t nmod, nfield;
        uint8_t t;
        if (srv__edge_skip_name(r, &mod, &nmod) < 0 || srv__edge_skip_name(r, &field, &nfield) < 0 || r->p >= r->end)
            return -1;
        switch (*r->p++) {
        case 0:   /* a function: its type */
            if (srv_edge_leb(r, &idx) < 0) return -1;
            if (idx < ntypes && (i64[idx / 8] >> (idx % 8) & 1) && nmod == want && memcmp(mod, module_name, want) == 0) {
                if (!first && ifr_buf_append_byte(out, ',') < 0) return -1;
                if (ifr_json_append_string(out, ifr_str((const char *)field, nfield)) < 0) return -1;
                first = false;
            }
            break;
        case 1:   /* a table: reference type, limits */
            if (srv__edge_valtype(r, &t) < 0 || srv__edge_limits(r) < 0) return -1;
            break;
        case 2:   /* a memory */
            if (srv__edge_limits(r) < 0) return -1;
            break;
        case 3:   /* a global: value type, mutability */
            if (srv__edge_valtype(r, &t) < 0 || r->p >= r->end) return -1;
            r->p++;
            break;
        case 4:   /* a tag: attribute, type */
            if (r->p >= r->end) return -1;
            r->p++;
            if (srv_edge_leb(r, &idx) < 0) return -1;
            break;
        default:
            return -1;
        }
    }
    return 0;
}

int srv_edge_i64_imports(const uint8_t *in, size_t len, const char *module_name, ifr_buf_t *out)
{
    static const uint8_t magic[8] = { 0, 'a', 's', 'm', 1, 0, 0, 0 };
    if (len < 8 || memcmp(in, magic, 8) != 0) return -1;
    size_t start = out->len;
    uint8_t *i64 = NULL;
    uint64_t ntypes = 0;
    int rc = ifr_buf_append_byte(out, '[');
    srv_edge_reader_t r = { in + 8, in + len };
    while (rc == 0 && r.p < r.end) {
        uint8_t id = *r.p++;
        uint64_t size;
        if (srv_edge_leb(&r, &size) < 0 || size > (uint64_t)(r.end - r.p)) { rc = -1; break; }
        srv_edge_reader_t body = { r.p, r.p + size };
        r.p += size;
        if (id == 1 && !i64) {
            uint64_t n;
            srv_edge_reader_t peek = body;
            if (srv_edge_leb(&peek, &n) < 0 || n > SRV__EDGE_MAX_TYPES || !(i64 = calloc(n / 8 + 1, 1))) rc = -1;
            else rc = srv__edge_types(&body, i64, &ntypes);
        } else if (id == 2) {
            rc = srv__edge_imports(&body, i64, i64 ? ntypes : 0, module_name, out);
        }
    }
    free(i64);
    if (rc == 0) rc = ifr_buf_append_byte(out, ']');
    if (rc < 0) out->len = start;
    return rc;
}
