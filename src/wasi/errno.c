/* WASI errno values: names, and the mapping from the host's errno. */
#include <errno.h>

#include "wasi/wasi.h"

const char *iwasi_errno_name(iwasi_errno_t e)
{
    switch (e) {
#define IWASI__ERRNO_NAME(name, value) case value: return #name;
        IWASI_ERRNO_MAP(IWASI__ERRNO_NAME)
#undef IWASI__ERRNO_NAME
    }
    return "?";
}

/* Host errno -> WASI errno. Listed by name because the host's numbers
 * differ between platforms (and wasi-libc's are WASI's own). */
#define IWASI__HOST_ERRNO_MAP(X)                                               \
    X(E2BIG, 2BIG) X(EACCES, ACCES) X(EADDRINUSE, ADDRINUSE)                   \
    X(EADDRNOTAVAIL, ADDRNOTAVAIL) X(EAFNOSUPPORT, AFNOSUPPORT) X(EAGAIN, AGAIN) \
    X(EALREADY, ALREADY) X(EBADF, BADF) X(EBADMSG, BADMSG) X(EBUSY, BUSY)      \
    X(ECANCELED, CANCELED) X(ECHILD, CHILD) X(ECONNABORTED, CONNABORTED)       \
    X(ECONNREFUSED, CONNREFUSED) X(ECONNRESET, CONNRESET) X(EDEADLK, DEADLK)   \
    X(EDESTADDRREQ, DESTADDRREQ) X(EDOM, DOM) X(EDQUOT, DQUOT) X(EEXIST, EXIST) \
    X(EFAULT, FAULT) X(EFBIG, FBIG) X(EHOSTUNREACH, HOSTUNREACH) X(EIDRM, IDRM) \
    X(EILSEQ, ILSEQ) X(EINPROGRESS, INPROGRESS) X(EINTR, INTR) X(EINVAL, INVAL) \
    X(EIO, IO) X(EISCONN, ISCONN) X(EISDIR, ISDIR) X(ELOOP, LOOP)              \
    X(EMFILE, MFILE) X(EMLINK, MLINK) X(EMSGSIZE, MSGSIZE) X(EMULTIHOP, MULTIHOP) \
    X(ENAMETOOLONG, NAMETOOLONG) X(ENETDOWN, NETDOWN) X(ENETRESET, NETRESET)   \
    X(ENETUNREACH, NETUNREACH) X(ENFILE, NFILE) X(ENOBUFS, NOBUFS)             \
    X(ENODEV, NODEV) X(ENOENT, NOENT) X(ENOEXEC, NOEXEC) X(ENOLCK, NOLCK)      \
    X(ENOLINK, NOLINK) X(ENOMEM, NOMEM) X(ENOMSG, NOMSG)                       \
    X(ENOPROTOOPT, NOPROTOOPT) X(ENOSPC, NOSPC) X(ENOSYS, NOSYS)               \
    X(ENOTCONN, NOTCONN) X(ENOTDIR, NOTDIR) X(ENOTEMPTY, NOTEMPTY)             \
    X(ENOTRECOVERABLE, NOTRECOVERABLE) X(ENOTSOCK, NOTSOCK) X(ENOTSUP, NOTSUP) \
    X(ENOTTY, NOTTY) X(ENXIO, NXIO) X(EOVERFLOW, OVERFLOW)                     \
    X(EOWNERDEAD, OWNERDEAD) X(EPERM, PERM) X(EPIPE, PIPE) X(EPROTO, PROTO)    \
    X(EPROTONOSUPPORT, PROTONOSUPPORT) X(EPROTOTYPE, PROTOTYPE)                \
    X(ERANGE, RANGE) X(EROFS, ROFS) X(ESPIPE, SPIPE) X(ESRCH, SRCH)            \
    X(ESTALE, STALE) X(ETIMEDOUT, TIMEDOUT) X(ETXTBSY, TXTBSY) X(EXDEV, XDEV)

iwasi_errno_t iwasi_errno_from_host(int host_errno)
{
    /* An if-chain, not a switch: some hosts give two names one number
     * (EAGAIN/EWOULDBLOCK, ENOTSUP/EOPNOTSUPP), which a switch rejects. */
#define IWASI__FROM_HOST(host, wasi) if (host_errno == host) return IWASI_E##wasi;
    IWASI__HOST_ERRNO_MAP(IWASI__FROM_HOST)
#undef IWASI__FROM_HOST
    if (host_errno == 0) return IWASI_ESUCCESS;
    return IWASI_EIO;
}
