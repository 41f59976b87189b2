/* Registers the native implementations of the route layer's pluggable
 * capabilities: the gzip and zstd compressors for `encode`
 * (codec_gzip.c, codec_zstd.c) and the crypt(3) bcrypt verifier for
 * `basic_auth` (password_crypt.c). Call once at start-up, before the first
 * plan is loaded. */
#ifndef IFRIT_SERVER_CODEC_REGISTER_H
#define IFRIT_SERVER_CODEC_REGISTER_H

#include "route/codec.h"

extern const route_codec_t srv_codec_gzip;
extern const route_codec_t srv_codec_zstd;

/* 1 match, 0 no match, -1 unsupported hash (see route/password.h). */
int srv_password_crypt_verify(const char *hash, const char *password, size_t len);
/* Whether a success for (hash, password) is remembered: no hashing. */
bool srv_password_crypt_cached(const char *hash, const char *password, size_t len);

void srv_route_natives_register(void);

#endif
