/* A CoreMark-like mix (our own, not CoreMark's code): per iteration, a
 * linked-list workout (find, reverse, merge sort by key), a small integer
 * matrix workout (multiply, add, bit extraction), a state machine that
 * classifies number-like tokens, and a CRC-16 folding every result in.
 * Pointer chasing, short loops and switch-heavy code. Size: iterations. */
#include "kernel.h"

#define LIST_NODES 512
#define MAT_N 24
#define SM_BYTES 2048

typedef struct node { struct node *next; int16_t key, data; } node_t;

static uint16_t crc16(uint16_t crc, uint32_t v, int bytes)
{
    for (int b = 0; b < bytes; b++) {
        crc ^= (uint16_t)(v >> (8 * b) & 0xFF);
        for (int i = 0; i < 8; i++) crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xA001) : (uint16_t)(crc >> 1);
    }
    return crc;
}

static node_t *list_reverse(node_t *l)
{
    node_t *prev = NULL;
    while (l) { node_t *next = l->next; l->next = prev; prev = l; l = next; }
    return prev;
}

/* Bottom-up merge sort of a singly linked list by key. */
static node_t *list_sort(node_t *l)
{
    for (int width = 1;; width *= 2) {
        node_t *p = l, *head = NULL, **tail = &head;
        int merges = 0;
        while (p) {
            merges++;
            node_t *q = p;
            int psize = 0, qsize = width;
            for (; psize < width && q; psize++) q = q->next;
            while (psize > 0 || (qsize > 0 && q)) {
                node_t *e;
                if (psize == 0) { e = q; q = q->next; qsize--; }
                else if (qsize == 0 || !q || p->key <= q->key) { e = p; p = p->next; psize--; }
                else { e = q; q = q->next; qsize--; }
                *tail = e;
                tail = &e->next;
            }
            p = q;
        }
        *tail = NULL;
        l = head;
        if (merges <= 1) return l;
    }
}

static uint16_t list_work(node_t *pool, uint64_t *seed, uint16_t crc)
{
    node_t *l = NULL;
    for (int i = 0; i < LIST_NODES; i++) {
        uint64_t r = kernel_rand(seed);
        pool[i] = (node_t){ l, (int16_t)(r & 0x7FFF), (int16_t)(r >> 16) };
        l = &pool[i];
    }
    for (int16_t want = 0; want < 64; want++) {
        int found = 0;
        for (node_t *n = l; n; n = n->next, found++)
            if ((n->key & 63) == want) break;
        crc = crc16(crc, (uint32_t)found, 2);
    }
    l = list_sort(list_reverse(l));
    for (node_t *n = l; n; n = n->next) crc = crc16(crc, (uint16_t)n->data, 1);
    return crc;
}

static uint16_t matrix_work(int16_t a[MAT_N][MAT_N], int16_t b[MAT_N][MAT_N], uint64_t *seed, uint16_t crc)
{
    static int32_t c[MAT_N][MAT_N];
    int16_t k = (int16_t)(kernel_rand(seed) & 0xFF);
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++) a[i][j] = (int16_t)(a[i][j] + k);
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++) {
            int32_t s = 0;
            for (int x = 0; x < MAT_N; x++) s += a[i][x] * b[x][j];
            c[i][j] = s;
        }
    uint32_t acc = 0;
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++) acc += (uint32_t)(c[i][j] >> 2) & 0x0F0F;
    return crc16(crc, acc, 4);
}

typedef enum { ST_START, ST_INT, ST_FRAC, ST_EXP, ST_EXP_DIGITS, ST_INVALID } state_t;

/* Classifies the comma-separated tokens of s; returns counts folded in crc. */
static uint16_t state_work(const char *s, int n, uint16_t crc)
{
    uint32_t count[ST_INVALID + 1] = { 0 };
    state_t st = ST_START;
    for (int i = 0; i <= n; i++) {
        char c = i < n ? s[i] : ',';
        if (c == ',') { count[st]++; st = ST_START; continue; }
        switch (st) {
        case ST_START: st = (c >= '0' && c <= '9') || c == '-' ? ST_INT : c == '.' ? ST_FRAC : ST_INVALID; break;
        case ST_INT: st = (c >= '0' && c <= '9') ? ST_INT : c == '.' ? ST_FRAC : c == 'e' ? ST_EXP : ST_INVALID; break;
        case ST_FRAC: st = (c >= '0' && c <= '9') ? ST_FRAC : c == 'e' ? ST_EXP : ST_INVALID; break;
        case ST_EXP: st = (c >= '0' && c <= '9') || c == '-' ? ST_EXP_DIGITS : ST_INVALID; break;
        case ST_EXP_DIGITS: st = (c >= '0' && c <= '9') ? ST_EXP_DIGITS : ST_INVALID; break;
        case ST_INVALID: break;
        }
    }
    for (int i = 0; i <= ST_INVALID; i++) crc = crc16(crc, count[i], 4);
    return crc;
}

int main(int argc, char **argv)
{
    long iterations = kernel_size(argc, argv, 6000);
    static node_t pool[LIST_NODES];
    static int16_t a[MAT_N][MAT_N], b[MAT_N][MAT_N];
    static char text[SM_BYTES];
    static const char alphabet[] = "0123456789.e-,x";
    uint64_t seed = 0x1234567u;
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++) {
            a[i][j] = (int16_t)(kernel_rand(&seed) & 0xFF);
            b[i][j] = (int16_t)(kernel_rand(&seed) & 0xFF);
        }
    uint16_t crc = 0;
    for (long it = 0; it < iterations; it++) {
        for (int i = 0; i < SM_BYTES; i++) text[i] = alphabet[kernel_rand(&seed) % (sizeof alphabet - 1)];
        crc = list_work(pool, &seed, crc);
        crc = matrix_work(a, b, &seed, crc);
        crc = state_work(text, SM_BYTES, crc);
    }
    return kernel_report("coremix", crc);
}
