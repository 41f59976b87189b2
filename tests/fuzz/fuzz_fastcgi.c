/* libFuzzer target for the FastCGI codec (src/http/fastcgi.h). The input,
 * read as what an application sends, goes through the record reader whole
 * and in pieces of every size from 1 to 16 (the two readings must agree on
 * every byte of STDOUT and STDERR and on how they end), and the STDOUT
 * gathered through the CGI head parser; then the input is framed as a
 * STDOUT stream by the writer and must read back exactly. Nothing may
 * crash, read out of bounds or loop. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/fastcgi.h"

typedef struct {
    ifr_buf_t out, err;
    http_fcgi_event_t last;
    bool stdout_end;
} fuzz_reading_t;

/* Reads in[0..len) in pieces of step bytes (0: whole) into *r. */
static void fuzz__read(const uint8_t *in, size_t len, size_t step, uint16_t id, fuzz_reading_t *r)
{
    http_fcgi_reader_t rd;
    http_fcgi_reader_init(&rd, id);
    *r = (fuzz_reading_t){ IFR_BUF_INIT, IFR_BUF_INIT, HTTP_FCGI_AGAIN, false };
    size_t off = 0;
    while (off < len) {
        size_t piece = step && len - off > step ? step : len - off;
        size_t at = 0;
        while (at < piece) {
            size_t used;
            ifr_str_t data;
            http_fcgi_event_t ev = http_fcgi_read(&rd, in + off + at, piece - at, &used, &data);
            if (used > piece - at) abort();
            at += used;
            if (ev == HTTP_FCGI_STDOUT_DATA && ifr_buf_append_str(&r->out, data) != 0) abort();
            if (ev == HTTP_FCGI_STDERR_DATA && ifr_buf_append_str(&r->err, data) != 0) abort();
            if (ev == HTTP_FCGI_STDOUT_END) r->stdout_end = true;
            if (ev == HTTP_FCGI_END || ev == HTTP_FCGI_ERROR) {
                r->last = ev;
                return;
            }
            if (ev == HTTP_FCGI_AGAIN && at != piece) abort();   /* AGAIN means every byte was used */
        }
        off += piece;
    }
}

static bool fuzz__same(const fuzz_reading_t *a, const fuzz_reading_t *b)
{
    return a->last == b->last && a->stdout_end == b->stdout_end && a->out.len == b->out.len &&
           a->err.len == b->err.len && (!a->out.len || memcmp(a->out.data, b->out.data, a->out.len) == 0) &&
           (!a->err.len || memcmp(a->err.data, b->err.data, a->err.len) == 0);
}

static void fuzz__free(fuzz_reading_t *r)
{
    ifr_buf_free(&r->out);
    ifr_buf_free(&r->err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > 1 << 16) return 0;
    uint16_t id = (uint16_t)(data[0] | 1);
    bool head_request = data[1] & 1;
    const uint8_t *in = data + 2;
    size_t len = size - 2;

    fuzz_reading_t whole, pieces;
    fuzz__read(in, len, 0, id, &whole);
    for (size_t step = 1; step <= 16; step++) {
        fuzz__read(in, len, step, id, &pieces);
        if (!fuzz__same(&whole, &pieces)) abort();
        fuzz__free(&pieces);
    }
    ifr_arena_t a;
    ifr_arena_init(&a, 0);
    http_upstream_response_t resp;
    const char *why = NULL;
    http_fcgi_head_status_t hs = http_fcgi_head(whole.out.data, whole.out.len, head_request, &a, &resp, &why);
    if (hs == HTTP_FCGI_HEAD_DONE && (resp.head_len > whole.out.len || resp.status < 200 || resp.status > 599)) abort();
    if (hs == HTTP_FCGI_HEAD_ERROR && !why) abort();
    fuzz__free(&whole);

    /* The writer's framing reads back as the same bytes. */
    ifr_buf_t framed = IFR_BUF_INIT;
    static const uint8_t end[] = { 1, HTTP_FCGI_END_REQUEST, 0, 0, 0, 8, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0 };
    uint8_t end_rec[sizeof end];
    memcpy(end_rec, end, sizeof end);
    end_rec[2] = (uint8_t)(id >> 8);
    end_rec[3] = (uint8_t)id;
    /* (An empty stream is the end record alone.) */
    if ((len && http_fcgi_stream(&framed, HTTP_FCGI_STDOUT, id, in, len) != 0) ||
        http_fcgi_stream(&framed, HTTP_FCGI_STDOUT, id, NULL, 0) != 0 || ifr_buf_append(&framed, end_rec, sizeof end_rec) != 0)
        abort();
    if (framed.len != (len ? len + http_fcgi_stream_overhead(len) : 0) + HTTP_FCGI_HEADER_LEN + sizeof end_rec) abort();
    fuzz_reading_t back;
    fuzz__read((const uint8_t *)framed.data, framed.len, data[0] % 17, id, &back);
    if (back.last != HTTP_FCGI_END || !back.stdout_end || back.out.len != len || back.err.len ||
        (len && memcmp(back.out.data, in, len) != 0))
        abort();
    fuzz__free(&back);
    ifr_buf_free(&framed);
    ifr_arena_destroy(&a);
    return 0;
}
