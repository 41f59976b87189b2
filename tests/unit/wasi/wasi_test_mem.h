/* A fake guest memory for driving the WASI host calls without the engine:
 * a 64 KiB buffer, a checked lift over it, and helpers to place data and
 * call a host function by name with raw argument slots. */
#ifndef IFRIT_TEST_WASI_MEM_H
#define IFRIT_TEST_WASI_MEM_H

#include <stdint.h>
#include <string.h>

#include "wasi/call.h"

#define GUEST_SIZE 65536u
static uint8_t guest[GUEST_SIZE];

static void *guest_lift(void *env, uint64_t off, uint64_t len)
{
    (void)env;
    if (off > GUEST_SIZE || len > GUEST_SIZE - off) return NULL;
    return guest + off;
}

static const iwasi_mem_t guest_mem = { guest_lift, NULL };

/* Runs host function `name` with the given raw slots. */
#define WCALL(ctx, name, ...) \
    iwasi_hostcall_run(iwasi_hostcall_find(name), (ctx), &guest_mem, (const uint64_t[]){ __VA_ARGS__ })

static inline uint32_t guest_u32(uint32_t at) { return iwasi_get_u32(guest + at); }
static inline uint64_t guest_u64(uint32_t at) { return iwasi_get_u64(guest + at); }

/* Copies s (no NUL) to at; returns its length for the call's len slot. */
static inline uint32_t guest_str(uint32_t at, const char *s)
{
    memcpy(guest + at, s, strlen(s));
    return (uint32_t)strlen(s);
}

/* One iovec {buf, len} at at. */
static inline void guest_iov(uint32_t at, uint32_t buf, uint32_t len)
{
    iwasi_put_u32(guest + at, buf);
    iwasi_put_u32(guest + at + 4, len);
}

#endif
