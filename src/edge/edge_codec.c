/* The edge's gzip "codec": wasi-libc has no zlib, and the host has a
 * compressor already (workerd compresses a Response whose Content-Encoding
 * is gzip, CompressionStream underneath). So handler_encode.c negotiates
 * and sets the headers as natively (Accept-Encoding, minimum_length,
 * match, Vary, ETag), this codec passes the bytes through unchanged and
 * notes that it did, and the shim then lets workerd compress the answer
 * (encodeBody "automatic"); every other answer goes out byte for byte
 * ("manual"), so a precompressed file is not compressed twice. The level
 * is accepted and not used: the host picks its own. There is no zstd. The
 * core runs one exchange at a time between calls from the shim, which
 * attaches that exchange's flag first. */
#include "edge/edge_codec.h"

#include "route/codec.h"

static bool *edge__codec_used;
static char edge__codec_token;    /* a stream needs no state: any non-NULL handle */

static void *edge__gzip_open(int level)
{
    (void)level;
    if (edge__codec_used) *edge__codec_used = true;
    return &edge__codec_token;
}

static int edge__gzip_write(void *stream, const void *data, size_t len, bool finish, route_codec_emit_cb emit, void *ud)
{
    (void)stream;
    (void)finish;
    return len ? emit(ud, data, len) : 0;
}

static void edge__gzip_close(void *stream) { (void)stream; }

static const route_codec_t edge__codec_gzip = {
    .name = "gzip", .default_level = 5, .min_level = 1, .max_level = 9,
    .open = edge__gzip_open, .write = edge__gzip_write, .close = edge__gzip_close,
};

void edge_codec_register(void) { route_codec_register(&edge__codec_gzip); }
void edge_codec_attach(bool *used) { edge__codec_used = used; }
