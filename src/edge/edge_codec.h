/* `encode gzip` at the edge: the core negotiates exactly as natively, the
 * host compresses (edge_codec.c). */
#ifndef IFRIT_EDGE_CODEC_H
#define IFRIT_EDGE_CODEC_H

#include <stdbool.h>

void edge_codec_register(void);
/* The exchange the core runs next: the codec sets *used (the exchange's,
 * not owned) when its body goes through gzip, so the body is still plain
 * bytes labelled Content-Encoding: gzip, for the host to compress. */
void edge_codec_attach(bool *used);

#endif
