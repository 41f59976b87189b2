/* The Pike VM: all threads advance one subject byte at a time, in priority
 * order, each program counter at most once per step; so a match costs at
 * most program x subject steps, whatever the pattern. Leftmost-first: a
 * thread that reaches MATCH drops the lower-priority ones after it. */
#include <stdlib.h>
#include <string.h>

#include "route/regexp_int.h"

#define ROUTE__RX_UNSET UINT32_MAX

typedef struct {
    uint32_t n, gen;
    uint32_t *mark;   /* mark[pc] == gen: pc is on this list already */
    uint32_t *pc;     /* the threads, in priority order */
    uint32_t *caps;   /* nslots per thread */
} route__rx_list_t;

typedef struct {     /* addthread's explicit stack: visit a pc, or put a slot back */
    uint32_t what;      /* < ninst: a pc; else ninst + the slot to restore */
    uint32_t value;     /* the slot's value to restore */
} route__rx_frame_t;

typedef struct {
    const route_regex_t *rx;
    const uint8_t *s;
    size_t len;
    uint32_t *tmp;
    route__rx_frame_t *stack;
} route__rx_vm_t;

static bool route__rx_word(const route__rx_vm_t *vm, size_t i)
{
    if (i >= vm->len) return false;
    uint8_t c = vm->s[i];
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool route__rx_assert(const route__rx_vm_t *vm, uint8_t kind, size_t pos)
{
    switch (kind) {
    case ROUTE_RX_TEXT_START: return pos == 0;
    case ROUTE_RX_TEXT_END: return pos == vm->len;
    case ROUTE_RX_LINE_START: return pos == 0 || vm->s[pos - 1] == '\n';
    case ROUTE_RX_LINE_END: return pos == vm->len || vm->s[pos] == '\n';
    case ROUTE_RX_WORD_EDGE: return (pos > 0 && route__rx_word(vm, pos - 1)) != route__rx_word(vm, pos);
    default: return (pos > 0 && route__rx_word(vm, pos - 1)) == route__rx_word(vm, pos);
    }
}

/* Adds the thread at pc0 with captures vm->tmp (restored on return) to l,
 * following jumps, splits, saves and assertions at offset pos. */
static void route__rx_addthread(route__rx_vm_t *vm, route__rx_list_t *l, uint32_t pc0, size_t pos)
{
    const route_rx_inst_t *prog = vm->rx->prog;
    uint32_t ns = vm->rx->nslots;
    size_t sp = 0;
    vm->stack[sp++] = (route__rx_frame_t){ pc0, 0 };
    while (sp) {
        route__rx_frame_t f = vm->stack[--sp];
        if (f.what >= vm->rx->ninst) {
            vm->tmp[f.what - vm->rx->ninst] = f.value;
            continue;
        }
        uint32_t pc = f.what;
        if (l->mark[pc] == l->gen) continue;
        l->mark[pc] = l->gen;
        const route_rx_inst_t *in = &prog[pc];
        switch (in->op) {
        case ROUTE_RX_OP_JMP: vm->stack[sp++] = (route__rx_frame_t){ in->x, 0 }; break;
        case ROUTE_RX_OP_SPLIT:
            vm->stack[sp++] = (route__rx_frame_t){ in->y, 0 };
            vm->stack[sp++] = (route__rx_frame_t){ in->x, 0 };
            break;
        case ROUTE_RX_OP_SAVE:
            if (in->x < ns) {
                vm->stack[sp++] = (route__rx_frame_t){ vm->rx->ninst + in->x, vm->tmp[in->x] };
                vm->tmp[in->x] = (uint32_t)pos;
            }
            vm->stack[sp++] = (route__rx_frame_t){ pc + 1, 0 };
            break;
        case ROUTE_RX_OP_ASSERT:
            if (route__rx_assert(vm, in->arg, pos)) vm->stack[sp++] = (route__rx_frame_t){ pc + 1, 0 };
            break;
        default:   /* a byte-consuming instruction, or MATCH: the thread waits here */
            l->pc[l->n] = pc;
            memcpy(&l->caps[(size_t)l->n * ns], vm->tmp, ns * sizeof(uint32_t));
            l->n++;
            break;
        }
    }
}

static bool route__rx_consumes(const route_rx_inst_t *in, uint8_t c)
{
    switch (in->op) {
    case ROUTE_RX_OP_BYTE: return c == in->arg;
    case ROUTE_RX_OP_SET: return route_rx_in_set(in->set, c);
    case ROUTE_RX_OP_ANY: return true;
    case ROUTE_RX_OP_ANY_NL: return c != '\n';
    default: return false;
    }
}

/* The VM over prepared scratch; best gets the winning thread's captures. */
static bool route__rx_run(route__rx_vm_t *vm, size_t from, route__rx_list_t *cur, route__rx_list_t *next,
                          uint32_t *best)
{
    const route_regex_t *rx = vm->rx;
    uint32_t ns = rx->nslots;
    bool matched = false;
    for (size_t pos = from;; pos++) {
        if (!matched && cur->n == 0 && rx->first) {   /* nothing running: skip to a byte that can start */
            while (pos < vm->len && !route_rx_in_set(rx->first, vm->s[pos])) pos++;
            if (pos == vm->len) break;
        }
        if (!matched && (pos == 0 || !rx->anchored)) {   /* a new start, lowest priority */
            for (uint32_t k = 0; k < ns; k++) vm->tmp[k] = ROUTE__RX_UNSET;
            route__rx_addthread(vm, cur, 0, pos);
        }
        if (cur->n == 0 && (matched || rx->anchored)) break;
        next->n = 0;
        next->gen++;
        for (uint32_t t = 0; t < cur->n; t++) {
            const route_rx_inst_t *in = &rx->prog[cur->pc[t]];
            uint32_t *caps = &cur->caps[(size_t)t * ns];
            if (in->op == ROUTE_RX_OP_MATCH) {
                matched = true;
                memcpy(best, caps, ns * sizeof(uint32_t));
                break;
            }
            if (pos < vm->len && route__rx_consumes(in, vm->s[pos])) {
                memcpy(vm->tmp, caps, ns * sizeof(uint32_t));
                route__rx_addthread(vm, next, cur->pc[t] + 1, pos + 1);
            }
        }
        if (pos >= vm->len) break;
        route__rx_list_t *swap = cur;
        cur = next;
        next = swap;
    }
    return matched;
}

bool route_regex_match(const route_regex_t *rx, ifr_str_t subject, ifr_str_t *groups)
{
    return route_regex_match_from(rx, subject, 0, groups);
}

bool route_regex_match_from(const route_regex_t *rx, ifr_str_t subject, size_t from, ifr_str_t *groups)
{
    if (subject.len >= ROUTE__RX_UNSET || from > subject.len) return false;
    size_t ni = rx->ninst, ns = rx->nslots;
    /* two lists (mark, pc, caps), the working and best captures, then the
     * stack: every pc pushes at most two frames per addthread */
    size_t words = 2 * ni * (2 + ns) + 2 * ns, frames = 2 * ni + 2;
    size_t bytes = words * sizeof(uint32_t) + frames * sizeof(route__rx_frame_t);
    uint64_t local[512];
    void *mem = bytes <= sizeof(local) ? (void *)local : malloc(bytes);
    if (!mem) return false;
    uint32_t *w = mem;
    route__rx_list_t l1 = { 0, 0, w, w + ni, w + 2 * ni }, l2 = { 0, 0, w + ni * (2 + ns), w + ni * (3 + ns), w + ni * (4 + ns) };
    memset(l1.mark, 0, ni * sizeof(uint32_t));
    memset(l2.mark, 0, ni * sizeof(uint32_t));
    l1.gen = 1;   /* l2 starts a step with gen++ */
    uint32_t *tmp = w + 2 * ni * (2 + ns), *best = tmp + ns;
    route__rx_vm_t vm = {
        .rx = rx, .s = (const uint8_t *)subject.ptr, .len = subject.len, .tmp = tmp,
        .stack = (route__rx_frame_t *)(void *)(w + words),
    };
    bool ok = route__rx_run(&vm, from, &l1, &l2, best);
    if (ok && groups) {
        for (size_t g = 0; g < ROUTE_MAX_GROUPS; g++) {
            groups[g] = IFR_LIT("");
            if (2 * g + 1 < ns && best[2 * g] != ROUTE__RX_UNSET && best[2 * g + 1] != ROUTE__RX_UNSET)
                groups[g] = ifr_str(subject.ptr + best[2 * g], best[2 * g + 1] - best[2 * g]);
        }
    }
    if (mem != local) free(mem);
    return ok;
}
