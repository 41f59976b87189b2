/* `encode gzip` at the edge: the core negotiates exactly as natively, the
 * host compresses (edge_codec.c). */
#ifndef IFRIT_EDGE_CODEC_H
#define IFRIT_EDGE_CODEC_H

#include <stdbool.h>

void edge_codec_register(void);
/* Forgets the last exchange's choice; called as each exchange starts. */
void edge_codec_reset(void);
/* true when this exchange's body went through the gzip codec: it is still
 * plain bytes, labelled Content-Encoding: gzip, for the host to compress. */
bool edge_codec_host_compresses(void);

#endif
