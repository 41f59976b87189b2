/* Whole-file reading, for the things loaded once at start-up or reload:
 * wasm modules, plugins, tools' inputs. Not for the request path. */
#ifndef IFRIT_BASE_FILE_H
#define IFRIT_BASE_FILE_H

#include <stddef.h>

/* Reads the file at path into a malloc'd buffer with a NUL byte after the
 * data (not counted in *len); the caller frees it. max (0 = no limit)
 * refuses larger files. NULL on failure with errno set: the open/read
 * error, ENOMEM, or EFBIG past max. */
char *ifr_read_file(const char *path, size_t max, size_t *len);

#endif
