/* Guest memory as WASI host functions see it: one checked lift for every
 * guest pointer+length, and little-endian loads and stores for the ABI's
 * structures. The lift is a function pointer so that the host functions can
 * be driven by unit tests over a plain buffer as well as by the engine
 * (iw_memory_lift). */
#ifndef IFRIT_WASI_MEM_H
#define IFRIT_WASI_MEM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>

#include "wasi/abi.h"

typedef struct {
    /* Host address of [offset, offset+len) of the guest memory, or NULL if
     * any byte is out of bounds. Valid until the guest runs again. */
    void *(*lift)(void *env, uint64_t offset, uint64_t len);
    void *env;
} iwasi_mem_t;

/* The most iovecs one call may pass (as POSIX IOV_MAX on Linux). */
#define IWASI_IOV_MAX 1024

/* Lifts [offset, offset+len); len 0 is valid anywhere within or at the end. */
static inline uint8_t *iwasi_lift(const iwasi_mem_t *m, uint64_t offset, uint64_t len)
{
    return m->lift(m->env, offset, len);
}

/* The same for a pointer to a value of the ABI's types, which must be
 * aligned to its type (align: 2, 4 or 8); a misaligned one gives NULL. */
static inline uint8_t *iwasi_lift_aligned(const iwasi_mem_t *m, uint64_t offset, uint64_t len, uint64_t align)
{
    return (offset & (align - 1)) ? NULL : m->lift(m->env, offset, len);
}

static inline uint16_t iwasi_get_u16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t iwasi_get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t iwasi_get_u64(const uint8_t *p)
{
    return (uint64_t)iwasi_get_u32(p) | (uint64_t)iwasi_get_u32(p + 4) << 32;
}
static inline void iwasi_put_u16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void iwasi_put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline void iwasi_put_u64(uint8_t *p, uint64_t v)
{
    iwasi_put_u32(p, (uint32_t)v);
    iwasi_put_u32(p + 4, (uint32_t)(v >> 32));
}

/* Stores a u32 / u64 result at a guest address: 0 or IWASI_EFAULT (out of
 * bounds or not aligned to 4 / 8). */
iwasi_errno_t iwasi_store_u32(const iwasi_mem_t *m, uint32_t at, uint32_t v);
iwasi_errno_t iwasi_store_u64(const iwasi_mem_t *m, uint32_t at, uint64_t v);

/* Gathers the guest's iovec array (count entries at iovs) into host iovecs:
 * out[i] points into guest memory. Returns 0, IWASI_EFAULT if the array or
 * a buffer is out of bounds or the array is not aligned to 4, IWASI_EINVAL
 * if count > IWASI_IOV_MAX. */
iwasi_errno_t iwasi_iovs_lift(const iwasi_mem_t *m, uint32_t iovs, uint32_t count, struct iovec *out);

/* Total length of n iovecs, saturating at SIZE_MAX (they may overlap). */
size_t iwasi_iovs_total(const struct iovec *iov, size_t n);

#endif
