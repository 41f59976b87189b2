/* Checked access to guest memory for the WASI host functions. */
#include "wasi/mem.h"

iwasi_errno_t iwasi_store_u32(const iwasi_mem_t *m, uint32_t at, uint32_t v)
{
    uint8_t *p = iwasi_lift_aligned(m, at, 4, 4);
    if (!p) return IWASI_EFAULT;
    iwasi_put_u32(p, v);
    return 0;
}

iwasi_errno_t iwasi_store_u64(const iwasi_mem_t *m, uint32_t at, uint64_t v)
{
    uint8_t *p = iwasi_lift_aligned(m, at, 8, 8);
    if (!p) return IWASI_EFAULT;
    iwasi_put_u64(p, v);
    return 0;
}

iwasi_errno_t iwasi_iovs_lift(const iwasi_mem_t *m, uint32_t iovs, uint32_t count, struct iovec *out)
{
    if (count > IWASI_IOV_MAX) return IWASI_EINVAL;
    const uint8_t *arr = iwasi_lift_aligned(m, iovs, (uint64_t)count * IWASI_IOVEC_SIZE, 4);
    if (!arr) return IWASI_EFAULT;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t buf = iwasi_get_u32(arr + i * IWASI_IOVEC_SIZE);
        uint32_t len = iwasi_get_u32(arr + i * IWASI_IOVEC_SIZE + 4);
        /* An empty buffer needs no valid address (guests pass 0 or junk). */
        uint8_t *p = len ? iwasi_lift(m, buf, len) : NULL;
        if (len && !p) return IWASI_EFAULT;
        out[i].iov_base = p;
        out[i].iov_len = len;
    }
    return 0;
}

size_t iwasi_iovs_total(const struct iovec *iov, size_t n)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (iov[i].iov_len > SIZE_MAX - total) return SIZE_MAX;
        total += iov[i].iov_len;
    }
    return total;
}
