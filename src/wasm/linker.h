/* The linker's table of definitions (linker.c), read by instance.c. */
#ifndef IFRIT_WASM_LINKER_H
#define IFRIT_WASM_LINKER_H

#include "wasm/runtime.h"

typedef struct {
    char *module, *name;            /* owned copies */
    iw_extern_kind_t kind;
    iw_func_t *func;                /* an export of an instance */
    iw_func_t host;                 /* a host function (host.host != NULL) */
    char *host_sig;                 /* owned copy of its signature */
    iw_memory_t *memory;
    iw_table_t *table;
    iw_global_t *global;
} iw_def_t;

struct iw_linker {
    iw_def_t *defs;
    uint32_t count, cap;
};

/* Defines module.name as f itself (a function of an instance, or one a
 * component made), which must outlive the instances importing it. */
int iw_linker_define_func_ref(iw_linker_t *l, const char *module, const char *name, iw_func_t *f);

/* The newest definition of module.name, or NULL. */
const iw_def_t *iw_linker_find(const iw_linker_t *l, const char *module, const char *name);

#endif
