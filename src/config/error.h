/* A configuration error: where, and a sentence a user can act on.
 * Printed as "FILE:LINE:COL: MESSAGE". */
#ifndef IFRIT_CONFIG_ERROR_H
#define IFRIT_CONFIG_ERROR_H

typedef struct {
    char file[256];    /* path as the user wrote it (or "<input>") */
    int line;          /* 1-based; 0 when the error is not tied to a place */
    int col;           /* 1-based */
    char message[512]; /* "unknown directive 'respnd' (did you mean 'respond'?)" */
} cfg_error_t;

#endif
