/* The decimal number in a duration ("1.5h") or a size ("1.5MB"): digits, a
 * point and more digits, or either part alone ("5", "1.5", ".5", "5.").
 * Private to config (duration.c, size.c). */
#ifndef IFRIT_CONFIG_NUMBER_H
#define IFRIT_CONFIG_NUMBER_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    uint64_t whole;
    uint64_t frac, scale;   /* the fraction is frac / scale (< 1); its first 18 digits count */
} cfg_number_t;

/* Reads the number at *p (before end) and moves *p past it. false when
 * there is no digit at all or the whole part does not fit in 64 bits. */
bool cfg_number_read(const char **p, const char *end, cfg_number_t *out);

#endif
