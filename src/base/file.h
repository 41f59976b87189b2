/* Whole-file reading, for the things loaded once at start-up or reload:
 * wasm modules, plugins, Caddyfiles and their imports, tools' inputs. Not
 * for the request path.
 *
 * One rule for every file a configuration (or the command line) names:
 * it is opened with O_NONBLOCK, so a FIFO cannot block the load; it must
 * be a regular file, so a device (/dev/zero) cannot feed it forever and a
 * directory gets a clear error; and it must not be larger than the
 * caller's cap, checked before a byte is read. */
#ifndef IFRIT_BASE_FILE_H
#define IFRIT_BASE_FILE_H

#include <stddef.h>
#include <stdint.h>

/* Opens path for reading under the rule above. Returns the descriptor
 * (its size in *size, its identity in *dev and *ino; any may be NULL), or
 * -1 with a sentence in why: the open error ("No such file or
 * directory"), "is a directory", "is not a regular file (a FIFO)", "is
 * larger than 16 MiB (the limit)". max 0 = no size cap. */
int ifr_file_open(const char *path, size_t max, size_t *size, uint64_t *dev, uint64_t *ino, char *why,
                  size_t whysize);

/* Reads up to cap bytes of fd into buf, until end of file; returns the
 * count, or -1 with a sentence in why. A file that grew since it was
 * measured is read up to cap; one that shrank, up to its end. */
long long ifr_file_read(int fd, void *buf, size_t cap, char *why, size_t whysize);

/* ifr_file_open and ifr_file_read into a malloc'd buffer with a NUL byte
 * after the data (not counted in *len); the caller frees it. NULL on
 * failure with a sentence in why. */
char *ifr_read_file(const char *path, size_t max, size_t *len, char *why, size_t whysize);

#endif
