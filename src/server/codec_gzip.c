/* gzip for `encode`, through zlib. Every write ends with a sync flush, so
 * what the handler sent so far reaches the client (streamed responses). */
#include <stdlib.h>
#include <zlib.h>

#include "server/codec_register.h"

static void *srv__gzip_open(int level)
{
    z_stream *z = calloc(1, sizeof(*z));
    if (!z) return NULL;
    /* 15 window bits + 16: a gzip header and trailer instead of zlib's. */
    if (deflateInit2(z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        free(z);
        return NULL;
    }
    return z;
}

static int srv__gzip_write(void *stream, const void *data, size_t len, bool finish,
                          route_codec_emit_cb emit, void *ud)
{
    z_stream *z = stream;
    unsigned char out[16384];
    z->next_in = (Bytef *)data;
    int flush = finish ? Z_FINISH : Z_SYNC_FLUSH;
    /* zlib's avail_in is 32-bit: feed huge inputs in slices. */
    size_t left = len;
    do {
        uInt take = left > (1u << 30) ? (1u << 30) : (uInt)left;
        z->avail_in = take;
        left -= take;
        int f = left ? Z_NO_FLUSH : flush;
        int rc;
        do {
            z->next_out = out;
            z->avail_out = sizeof(out);
            rc = deflate(z, f);
            if (rc == Z_STREAM_ERROR) return -1;
            size_t have = sizeof(out) - z->avail_out;
            if (have && emit(ud, out, have) != 0) return -1;
        } while (z->avail_out == 0 || (f == Z_FINISH && rc != Z_STREAM_END));
    } while (left);
    return 0;
}

static void srv__gzip_close(void *stream)
{
    deflateEnd(stream);
    free(stream);
}

const route_codec_t srv_codec_gzip = {
    .name = "gzip", .default_level = 5, .min_level = 1, .max_level = 9,
    .open = srv__gzip_open, .write = srv__gzip_write, .close = srv__gzip_close,
};
