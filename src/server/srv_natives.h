/* Registers the native (non-wasm32) implementations the core layers
 * declare as interfaces: compressors for `encode` (route/codec.h) and the
 * password verifier for `basic_auth` (route/password.h). Called once by
 * `run` and `validate` before any plan is loaded. */
#ifndef IFRIT_SERVER_SRV_NATIVES_H
#define IFRIT_SERVER_SRV_NATIVES_H

void srv_register_natives(void);

#endif
