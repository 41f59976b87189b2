/* A decoded WebAssembly component (the component model's binary format,
 * layer 1): internal to src/wasm. Every index space of the component is an
 * array of items saying where the item comes from; nested core modules are
 * ordinary iw_module_t. Everything lives in the outermost component's arena
 * and is freed with it (nested modules are released then too). */
#ifndef IFRIT_WASM_COMPONENT_H
#define IFRIT_WASM_COMPONENT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "wasm/reader.h"
#include "wasm/wasm.h"

/* Decoder limits (docs/engine.md, "Components"). */
#define IW_COMPONENT_MAX_ITEMS      100000u     /* entries of one section, members of one type */
#define IW_COMPONENT_MAX_NESTING    16u         /* components and component/instance types inside each other */
#define IW_COMPONENT_MAX_TYPE_DEPTH 64u         /* value types inside each other (option<list<...>>) */

/* The sorts of the component's index spaces. */
typedef enum {
    IW_CSORT_CORE_FUNC, IW_CSORT_CORE_TABLE, IW_CSORT_CORE_MEMORY, IW_CSORT_CORE_GLOBAL,
    IW_CSORT_CORE_TYPE, IW_CSORT_CORE_MODULE, IW_CSORT_CORE_INSTANCE,
    IW_CSORT_FUNC, IW_CSORT_TYPE, IW_CSORT_COMPONENT, IW_CSORT_INSTANCE,
    IW_CSORT_COUNT
} iw_csort_t;

const char *iw_csort_name(iw_csort_t sort);     /* "core func", "instance" ... */

/* Types. Primitive value types are static (iw_ctype_prim); the others are
 * made by the type sections. */
typedef enum {
    IW_CT_BOOL, IW_CT_S8, IW_CT_U8, IW_CT_S16, IW_CT_U16, IW_CT_S32, IW_CT_U32, IW_CT_S64, IW_CT_U64,
    IW_CT_F32, IW_CT_F64, IW_CT_CHAR, IW_CT_STRING,
    IW_CT_RECORD, IW_CT_VARIANT, IW_CT_LIST, IW_CT_TUPLE, IW_CT_FLAGS, IW_CT_ENUM, IW_CT_OPTION,
    IW_CT_RESULT, IW_CT_OWN, IW_CT_BORROW,
    IW_CT_RESOURCE,     /* an imported resource type (`sub resource`) */
    IW_CT_FUNC, IW_CT_INSTANCE, IW_CT_COMPONENT,
    IW_CT_CORE_FUNC     /* a core function type, from the core type section */
} iw_ctype_kind_t;

typedef struct iw_ctype iw_ctype_t;

/* A record field, variant case, flag or enum label (type NULL), tuple
 * element (name NULL) or function parameter. */
typedef struct { const char *name; const iw_ctype_t *type; } iw_cfield_t;

/* An import or export of a component or instance type. type is the
 * function/instance/component type, or for a type member the type it is
 * equal to (NULL: an abstract resource); modules carry no type. */
typedef struct { const char *name; iw_csort_t sort; const iw_ctype_t *type; } iw_cmember_t;

struct iw_ctype {
    iw_ctype_kind_t kind;
    uint32_t depth;             /* value types: 1 + the deepest element's */
    uint32_t count;             /* fields/cases/labels/elements/params */
    const iw_cfield_t *fields;
    const iw_ctype_t *elem;     /* list/option element, result ok, own/borrow resource, func result (NULL: none) */
    const iw_ctype_t *err;      /* result err (NULL: none) */
    uint32_t nimports, nexports;
    const iw_cmember_t *imports, *exports;  /* component types have both, instance types exports */
    const char *core_sig;       /* CORE_FUNC: iw_sig_t form */
};

const iw_ctype_t *iw_ctype_prim(iw_ctype_kind_t kind);
static inline bool iw_ctype_is_value(const iw_ctype_t *t) { return t->kind <= IW_CT_BORROW; }

/* Canonical options of a lift or lower. -1: not given. */
typedef enum { IW_CENC_UTF8 } iw_cencoding_t;
typedef struct {
    iw_cencoding_t encoding;
    int64_t memory, realloc, post_return;   /* core memory / core func indexes */
} iw_copts_t;

/* Where an item of an index space comes from. */
typedef enum {
    IW_CFROM_IMPORT,        /* a component import: name, type */
    IW_CFROM_ALIAS_EXPORT,  /* the export `name` of component instance `index` */
    IW_CFROM_CORE_EXPORT,   /* the export `name` of core instance `index` */
    IW_CFROM_OUTER,         /* item `index` of the component `count` levels out */
    IW_CFROM_DEFINED,       /* a module, a component, or a type from a type section */
    IW_CFROM_LIFT,          /* canon lift of core func `index`, type `type` */
    IW_CFROM_LOWER,         /* canon lower of func `index` */
    IW_CFROM_RESOURCE_DROP, /* canon resource.drop of imported resource type `index`: core func (i32) -> () */
    IW_CFROM_INSTANTIATE,   /* core instance: module `index` with args; instance: component `index` with args */
    IW_CFROM_INLINE,        /* an instance made of the items args name */
    IW_CFROM_EXPORT         /* a component export re-indexes item `index` */
} iw_cfrom_t;

typedef struct iw_component iw_component_t;

/* An argument of an instantiation or an inline export: name -> item. */
typedef struct { const char *name; iw_csort_t sort; uint32_t index; } iw_carg_t;

typedef struct {
    iw_cfrom_t from;
    uint32_t index, count;
    const char *name;
    const iw_ctype_t *type;     /* funcs, types, instances (NULL for an inline instance), components */
    iw_copts_t opts;            /* LIFT, LOWER */
    uint32_t nargs;
    const iw_carg_t *args;      /* INSTANTIATE, INLINE */
    iw_module_t *module;        /* core modules DEFINED here */
    iw_component_t *component;  /* components DEFINED here */
    uint64_t offset;            /* where it was declared, for errors */
} iw_citem_t;

typedef struct {
    iw_citem_t *items;
    uint32_t count, cap;
} iw_cspace_t;

typedef struct { const char *name; iw_csort_t sort; uint32_t index; const iw_ctype_t *type; uint64_t offset; } iw_cextern_t;

struct iw_component {
    ifr_arena_t *arena;         /* the outermost component's */
    iw_component_t *parent;     /* enclosing component, for outer aliases; NULL at the top */
    iw_cspace_t spaces[IW_CSORT_COUNT];
    iw_cextern_t *imports, *exports;
    uint32_t nimports, nexports, cap_imports, cap_exports;
    iw_module_t **modules;      /* modules decoded here, released with the component */
    uint32_t nmodules, cap_modules;
};

/* Decoding (component_decode.c), the type sections (component_types.c). */
typedef struct iw_ctype_scope iw_ctype_scope_t;
typedef struct iw_cdecoder iw_cdecoder_t;
struct iw_cdecoder {
    iw_reader_t *r;
    iw_component_t *c;
    iw_ctype_scope_t *scope;    /* the component's own type scope */
    uint32_t nesting;
};

/* The preamble: magic, version 0x0d, layer 1. */
bool iw_component_read_preamble(iw_reader_t *r);
bool iw_component_decode_body(iw_cdecoder_t *d);
bool iw_component_decode_types(iw_cdecoder_t *d);
bool iw_component_decode_core_types(iw_cdecoder_t *d);
/* A type index space: a component's own (component set: its TYPE space)
 * or a component/instance type's while it is declared. outer is the
 * enclosing one, for outer aliases. */
struct iw_ctype_scope {
    const iw_ctype_t **types;
    uint32_t ntypes, cap;
    const iw_ctype_scope_t *outer;
    iw_component_t *component;
};
/* externdesc: what an import or a type member declares, its types looked
 * up in scope. */
bool iw_component_read_externdesc(iw_cdecoder_t *d, iw_ctype_scope_t *scope, iw_csort_t *sort,
                                  const iw_ctype_t **type);

void *iw_component_alloc(iw_cdecoder_t *d, size_t count, size_t size);
const char *iw_component_read_name(iw_cdecoder_t *d);
/* importname'/exportname': the name form byte, then the name. */
const char *iw_component_read_extern_name(iw_cdecoder_t *d);
/* Appends to an index space; the new item's index is count-1 after. */
iw_citem_t *iw_component_push(iw_cdecoder_t *d, iw_csort_t sort);
/* Type i of a scope (count levels out), NULL and an error at `at` if there is none. */
const iw_ctype_t *iw_ctype_scope_get(iw_cdecoder_t *d, const iw_ctype_scope_t *scope, uint32_t count,
                                     uint32_t i, const uint8_t *at);

/* Writes t in WIT-like form ("record { method: string, is-tls: bool }") into
 * buf, NUL-terminated (cap > 0); output that does not fit ends in "...".
 * Returns the length written. */
size_t iw_ctype_print(const iw_ctype_t *t, char *buf, size_t cap);

#endif
