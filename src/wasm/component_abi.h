/* The canonical ABI for the component's value types (component_abi.c):
 * sizes and alignments in linear memory, flattening to core values, and
 * moving values between the host (iw_cval_t) and a guest's memory and core
 * arguments. Resource handles (own, borrow) are not supported: a function
 * using them is refused when the component is instantiated. */
#ifndef IFRIT_WASM_COMPONENT_ABI_H
#define IFRIT_WASM_COMPONENT_ABI_H

#include "wasm/component.h"

#define IW_CABI_MAX_FLAT_PARAMS  16u
#define IW_CABI_MAX_FLAT_RESULTS 1u

uint32_t iw_cabi_align(const iw_ctype_t *t);
uint32_t iw_cabi_size(const iw_ctype_t *t);
/* Appends t's flat core types (letters of iw_sig_t) to out; returns false
 * past max (out then holds max letters at most). */
bool iw_cabi_flatten(const iw_ctype_t *t, char *out, uint32_t *n, uint32_t max);

/* What a lift or lower works on: the guest's memory and its realloc, and
 * the scratch memory host values are made of. */
typedef struct {
    iw_memory_t *memory;        /* NULL when the options name none */
    iw_instance_t *caller;      /* the running root instance, for realloc calls */
    iw_func_t *realloc;         /* NULL when the options name none */
    ifr_arena_t *scratch;       /* host copies of lifted values */
    iw_trap_t *trap;            /* where a failure is described */
    bool failed;
} iw_cabi_cx_t;

/* Lifting: from flat core slots (raw 64-bit, engine form) or from memory. */
bool iw_cabi_lift_flat(iw_cabi_cx_t *cx, const iw_ctype_t *t, const uint64_t *slots, uint32_t *pos, iw_cval_t *out);
bool iw_cabi_load(iw_cabi_cx_t *cx, const iw_ctype_t *t, uint64_t ptr, iw_cval_t *out);
/* Lowering: to flat core slots or to memory; strings and lists get guest
 * memory through realloc. */
bool iw_cabi_lower_flat(iw_cabi_cx_t *cx, const iw_ctype_t *t, const iw_cval_t *v, uint64_t *slots, uint32_t *pos);
bool iw_cabi_store(iw_cabi_cx_t *cx, const iw_ctype_t *t, const iw_cval_t *v, uint64_t ptr);
/* realloc(0, 0, align, size) in the guest; false (trap set) on failure. */
bool iw_cabi_alloc(iw_cabi_cx_t *cx, uint32_t align, uint32_t size, uint64_t *ptr);
/* What a denying host function answers (a WASI stub): zeros, "", empty
 * lists, option none, a result's error, a variant's first case without a
 * payload (stream-error's closed), enum case 0 (error-code's access), and
 * handle 1 for own/borrow. Payloads in scratch; false when out of it. */
bool iw_cabi_deny_value(iw_cabi_cx_t *cx, const iw_ctype_t *t, iw_cval_t *out);

#endif
