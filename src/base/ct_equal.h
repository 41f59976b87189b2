/* Comparison of secrets (password hashes) whose time does not depend on
 * where the first difference is. */
#ifndef IFRIT_BASE_CT_EQUAL_H
#define IFRIT_BASE_CT_EQUAL_H

#include <stdbool.h>
#include <stddef.h>

/* true when the alen bytes at a equal the blen bytes at b. Reads
 * min(alen, blen) bytes of each whatever they hold. */
bool ifr_ct_equal(const void *a, size_t alen, const void *b, size_t blen);

#endif
