/* What the validator and compiler need to know about each SIMD
 * instruction (simd.h), from the tables of simd_table.h. */
#include "wasm/ops.h"
#include "wasm/simd.h"
#include "wasm/simd_table.h"

const iw_simd_info_t *iw_simd_info(uint32_t sub)
{
    switch (sub) {
#define IW__X(code, kind, scalar, lanes, fn, text)                            \
    case code: {                                                              \
        static const iw_simd_info_t info = { IW_SIMD_##kind, scalar, lanes, IW_OP_SIMD_##fn, text }; \
        return &info;                                                         \
    }
        IW_SIMD_OPS(IW__X)
#undef IW__X
    default: return NULL;
    }
}

const iw_simd_mem_info_t *iw_simd_mem_info(uint32_t sub)
{
    switch (sub) {
#define IW__OP_LOAD(N) IW_OP_##N
#define IW__OP_LOAD_LANE(N) IW_OP_##N
#define IW__OP_STORE(N) IW_OP_SIMD_STORE
#define IW__OP_STORE_LANE(N) IW_OP_SIMD_STORE
#define IW__X(code, N, kind, bytes, align, lanes, fn, text)                   \
    case code: {                                                              \
        static const iw_simd_mem_info_t info = { IW_SIMD_##kind, bytes, align, lanes, IW__OP_##kind(N), text }; \
        return &info;                                                         \
    }
        IW_SIMD_MEM_OPS(IW__X)
#undef IW__X
#undef IW__OP_LOAD
#undef IW__OP_LOAD_LANE
#undef IW__OP_STORE
#undef IW__OP_STORE_LANE
    default: return NULL;
    }
}
