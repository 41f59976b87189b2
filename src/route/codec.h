/* Compressors for `encode`. zlib and libzstd are native-only, so the route
 * layer defines this interface and the host registers implementations at
 * start-up (src/server/codec_gzip.c, codec_zstd.c); the edge build may
 * register none, and encode then passes responses through unchanged.
 *
 * Registration happens once, before any plan is loaded; the registry is
 * read-only afterwards (no locking needed while serving). */
#ifndef IFRIT_ROUTE_CODEC_H
#define IFRIT_ROUTE_CODEC_H

#include <stdbool.h>
#include <stddef.h>

#include "base/str.h"

/* Receives compressed bytes; returns 0, or -1 to stop. */
typedef int (*route_codec_emit_cb)(void *ud, const void *data, size_t len);

typedef struct {
    const char *name;        /* the Content-Encoding token: "gzip", "zstd" */
    int default_level;
    int min_level, max_level;
    /* A new stream, or NULL (out of memory). Owned by the caller until close. */
    void *(*open)(int level);
    /* Feeds len bytes; with finish, ends the stream. Everything the input
     * produced is emitted before write returns (a sync flush: streamed
     * responses reach the client as they are written). 0, or -1 on failure. */
    int (*write)(void *stream, const void *data, size_t len, bool finish,
                 route_codec_emit_cb emit, void *ud);
    void (*close)(void *stream);
} route_codec_t;

#define ROUTE_CODEC_MAX 8

/* 0, or -1 when the registry is full. c must outlive every plan. */
int route_codec_register(const route_codec_t *c);
/* NULL when no codec by that name was registered. */
const route_codec_t *route_codec_find(ifr_str_t name);

#endif
