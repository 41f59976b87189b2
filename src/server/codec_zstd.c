/* zstd for `encode`, through libzstd. Every write ends with a flush, so
 * streamed responses reach the client as they are written. */
#include <zstd.h>

#include "server/codec_register.h"

static void *srv__zstd_open(int level)
{
    ZSTD_CCtx *c = ZSTD_createCCtx();
    if (!c) return NULL;
    if (ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level))) {
        ZSTD_freeCCtx(c);
        return NULL;
    }
    return c;
}

static int srv__zstd_write(void *stream, const void *data, size_t len, bool finish,
                          route_codec_emit_cb emit, void *ud)
{
    ZSTD_CCtx *c = stream;
    unsigned char out[16384];
    ZSTD_inBuffer in = { data, len, 0 };
    ZSTD_EndDirective mode = finish ? ZSTD_e_end : ZSTD_e_flush;
    size_t remaining;
    do {
        ZSTD_outBuffer ob = { out, sizeof(out), 0 };
        remaining = ZSTD_compressStream2(c, &ob, &in, mode);
        if (ZSTD_isError(remaining)) return -1;
        if (ob.pos && emit(ud, out, ob.pos) != 0) return -1;
    } while (remaining != 0 || in.pos < in.size);
    return 0;
}

static void srv__zstd_close(void *stream)
{
    ZSTD_freeCCtx(stream);
}

const route_codec_t srv_codec_zstd = {
    .name = "zstd", .default_level = 3, .min_level = 1, .max_level = 19,
    .open = srv__zstd_open, .write = srv__zstd_write, .close = srv__zstd_close,
};
