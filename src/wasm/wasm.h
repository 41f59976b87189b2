/* ifrit's WebAssembly engine: the public interface. Pure C17 + libc.
 *
 * Life cycle:
 *   iw_module_t   decoded, validated and compiled once from bytes; immutable,
 *                 reference-counted, shared by any number of instances.
 *   iw_linker_t   what imports resolve to: host functions, host-made
 *                 memories/tables/globals, or the exports of other instances.
 *   iw_instance_t one running copy of a module: memory, tables, globals, and
 *                 at most one call in progress (which may be suspended).
 *   iw_image_t    an immutable snapshot of an instance (including a suspended
 *                 call); new instances start from it cheaply (copy-on-write).
 *
 * Threads: a module and an image may be shared between threads; a linker
 * and an instance are used by one thread at a time, except
 * iw_instance_interrupt(), which any thread may call.
 *
 * Errors are values: loading gives an iw_error_t (byte offset + sentence);
 * running gives a status and, on a trap, an iw_trap_t. Nothing here aborts
 * or exits on bad input. Pointers returned by the engine stay owned by the
 * engine unless a function says otherwise. */
#ifndef IFRIT_WASM_WASM_H
#define IFRIT_WASM_WASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct iw_module iw_module_t;
typedef struct iw_linker iw_linker_t;
typedef struct iw_instance iw_instance_t;
typedef struct iw_image iw_image_t;
typedef struct iw_memory iw_memory_t;
typedef struct iw_table iw_table_t;
typedef struct iw_global iw_global_t;
typedef struct iw_func iw_func_t;   /* a function reference (wasm or host) */

/* ---- values ----------------------------------------------------------- */

typedef enum {
    IW_I32 = 0x7F, IW_I64 = 0x7E, IW_F32 = 0x7D, IW_F64 = 0x7C,
    IW_V128 = 0x7B, IW_FUNCREF = 0x70, IW_EXTERNREF = 0x6F
} iw_valtype_t;

typedef struct {
    iw_valtype_t type;
    union {
        int32_t i32;
        int64_t i64;
        float f32;          /* bit patterns (NaN payloads) are preserved */
        double f64;
        iw_func_t *funcref; /* NULL = ref.null func */
        void *externref;    /* NULL = ref.null extern; otherwise host-owned */
        uint8_t v128[16];   /* the 16 bytes in memory order (lane 0 first) */
    } of;
} iw_val_t;

/* A function type as a compact string: params ':' results, one letter per
 * value: i=i32 I=i64 f=f32 F=f64 r=funcref e=externref v=v128. "ii:i" takes
 * two i32 and returns one; ":" takes and returns nothing. Host functions
 * cannot take or return v128 (their raw slots are 64 bits): a host
 * signature with 'v' is refused. */
typedef const char *iw_sig_t;

/* ---- errors and traps --------------------------------------------------- */

typedef struct {
    uint64_t offset;        /* byte offset in the module where it went wrong */
    char message[200];      /* "type mismatch in i32.add, expected i32 got f64" */
} iw_error_t;

/* Each trap kind: enum suffix, short name (iw_trap_kind_name), the spec's
 * message. */
#define IW_TRAP_KINDS(X)                                                           \
    X(NONE, "none", "no trap")                                                     \
    X(UNREACHABLE, "unreachable", "unreachable executed")                          \
    X(MEMORY_OOB, "memory_oob", "out of bounds memory access")                     \
    X(TABLE_OOB, "table_oob", "out of bounds table access")                        \
    X(DIV_BY_ZERO, "div_by_zero", "integer divide by zero")                        \
    X(INT_OVERFLOW, "int_overflow", "integer overflow")                            \
    X(INVALID_CONVERSION, "invalid_conversion", "invalid conversion to integer")   \
    X(INDIRECT_MISMATCH, "indirect_mismatch", "indirect call type mismatch")       \
    X(NULL_REFERENCE, "null_reference", "null reference")                          \
    X(UNINITIALIZED_ELEMENT, "uninitialized_element", "uninitialized element")     \
    X(STACK_EXHAUSTED, "stack_exhausted", "call stack exhausted")                  \
    X(OUT_OF_FUEL, "out_of_fuel", "out of fuel")                                   \
    X(INTERRUPTED, "interrupted", "interrupted")                                   \
    X(OUT_OF_MEMORY, "out_of_memory", "out of host memory")                        \
    X(HOST, "host", "host error")

typedef enum {
#define IW_TRAP_ENUM(name, short_name, text) IW_TRAP_##name,
    IW_TRAP_KINDS(IW_TRAP_ENUM)
#undef IW_TRAP_ENUM
} iw_trap_kind_t;

#define IW_BACKTRACE_MAX 32

typedef struct {
    uint32_t func_index;    /* index in the module's function space */
    uint32_t code_offset;   /* byte offset of the instruction in the module */
    const char *name;       /* from the name section, or NULL; owned by the module */
} iw_frame_t;

typedef struct {
    iw_trap_kind_t kind;
    char message[200];      /* the spec's wording, plus detail for host traps */
    uint32_t frame_count;   /* innermost first */
    iw_frame_t frames[IW_BACKTRACE_MAX];
} iw_trap_t;

const char *iw_trap_kind_name(iw_trap_kind_t kind);   /* "unreachable", "memory_oob" ... */

/* ---- modules ------------------------------------------------------------ */

typedef enum { IW_EXTERN_FUNC, IW_EXTERN_TABLE, IW_EXTERN_MEMORY, IW_EXTERN_GLOBAL } iw_extern_kind_t;

typedef struct {
    const char *module;     /* import module name (imports only) */
    const char *name;       /* field / export name, NUL-terminated, owned by the module */
    iw_extern_kind_t kind;
    uint32_t index;         /* index in its space (function, table, ...) */
} iw_extern_info_t;

/* Decodes, validates and compiles. bytes is only read during the call.
 * Returns NULL and fills *err on a malformed or invalid module. */
iw_module_t *iw_module_new(const uint8_t *bytes, size_t len, iw_error_t *err);
void iw_module_retain(iw_module_t *m);
void iw_module_release(iw_module_t *m);     /* frees at the last reference */

uint32_t iw_module_import_count(const iw_module_t *m);
uint32_t iw_module_export_count(const iw_module_t *m);
void iw_module_import_info(const iw_module_t *m, uint32_t i, iw_extern_info_t *out);
void iw_module_export_info(const iw_module_t *m, uint32_t i, iw_extern_info_t *out);
/* The signature of function index func (imports first), in iw_sig_t form;
 * the string is owned by the module. */
const char *iw_module_func_sig(const iw_module_t *m, uint32_t func);

/* Which engine runs the modules loaded from now on (docs/engine.md,
 * "Compiler"); process-wide. DEFAULT follows the environment variable
 * IFRIT_ENGINE ("compiler"; anything else or unset: the interpreter). The
 * compiler exists on x86-64 Linux only; elsewhere every engine interprets. */
typedef enum { IW_ENGINE_DEFAULT, IW_ENGINE_INTERPRETER, IW_ENGINE_COMPILER } iw_engine_t;
void iw_set_engine(iw_engine_t engine);
/* How many of m's defined functions run as machine code (the others run
 * in the interpreter); *defined (if not NULL) gets how many it defines. */
uint32_t iw_module_compiled_count(const iw_module_t *m, uint32_t *defined);

/* ---- host objects and linking ------------------------------------------ */

/* What a host function tells the engine. */
typedef enum {
    IW_HOST_OK,         /* results are filled in */
    IW_HOST_TRAP,       /* iw_host_trap() was called: the call traps */
    IW_HOST_SUSPEND,    /* pause the guest here; iw_resume() supplies results */
    IW_HOST_EXIT        /* iw_host_exit() was called: the guest exits (proc_exit) */
} iw_host_result_t;

/* A host function. args and results are raw 64-bit slots in the order of the
 * signature: i32 zero-extended, f32/f64 as bit patterns, refs as pointers.
 * env is what was given at definition; the instance gives access to the
 * caller's memory (iw_memory_lift) and its user data. */
typedef iw_host_result_t (*iw_host_fn_t)(iw_instance_t *inst, void *env,
                                         const uint64_t *args, uint64_t *results);

iw_linker_t *iw_linker_new(void);
void iw_linker_free(iw_linker_t *l);   /* does not free what it points to */

/* Each returns 0, or -1 on a bad signature string or out of memory.
 * module/name are copied. A later definition of the same name replaces. */
int iw_linker_define_func(iw_linker_t *l, const char *module, const char *name,
                          iw_sig_t sig, iw_host_fn_t fn, void *env);
int iw_linker_define_memory(iw_linker_t *l, const char *module, const char *name, iw_memory_t *mem);
int iw_linker_define_table(iw_linker_t *l, const char *module, const char *name, iw_table_t *tab);
int iw_linker_define_global(iw_linker_t *l, const char *module, const char *name, iw_global_t *glob);
/* Makes every export of inst importable as module.<export name>. */
int iw_linker_define_instance(iw_linker_t *l, const char *module, iw_instance_t *inst);

/* Host-made objects (the spec tests' "spectest" module needs them).
 * The caller owns them and frees them after every instance using them. */
iw_memory_t *iw_memory_new(uint32_t min_pages, uint32_t max_pages /* UINT32_MAX = none */);
void iw_memory_free(iw_memory_t *m);
iw_table_t *iw_table_new(iw_valtype_t elem, uint32_t min, uint32_t max /* UINT32_MAX = none */);
void iw_table_free(iw_table_t *t);
iw_global_t *iw_global_new(iw_val_t value, bool mutable_);
void iw_global_free(iw_global_t *g);

/* ---- instances ---------------------------------------------------------- */

typedef struct {
    uint64_t max_memory_bytes;  /* all defined memories together; 0 = only the module's own limits; memory.grow past returns -1 */
    uint64_t fuel;              /* 0 = unlimited; else the call traps OUT_OF_FUEL when spent */
    uint32_t max_call_depth;    /* 0 = default (IW_DEFAULT_CALL_DEPTH) */
    uint32_t max_stack_bytes;   /* value stack; 0 = default (IW_DEFAULT_STACK_BYTES) */
    int64_t deadline_ns;        /* 0 = none; else CLOCK_MONOTONIC time at which the call traps INTERRUPTED */
} iw_limits_t;

#define IW_DEFAULT_CALL_DEPTH 10000
#define IW_DEFAULT_STACK_BYTES (8u << 20)

/* Resolves imports through the linker (NULL if the module imports nothing),
 * allocates memory and tables, runs data/element segments and the start
 * function. On failure returns NULL and fills *err (link error) or *trap
 * (the start function trapped); either pointer may be NULL. */
iw_instance_t *iw_instance_new(iw_module_t *m, iw_linker_t *l, const iw_limits_t *limits,
                               iw_error_t *err, iw_trap_t *trap);
void iw_instance_free(iw_instance_t *inst);

/* Per-instance data for host functions (WASI keeps its context here). */
void iw_instance_set_user_data(iw_instance_t *inst, void *data);
void *iw_instance_user_data(const iw_instance_t *inst);
iw_module_t *iw_instance_module(const iw_instance_t *inst);

/* Exports by name; NULL if absent or of another kind. Owned by the instance. */
iw_func_t *iw_instance_func(iw_instance_t *inst, const char *name);
iw_memory_t *iw_instance_memory(iw_instance_t *inst, const char *name);
iw_table_t *iw_instance_table(iw_instance_t *inst, const char *name);
iw_global_t *iw_instance_global(iw_instance_t *inst, const char *name);
/* Same as iw_instance_func for names that may contain NUL bytes. */
iw_func_t *iw_instance_func_n(iw_instance_t *inst, const char *name, size_t len);

iw_val_t iw_global_get(const iw_global_t *g);
int iw_global_set(iw_global_t *g, iw_val_t v);  /* -1 if immutable or wrong type */
const char *iw_func_sig(const iw_func_t *f);

/* Memory access for host functions: a checked "lift" of [offset, offset+len)
 * of the instance's memory 0. Returns NULL if any byte is out of bounds (the
 * host then traps). The pointer is valid until the guest runs again
 * (memory.grow may move the memory). */
void *iw_memory_lift(iw_instance_t *inst, uint64_t offset, uint64_t len);
uint64_t iw_memory_size(iw_instance_t *inst);      /* bytes of memory 0 */
/* Bytes of all the memories the instance defines (imported ones are their
 * definer's): what the embedder's max_memory_bytes caps. */
uint64_t iw_memory_total(const iw_instance_t *inst);
uint8_t *iw_memory_data(iw_memory_t *m, uint64_t *size_out);
int iw_memory_grow(iw_memory_t *m, uint32_t delta_pages); /* old size in pages, or -1 */

/* Called from a host function before returning IW_HOST_TRAP / IW_HOST_EXIT. */
void iw_host_trap(iw_instance_t *inst, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void iw_host_exit(iw_instance_t *inst, int32_t code);

/* ---- running ------------------------------------------------------------ */

typedef enum {
    IW_FINISHED,    /* results are filled in */
    IW_TRAPPED,     /* iw_instance_trap() says why; the instance may still be used */
    IW_EXITED,      /* the guest called a host function that exited (proc_exit) */
    IW_SUSPENDED    /* fuel slice used up, or a host function asked to suspend */
} iw_status_t;

typedef enum {
    IW_SUSPEND_NONE,
    IW_SUSPEND_SLICE,   /* the slice of fuel is used up: iw_resume(inst, NULL) continues */
    IW_SUSPEND_HOST     /* a host function suspended: iw_resume(inst, results) */
} iw_suspend_reason_t;

/* Calls f with args (count and types must match its signature, else the
 * call traps HOST with a message). results must have room for every result. */
iw_status_t iw_call(iw_instance_t *inst, iw_func_t *f, const iw_val_t *args, uint32_t nargs,
                    iw_val_t *results, uint32_t nresults);
/* Like iw_call, also from inside a host function called by inst's running
 * call (how a host has the guest allocate memory for a result: proxy-wasm's
 * malloc): the nested call runs to its end on stacks of its own, with the
 * fuel the running call has left and its deadline, and the fuel it uses
 * counts toward the running call. inst is the instance iw_call was given.
 * A nested call cannot suspend (it traps). When inst is idle, this is
 * iw_call. */
iw_status_t iw_call_from_host(iw_instance_t *inst, iw_func_t *f, const iw_val_t *args, uint32_t nargs,
                              iw_val_t *results, uint32_t nresults);
/* Makes calls on this instance stop with IW_SUSPENDED (IW_SUSPEND_SLICE)
 * after about `fuel` more instructions; 0 = no slicing. Independent of the
 * total fuel limit. */
void iw_instance_set_slice(iw_instance_t *inst, uint64_t fuel);
/* Continues a suspended call. host_results are the suspended host function's
 * results (NULL for a slice suspension). Returns like iw_call and fills the
 * results array given to the original iw_call. */
iw_status_t iw_resume(iw_instance_t *inst, const uint64_t *host_results);
/* Why the current call is suspended, and for IW_SUSPEND_HOST which host
 * function with which raw arguments (owned by the instance). */
iw_suspend_reason_t iw_instance_suspended(const iw_instance_t *inst, const char **import_name,
                                          const uint64_t **args);
/* The guest frames of a suspended call, innermost first (as a trap's
 * backtrace), at most max; 0 when no call is suspended. Profilers sample
 * it at each end of a slice (iw_instance_set_slice). */
uint32_t iw_instance_frames(const iw_instance_t *inst, iw_frame_t *frames, uint32_t max);
/* The results of the last call that finished (also one resumed on an
 * instance made from an image, which has no iw_call results array).
 * Returns how many were written, 0 if the last call did not finish. */
uint32_t iw_instance_results(const iw_instance_t *inst, iw_val_t *out, uint32_t n);
/* Abandons a suspended call; the instance is idle again. */
void iw_instance_abort_call(iw_instance_t *inst);

const iw_trap_t *iw_instance_trap(const iw_instance_t *inst);
int32_t iw_instance_exit_code(const iw_instance_t *inst);
uint64_t iw_instance_fuel_used(const iw_instance_t *inst);
void iw_instance_add_fuel(iw_instance_t *inst, uint64_t fuel);
/* Safe from any thread or signal handler: the running call traps
 * INTERRUPTED at the next loop back-edge or call. */
void iw_instance_interrupt(iw_instance_t *inst);
void iw_instance_set_deadline(iw_instance_t *inst, int64_t deadline_ns);

/* ---- snapshots ---------------------------------------------------------- */

/* Captures memory, globals, tables and a suspended call's stack. The
 * instance goes on unchanged. NULL on out-of-memory. */
iw_image_t *iw_image_capture(iw_instance_t *inst);
void iw_image_retain(iw_image_t *img);
void iw_image_release(iw_image_t *img);
/* A new instance in exactly the captured state (suspended if it was), with
 * its own limits. Memory is mapped copy-on-write where the platform allows
 * (memfd + MAP_PRIVATE on Linux), copied elsewhere. Host objects imported
 * by the original instance are shared, not copied. User data starts NULL. */
iw_instance_t *iw_instance_from_image(iw_image_t *img, const iw_limits_t *limits, iw_error_t *err);

/* Like iw_instance_from_image, for an instance that runs many calls each
 * starting from the image's state: its memory is a private copy whose
 * writes are tracked (a byte store per guest store), so that
 * iw_instance_reset puts it back at a cost in proportion to what changed.
 * The instance holds a reference to img. Not for images of paused calls. */
iw_instance_t *iw_instance_from_image_resettable(iw_image_t *img, const iw_limits_t *limits, iw_error_t *err);
/* Puts such an instance back into its image's state (memory, globals,
 * tables, dropped segments; no call in progress, no trap, fuel and
 * deadline from `limits`), keeping its user data. Abandons a call in
 * progress. Returns -1 for an instance not made resettable or whose image
 * does not fit `limits`: free it then. */
int iw_instance_reset(iw_instance_t *inst, const iw_limits_t *limits);
/* Makes inst (an iw_instance_new instance at rest) resettable in place: its
 * state now is what iw_instance_reset puts back. What inst imports is not
 * captured: instances linked to each other (a component's core instances)
 * are each made resettable once all are made, and each reset restores what
 * it defines. -1 (inst unchanged) when out of memory, paused or already
 * resettable. */
int iw_instance_make_resettable(iw_instance_t *inst);

/* ---- components --------------------------------------------------------- */

/* A WebAssembly component (the component model's binary format, version
 * 0x0d, layer 1; docs/engine.md, "Components"): decoded and checked, its
 * nested core modules loaded as iw_module_t. What the engine does not
 * support is refused at load with a sentence naming it and its offset. */
typedef struct iw_component iw_component_t;

/* True if bytes start with a component's preamble (a core module's layer
 * is 0). */
bool iw_is_component(const uint8_t *bytes, size_t len);
/* bytes is only read during the call. NULL and *err on a bad component. */
iw_component_t *iw_component_new(const uint8_t *bytes, size_t len, iw_error_t *err);
void iw_component_free(iw_component_t *c);
uint32_t iw_component_import_count(const iw_component_t *c);
uint32_t iw_component_export_count(const iw_component_t *c);
/* The name of import (import true) or export i, owned by the component;
 * NULL past the end. */
const char *iw_component_extern_name(const iw_component_t *c, bool import, uint32_t i);
/* Its type in WIT-like text into buf, NUL-terminated, "..." at the end if
 * it does not fit: "func(eos: bool) -> enum { continue, respond, skip }".
 * Returns the length written (0 past the end). */
size_t iw_component_extern_type(const iw_component_t *c, bool import, uint32_t i, char *buf, size_t cap);
/* How many parameters the exported function func takes, -1 if there is no
 * such export. */
int iw_component_export_params(const iw_component_t *c, const char *func);
/* Field `field` of the record parameter `param` of exported function func
 * takes: its name (owned by the component) and its type as text into type
 * (cap > 0). NULL past the last field or when that parameter is no record:
 * how an embedder tells shapes of a world apart by their types. */
const char *iw_component_export_param_field(const iw_component_t *c, const char *func, uint32_t param,
                                            uint32_t field, char *type, size_t cap);

/* Running a component. Values cross in iw_cval_t, whose meaning follows
 * the type: bool and integers, char and enum cases and flags bits in u;
 * floats in f; a string's UTF-8 (or a list's elements, a record's fields
 * in order, a tuple's elements) in str/list; a variant's case, option's
 * (0 none, 1 some) or result's (0 ok, 1 error) in var, with its payload
 * or NULL. Lifted values live in the instance's scratch memory
 * (iw_cinstance_scratch). */
typedef struct iw_cval iw_cval_t;
struct iw_cval {
    union {
        uint64_t u;
        double f;
        struct { const char *ptr; uint32_t len; } str;
        struct { iw_cval_t *items; uint32_t count; } list;
        struct { uint32_t which; iw_cval_t *payload; } var;
    } of;
};

typedef struct iw_cinstance iw_cinstance_t;
/* A host function a component imports, as `func` of the instance import
 * `instance` ("dwaar:plugin/host@0.1.0"). It fills *result (ignored for a
 * function without one), taking memory for lists and payloads from
 * iw_cinstance_scratch(ci), and returns 0, or -1 after iw_cinstance_fail
 * to trap the guest's call. */
typedef int (*iw_chost_fn_t)(iw_cinstance_t *ci, void *env, const iw_cval_t *args, iw_cval_t *result);
/* instance ending in '@' names every version of it ("wasi:cli/stdout@");
 * func NULL stands for every function of the instance. fn NULL: a stub
 * that denies, answering zeros, "", empty lists, none, a result's error,
 * a variant's first case without a payload, enum case 0, handle 1 (and
 * canon resource.drop of the instance's resources does nothing). The
 * first def that fits is taken. */
typedef struct { const char *instance, *func; iw_chost_fn_t fn; void *env; } iw_chost_def_t;

/* Instantiates every core instance of the component in order, linking them
 * as it says, and the functions of its instance imports to defs (an
 * import defs lack fails the instantiation, naming it). defs must outlive
 * the instance. Each core instance gets limits.
 * NULL and *err (or *trap: a start function trapped) on failure. */
iw_cinstance_t *iw_cinstance_new(iw_component_t *c, const iw_chost_def_t *defs, uint32_t ndefs,
                                 const iw_limits_t *limits, iw_error_t *err, iw_trap_t *trap);
void iw_cinstance_free(iw_cinstance_t *ci);
void iw_cinstance_set_user_data(iw_cinstance_t *ci, void *data);
void *iw_cinstance_user_data(const iw_cinstance_t *ci);
/* Memory for a call's arguments or a host function's results, freed with
 * the instance (the arguments an embedder builds here must outlive the
 * call). NULL when out of memory. */
void *iw_cinstance_scratch(iw_cinstance_t *ci, size_t size);
void iw_cinstance_fail(iw_cinstance_t *ci, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Calls the exported function `name` (a lifted core function) with args as
 * its type says; *result gets its result. IW_TRAPPED: iw_cinstance_trap(). */
iw_status_t iw_cinstance_call(iw_cinstance_t *ci, const char *name, const iw_cval_t *args, uint32_t nargs,
                              iw_cval_t *result);
const iw_trap_t *iw_cinstance_trap(const iw_cinstance_t *ci);
/* Snapshots ci as it is now (each core instance made resettable in place)
 * so that iw_cinstance_reset can put it back for the next call; -1 when
 * out of memory. */
int iw_cinstance_snapshot(iw_cinstance_t *ci);
/* Puts a snapshotted ci back into its snapshot's state (memories: the
 * blocks written since; tables, globals), with limits for its next call,
 * and drops the previous call's scratch memory and trap. -1: free ci. */
int iw_cinstance_reset(iw_cinstance_t *ci, const iw_limits_t *limits);

#endif
