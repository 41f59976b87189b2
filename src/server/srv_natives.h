/* Registers the native (non-wasm32) implementations the core layers
 * declare as interfaces: compressors for `encode` (route/codec.h), the
 * password verifier for `basic_auth` (route/password.h), the reverse_proxy
 * transport; and the directives that live above route (wasm, gojinn,
 * wasm_plugin: route/directive.h). Called once by `run`, `validate` and
 * `trust` before any plan is loaded. */
#ifndef IFRIT_SERVER_SRV_NATIVES_H
#define IFRIT_SERVER_SRV_NATIVES_H

void srv_register_natives(void);

#endif
