/* The tree to a Pike VM program (see regexp.h). The program's size is
 * counted first, repetitions expanded, so a pattern past the bound is
 * refused before anything big is allocated. */
#include <stdio.h>
#include <string.h>

#include "route/regexp_int.h"

typedef struct {
    route_rx_inst_t *prog;
    uint32_t n;
} route__rx_emit_t;

static size_t route__rx_add(size_t a, size_t b) { return a + b > ROUTE_REGEX_MAX_PROGRAM ? ROUTE_REGEX_MAX_PROGRAM + 1 : a + b; }

static size_t route__rx_mul(size_t a, size_t n)
{
    return n && a > (ROUTE_REGEX_MAX_PROGRAM + 1) / n ? ROUTE_REGEX_MAX_PROGRAM + 1 : route__rx_add(a * n, 0);
}

/* Instructions node compiles to (past the bound: the bound + 1). */
static size_t route__rx_size(const route_rx_node_t *n)
{
    size_t s = 0;
    switch (n->kind) {
    case ROUTE_RX_EMPTY: return 0;
    case ROUTE_RX_CAT:
        for (const route_rx_node_t *k = n->kids; k; k = k->next) s = route__rx_add(s, route__rx_size(k));
        return s;
    case ROUTE_RX_ALT:   /* SPLIT a JMP, SPLIT b JMP, ..., last */
        for (const route_rx_node_t *k = n->kids; k; k = k->next) s = route__rx_add(s, route__rx_add(route__rx_size(k), k->next ? 2 : 0));
        return s;
    case ROUTE_RX_GROUP: return route__rx_add(route__rx_size(n->kids), n->group < ROUTE_MAX_GROUPS ? 2 : 0);
    case ROUTE_RX_REPEAT: {
        size_t k = route__rx_size(n->kids), min = (size_t)n->min;
        if (n->max < 0)   /* x{n,}: n-1 copies then x+, or x* */
            return min ? route__rx_add(route__rx_mul(k, min), 1) : route__rx_add(k, 2);
        /* n copies, then max-n optional ones each behind a SPLIT */
        return route__rx_add(route__rx_mul(k, min), route__rx_mul(route__rx_add(k, 1), (size_t)n->max - min));
    }
    default: return 1;
    }
}

static uint32_t route__rx_put(route__rx_emit_t *e, uint8_t op, uint8_t arg, uint32_t x, uint32_t y)
{
    e->prog[e->n] = (route_rx_inst_t){ .op = op, .arg = arg, .x = x, .y = y };
    return e->n++;
}

static void route__rx_emit(route__rx_emit_t *e, const route_rx_node_t *n);

static void route__rx_emit_repeat(route__rx_emit_t *e, const route_rx_node_t *n)
{
    const route_rx_node_t *x = n->kids;
    int min = n->min;
    if (n->max < 0 && min > 0) {   /* x{n-1} then x+ */
        for (int k = 0; k < min - 1; k++) route__rx_emit(e, x);
        uint32_t top = e->n;
        route__rx_emit(e, x);
        uint32_t split = route__rx_put(e, ROUTE_RX_OP_SPLIT, 0, 0, 0);
        e->prog[split].x = n->lazy ? split + 1 : top;
        e->prog[split].y = n->lazy ? top : split + 1;
        return;
    }
    for (int k = 0; k < min; k++) route__rx_emit(e, x);
    if (n->max < 0) {   /* x*: SPLIT body, out; body; JMP SPLIT */
        uint32_t split = route__rx_put(e, ROUTE_RX_OP_SPLIT, 0, 0, 0);
        route__rx_emit(e, x);
        route__rx_put(e, ROUTE_RX_OP_JMP, 0, split, 0);
        e->prog[split].x = n->lazy ? e->n : split + 1;
        e->prog[split].y = n->lazy ? split + 1 : e->n;
        return;
    }
    /* (x(x(x)?)?)?: every SPLIT leaves for the same end; chain them through y */
    uint32_t splits = UINT32_MAX;
    for (int k = min; k < n->max; k++) {
        splits = route__rx_put(e, ROUTE_RX_OP_SPLIT, 0, 0, splits);
        route__rx_emit(e, x);
    }
    while (splits != UINT32_MAX) {
        route_rx_inst_t *in = &e->prog[splits];
        uint32_t pc = splits;
        splits = in->y;
        in->x = n->lazy ? e->n : pc + 1;
        in->y = n->lazy ? pc + 1 : e->n;
    }
}

static void route__rx_emit(route__rx_emit_t *e, const route_rx_node_t *n)
{
    switch (n->kind) {
    case ROUTE_RX_EMPTY: return;
    case ROUTE_RX_BYTE: route__rx_put(e, ROUTE_RX_OP_BYTE, n->byte, 0, 0); return;
    case ROUTE_RX_SET: e->prog[route__rx_put(e, ROUTE_RX_OP_SET, 0, 0, 0)].set = n->set; return;
    case ROUTE_RX_ANY: route__rx_put(e, ROUTE_RX_OP_ANY, 0, 0, 0); return;
    case ROUTE_RX_ANY_NL: route__rx_put(e, ROUTE_RX_OP_ANY_NL, 0, 0, 0); return;
    case ROUTE_RX_ASSERT: route__rx_put(e, ROUTE_RX_OP_ASSERT, n->byte, 0, 0); return;
    case ROUTE_RX_CAT:
        for (const route_rx_node_t *k = n->kids; k; k = k->next) route__rx_emit(e, k);
        return;
    case ROUTE_RX_ALT: {
        /* SPLIT L1, next; L1: a; JMP end; next: SPLIT ...; last: z; end: */
        uint32_t jumps = UINT32_MAX;   /* chain of JMPs to patch, linked through x */
        for (const route_rx_node_t *k = n->kids; k; k = k->next) {
            if (!k->next) { route__rx_emit(e, k); break; }
            uint32_t split = route__rx_put(e, ROUTE_RX_OP_SPLIT, 0, 0, 0);
            e->prog[split].x = split + 1;
            route__rx_emit(e, k);
            jumps = route__rx_put(e, ROUTE_RX_OP_JMP, 0, jumps, 0);
            e->prog[split].y = e->n;
        }
        while (jumps != UINT32_MAX) {
            uint32_t next = e->prog[jumps].x;
            e->prog[jumps].x = e->n;
            jumps = next;
        }
        return;
    }
    case ROUTE_RX_GROUP:
        if (n->group >= ROUTE_MAX_GROUPS) { route__rx_emit(e, n->kids); return; }
        route__rx_put(e, ROUTE_RX_OP_SAVE, 0, (uint32_t)(2 * n->group), 0);
        route__rx_emit(e, n->kids);
        route__rx_put(e, ROUTE_RX_OP_SAVE, 0, (uint32_t)(2 * n->group + 1), 0);
        return;
    case ROUTE_RX_REPEAT: route__rx_emit_repeat(e, n); return;
    }
}

/* The bytes a match can start with, following every path from pc 0 through
 * the instructions that consume nothing (assertions taken as true, so the
 * set may be larger than needed, never smaller). NULL when the empty string
 * can match or a path starts with any byte: then there is nothing to skip. */
static const uint8_t *route__rx_first_bytes(ifr_arena_t *a, const route_rx_inst_t *prog, uint32_t n)
{
    uint8_t *set = ifr_arena_calloc(a, 32, 1);
    uint8_t *seen = ifr_arena_calloc(a, n, 1);
    uint32_t *stack = ifr_arena_alloc(a, 2 * (size_t)n * sizeof(uint32_t));
    if (!set || !seen || !stack) return NULL;
    size_t sp = 0;
    stack[sp++] = 0;
    while (sp) {
        uint32_t pc = stack[--sp];
        if (seen[pc]) continue;
        seen[pc] = 1;
        const route_rx_inst_t *in = &prog[pc];
        switch (in->op) {
        case ROUTE_RX_OP_BYTE: set[in->arg >> 3] |= (uint8_t)(1u << (in->arg & 7)); break;
        case ROUTE_RX_OP_SET:
            for (int k = 0; k < 32; k++) set[k] |= in->set[k];
            break;
        case ROUTE_RX_OP_JMP: stack[sp++] = in->x; break;
        case ROUTE_RX_OP_SPLIT: stack[sp++] = in->x; stack[sp++] = in->y; break;
        case ROUTE_RX_OP_SAVE: case ROUTE_RX_OP_ASSERT: stack[sp++] = pc + 1; break;
        default: return NULL;   /* MATCH, ANY, ANY_NL */
        }
    }
    return set;
}

int route_regex_compile(ifr_arena_t *a, ifr_str_t pat, route_regex_t **out, char *err, size_t errcap)
{
    route_regex_t *rx = ifr_arena_calloc(a, 1, sizeof(*rx));
    if (!rx) { snprintf(err, errcap, "out of memory"); return -1; }
    int ngroups = 0;
    route_rx_node_t *root = route_rx_parse(a, pat, &ngroups, rx->names, err, errcap);
    if (!root) return -1;
    size_t body = route__rx_size(root);
    if (body > ROUTE_REGEX_MAX_PROGRAM - 3) {
        snprintf(err, errcap, "expression too large: over %d instructions once repetitions are expanded",
                 ROUTE_REGEX_MAX_PROGRAM);
        return -1;
    }
    route__rx_emit_t e = { .prog = ifr_arena_calloc(a, body + 3, sizeof(route_rx_inst_t)) };
    if (!e.prog) { snprintf(err, errcap, "out of memory"); return -1; }
    route__rx_put(&e, ROUTE_RX_OP_SAVE, 0, 0, 0);
    route__rx_emit(&e, root);
    route__rx_put(&e, ROUTE_RX_OP_SAVE, 0, 1, 0);
    route__rx_put(&e, ROUTE_RX_OP_MATCH, 0, 0, 0);
    rx->prog = e.prog;
    rx->ninst = e.n;
    rx->nslots = 2 * (uint32_t)(ngroups + 1 < ROUTE_MAX_GROUPS ? ngroups + 1 : ROUTE_MAX_GROUPS);
    rx->anchored = e.prog[1].op == ROUTE_RX_OP_ASSERT && e.prog[1].arg == ROUTE_RX_TEXT_START;
    if (!rx->anchored) rx->first = route__rx_first_bytes(a, e.prog, e.n);
    *out = rx;
    return 0;
}
