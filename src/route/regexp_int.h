/* Private to the regexp engine: the syntax tree the parser builds, the
 * program the compiler emits from it, and the instructions the matcher runs. */
#ifndef IFRIT_ROUTE_REGEXP_INT_H
#define IFRIT_ROUTE_REGEXP_INT_H

#include "route/regexp.h"

typedef enum {
    ROUTE_RX_EMPTY,    /* matches the empty string */
    ROUTE_RX_BYTE,     /* one byte */
    ROUTE_RX_SET,      /* one byte out of a set */
    ROUTE_RX_ANY,      /* any byte */
    ROUTE_RX_ANY_NL,   /* any byte but \n */
    ROUTE_RX_ASSERT,   /* an empty-width condition */
    ROUTE_RX_CAT,      /* kids one after the other */
    ROUTE_RX_ALT,      /* one of the kids, the first preferred */
    ROUTE_RX_GROUP,    /* capture group `group` around kid */
    ROUTE_RX_REPEAT,   /* kid min..max times (max -1: no upper bound) */
} route_rx_kind_t;

typedef enum {
    ROUTE_RX_TEXT_START, ROUTE_RX_TEXT_END, ROUTE_RX_LINE_START, ROUTE_RX_LINE_END,
    ROUTE_RX_WORD_EDGE, ROUTE_RX_NOT_WORD_EDGE,
} route_rx_assert_t;

typedef struct route_rx_node {
    route_rx_kind_t kind;
    uint8_t byte;                    /* BYTE; ASSERT: a route_rx_assert_t */
    bool lazy;                       /* REPEAT: fewest first */
    int min, max;                    /* REPEAT */
    int group;                       /* GROUP: 1.. */
    const uint8_t *set;              /* SET: 256-bit map */
    struct route_rx_node *kids, *last, *next;   /* CAT/ALT: all kids; GROUP/REPEAT: one */
} route_rx_node_t;

typedef enum {
    ROUTE_RX_OP_BYTE, ROUTE_RX_OP_SET, ROUTE_RX_OP_ANY, ROUTE_RX_OP_ANY_NL,   /* consume one byte */
    ROUTE_RX_OP_MATCH,
    ROUTE_RX_OP_SPLIT,    /* go on at x, and at y with lower priority */
    ROUTE_RX_OP_JMP,      /* go on at x */
    ROUTE_RX_OP_SAVE,     /* capture slot x = offset */
    ROUTE_RX_OP_ASSERT,   /* go on when condition `arg` holds */
} route_rx_op_t;

struct route_rx_inst {
    uint8_t op, arg;
    uint32_t x, y;
    const uint8_t *set;
};

/* The parse: the tree, the number of capture groups, and their names
 * (names[g] for g < ROUTE_MAX_GROUPS). NULL with a message in err. */
route_rx_node_t *route_rx_parse(ifr_arena_t *a, ifr_str_t pattern, int *ngroups,
                                 const char **names, char *err, size_t errcap);

static inline bool route_rx_in_set(const uint8_t *set, uint8_t c) { return set[c >> 3] & (1u << (c & 7)); }

#endif
