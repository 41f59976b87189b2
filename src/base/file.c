#include "base/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

char *ifr_read_file(const char *path, size_t max, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *data = NULL;
    size_t n = 0, cap = 0;
    /* Grow as we read rather than trusting the size up front: the file may
     * be a pipe, or change while we read it. */
    for (;;) {
        if (cap - n < 2) {
            size_t ncap = cap ? cap * 2 : 65536;
            if (max && ncap > max + 1) ncap = max + 1;
            if (ncap <= cap) { errno = EFBIG; goto fail; }
            char *grown = realloc(data, ncap);
            if (!grown) { errno = ENOMEM; goto fail; }
            data = grown;
            cap = ncap;
        }
        size_t got = fread(data + n, 1, cap - n - 1, f);
        n += got;
        if (max && n > max) { errno = EFBIG; goto fail; }
        if (got == 0) break;
    }
    if (ferror(f)) { errno = EIO; goto fail; }
    fclose(f);
    data[n] = '\0';
    *len = n;
    return data;
fail:
    free(data);
    fclose(f);
    return NULL;
}
