/* The WASI preview1 ABI as the guest sees it: errno values, flag bits and
 * the byte layouts of the structures host functions read and write in guest
 * memory. Numbers are those of the wasi_snapshot_preview1 witx; guest
 * structures are little-endian and are always accessed through the
 * iwasi_load / iwasi_store helpers of mem.h, never by casting host structs. */
#ifndef IFRIT_WASI_ABI_H
#define IFRIT_WASI_ABI_H

#include <stdint.h>

/* errno: name, value (witx order; the value is the position). */
#define IWASI_ERRNO_MAP(X)                                                     \
    X(SUCCESS, 0) X(2BIG, 1) X(ACCES, 2) X(ADDRINUSE, 3) X(ADDRNOTAVAIL, 4)    \
    X(AFNOSUPPORT, 5) X(AGAIN, 6) X(ALREADY, 7) X(BADF, 8) X(BADMSG, 9)        \
    X(BUSY, 10) X(CANCELED, 11) X(CHILD, 12) X(CONNABORTED, 13)                \
    X(CONNREFUSED, 14) X(CONNRESET, 15) X(DEADLK, 16) X(DESTADDRREQ, 17)       \
    X(DOM, 18) X(DQUOT, 19) X(EXIST, 20) X(FAULT, 21) X(FBIG, 22)              \
    X(HOSTUNREACH, 23) X(IDRM, 24) X(ILSEQ, 25) X(INPROGRESS, 26) X(INTR, 27)  \
    X(INVAL, 28) X(IO, 29) X(ISCONN, 30) X(ISDIR, 31) X(LOOP, 32) X(MFILE, 33) \
    X(MLINK, 34) X(MSGSIZE, 35) X(MULTIHOP, 36) X(NAMETOOLONG, 37)             \
    X(NETDOWN, 38) X(NETRESET, 39) X(NETUNREACH, 40) X(NFILE, 41)              \
    X(NOBUFS, 42) X(NODEV, 43) X(NOENT, 44) X(NOEXEC, 45) X(NOLCK, 46)         \
    X(NOLINK, 47) X(NOMEM, 48) X(NOMSG, 49) X(NOPROTOOPT, 50) X(NOSPC, 51)     \
    X(NOSYS, 52) X(NOTCONN, 53) X(NOTDIR, 54) X(NOTEMPTY, 55)                  \
    X(NOTRECOVERABLE, 56) X(NOTSOCK, 57) X(NOTSUP, 58) X(NOTTY, 59)            \
    X(NXIO, 60) X(OVERFLOW, 61) X(OWNERDEAD, 62) X(PERM, 63) X(PIPE, 64)       \
    X(PROTO, 65) X(PROTONOSUPPORT, 66) X(PROTOTYPE, 67) X(RANGE, 68)           \
    X(ROFS, 69) X(SPIPE, 70) X(SRCH, 71) X(STALE, 72) X(TIMEDOUT, 73)          \
    X(TXTBSY, 74) X(XDEV, 75) X(NOTCAPABLE, 76)

typedef uint16_t iwasi_errno_t;
enum {
#define IWASI__ERRNO_ENUM(name, value) IWASI_E##name = value,
    IWASI_ERRNO_MAP(IWASI__ERRNO_ENUM)
#undef IWASI__ERRNO_ENUM
};

/* clockid */
enum { IWASI_CLOCK_REALTIME, IWASI_CLOCK_MONOTONIC, IWASI_CLOCK_PROCESS_CPUTIME, IWASI_CLOCK_THREAD_CPUTIME };

/* filetype (u8) */
enum {
    IWASI_FILETYPE_UNKNOWN, IWASI_FILETYPE_BLOCK_DEVICE, IWASI_FILETYPE_CHARACTER_DEVICE,
    IWASI_FILETYPE_DIRECTORY, IWASI_FILETYPE_REGULAR_FILE, IWASI_FILETYPE_SOCKET_DGRAM,
    IWASI_FILETYPE_SOCKET_STREAM, IWASI_FILETYPE_SYMBOLIC_LINK
};

/* whence (u8) */
enum { IWASI_WHENCE_SET, IWASI_WHENCE_CUR, IWASI_WHENCE_END };

/* advice (u8): NORMAL .. NOREUSE are 0..5 */
#define IWASI_ADVICE_MAX 5

/* rights (u64): bit n is the n-th right of the witx list. */
#define IWASI_RIGHT_FD_DATASYNC             (1ull << 0)
#define IWASI_RIGHT_FD_READ                 (1ull << 1)
#define IWASI_RIGHT_FD_SEEK                 (1ull << 2)
#define IWASI_RIGHT_FD_FDSTAT_SET_FLAGS     (1ull << 3)
#define IWASI_RIGHT_FD_SYNC                 (1ull << 4)
#define IWASI_RIGHT_FD_TELL                 (1ull << 5)
#define IWASI_RIGHT_FD_WRITE                (1ull << 6)
#define IWASI_RIGHT_FD_ADVISE               (1ull << 7)
#define IWASI_RIGHT_FD_ALLOCATE             (1ull << 8)
#define IWASI_RIGHT_PATH_CREATE_DIRECTORY   (1ull << 9)
#define IWASI_RIGHT_PATH_CREATE_FILE        (1ull << 10)
#define IWASI_RIGHT_PATH_LINK_SOURCE        (1ull << 11)
#define IWASI_RIGHT_PATH_LINK_TARGET        (1ull << 12)
#define IWASI_RIGHT_PATH_OPEN               (1ull << 13)
#define IWASI_RIGHT_FD_READDIR              (1ull << 14)
#define IWASI_RIGHT_PATH_READLINK           (1ull << 15)
#define IWASI_RIGHT_PATH_RENAME_SOURCE      (1ull << 16)
#define IWASI_RIGHT_PATH_RENAME_TARGET      (1ull << 17)
#define IWASI_RIGHT_PATH_FILESTAT_GET       (1ull << 18)
#define IWASI_RIGHT_PATH_FILESTAT_SET_SIZE  (1ull << 19)
#define IWASI_RIGHT_PATH_FILESTAT_SET_TIMES (1ull << 20)
#define IWASI_RIGHT_FD_FILESTAT_GET         (1ull << 21)
#define IWASI_RIGHT_FD_FILESTAT_SET_SIZE    (1ull << 22)
#define IWASI_RIGHT_FD_FILESTAT_SET_TIMES   (1ull << 23)
#define IWASI_RIGHT_PATH_SYMLINK            (1ull << 24)
#define IWASI_RIGHT_PATH_REMOVE_DIRECTORY   (1ull << 25)
#define IWASI_RIGHT_PATH_UNLINK_FILE        (1ull << 26)
#define IWASI_RIGHT_POLL_FD_READWRITE       (1ull << 27)
#define IWASI_RIGHT_SOCK_SHUTDOWN           (1ull << 28)
#define IWASI_RIGHT_SOCK_ACCEPT             (1ull << 29)
#define IWASI_RIGHTS_ALL                    ((1ull << 30) - 1)

/* fdflags (u16) */
#define IWASI_FDFLAG_APPEND   (1u << 0)
#define IWASI_FDFLAG_DSYNC    (1u << 1)
#define IWASI_FDFLAG_NONBLOCK (1u << 2)
#define IWASI_FDFLAG_RSYNC    (1u << 3)
#define IWASI_FDFLAG_SYNC     (1u << 4)
#define IWASI_FDFLAGS_ALL     0x1Fu

/* fstflags (u16) */
#define IWASI_FSTFLAG_ATIM     (1u << 0)
#define IWASI_FSTFLAG_ATIM_NOW (1u << 1)
#define IWASI_FSTFLAG_MTIM     (1u << 2)
#define IWASI_FSTFLAG_MTIM_NOW (1u << 3)

/* lookupflags (u32) */
#define IWASI_LOOKUP_SYMLINK_FOLLOW (1u << 0)

/* riflags (u16), siflags (u16: no flags), sdflags (u8) of the socket calls */
#define IWASI_RIFLAGS_ALL 0x3u      /* RECV_PEEK, RECV_WAITALL */
#define IWASI_SDFLAGS_ALL 0x3u      /* RD, WR */

/* oflags (u16) */
#define IWASI_OFLAG_CREAT     (1u << 0)
#define IWASI_OFLAG_DIRECTORY (1u << 1)
#define IWASI_OFLAG_EXCL      (1u << 2)
#define IWASI_OFLAG_TRUNC     (1u << 3)
#define IWASI_OFLAGS_ALL      0xFu

/* eventtype (u8), eventrwflags (u16), subclockflags (u16) */
enum { IWASI_EVENT_CLOCK, IWASI_EVENT_FD_READ, IWASI_EVENT_FD_WRITE };
#define IWASI_EVENTRW_HANGUP (1u << 0)
#define IWASI_SUBCLOCK_ABSTIME (1u << 0)

/* preopentype (u8) */
#define IWASI_PREOPEN_DIR 0

/* Layouts: sizes and field offsets in guest memory. */
#define IWASI_IOVEC_SIZE 8          /* buf u32 @0, buf_len u32 @4 */
#define IWASI_FDSTAT_SIZE 24        /* filetype u8 @0, flags u16 @2, rights_base u64 @8, rights_inheriting u64 @16 */
#define IWASI_FILESTAT_SIZE 64      /* dev @0, ino @8, filetype u8 @16, nlink @24, size @32, atim @40, mtim @48, ctim @56 */
#define IWASI_DIRENT_SIZE 24        /* d_next u64 @0, d_ino u64 @8, d_namlen u32 @16, d_type u8 @20; name follows */
#define IWASI_PRESTAT_SIZE 8        /* tag u8 @0, pr_name_len u32 @4 */
#define IWASI_SUBSCRIPTION_SIZE 48  /* userdata u64 @0, tag u8 @8, union @16 */
#define IWASI_SUB_CLOCK_ID 16       /*   clock: id u32 @16, timeout u64 @24, precision u64 @32, flags u16 @40 */
#define IWASI_SUB_CLOCK_TIMEOUT 24
#define IWASI_SUB_CLOCK_FLAGS 40
#define IWASI_SUB_FD 16             /*   fd_read / fd_write: fd u32 @16 */
#define IWASI_EVENT_SIZE 32         /* userdata u64 @0, error u16 @8, type u8 @10, nbytes u64 @16, flags u16 @24 */

#endif
