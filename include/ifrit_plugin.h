/* ifrit plugins: the guest side of the `wasm_plugin` ABI, for plugins
 * written in C and compiled with clang for wasm32 as reactor modules:
 *
 *   clang-19 --target=wasm32-wasi -O2 -mexec-model=reactor -I include plugin.c -o plugin.wasm
 *
 * A plugin exports any of these hooks (see docs/plugins.md), each marked
 * with IFRIT_EXPORT so that the linker exports it under that name (a
 * plain function is not exported from a wasm32 module):
 *
 *   IFRIT_EXPORT("on_request") int32_t on_request(void);       request head arrived
 *   IFRIT_EXPORT("on_response") int32_t on_response(void);     response head is about to leave
 *   IFRIT_EXPORT("on_body") int32_t on_body(int32_t chunk_len, int32_t end_of_stream);
 *                                                              each response body chunk, at most
 *                                                              IFRIT_BODY_CHUNK_MAX bytes
 *
 * Each returns an ifrit_action_t. Every hook call starts from a snapshot
 * taken after the module's start-up (_initialize), so globals and memory
 * set during a call are gone at the next one.
 *
 * Conventions of the host functions below:
 * - Strings are (pointer, length) pairs in the plugin's memory; nothing is
 *   NUL-terminated.
 * - Functions that return text copy at most `cap` bytes into `buf` and
 *   return the full length (call again with a bigger buffer if it was
 *   larger), or -1 when there is no such value.
 * - Functions that change something return 0, or -1 when the change is
 *   not possible in this hook or the value is invalid (a header value with
 *   CR/LF, a path not starting with '/').
 * - A pointer/length outside the plugin's memory traps the call. */
#ifndef IFRIT_PLUGIN_H
#define IFRIT_PLUGIN_H

#include <stdint.h>

typedef enum {
    IFRIT_CONTINUE = 0,  /* go on with the next plugin */
    IFRIT_RESPOND = 1,   /* on_request: stop and answer with the response built here */
    IFRIT_SKIP = 2       /* stop the plugin chain; the request goes on normally */
} ifrit_action_t;

/* Which message a header function works on. In on_request, IFRIT_RESPONSE
 * is the response being built for IFRIT_RESPOND; in on_response it is the
 * real response; in on_body response headers can only be read. */
enum { IFRIT_REQUEST = 0, IFRIT_RESPONSE = 1 };

enum { IFRIT_LOG_DEBUG = 0, IFRIT_LOG_INFO = 1, IFRIT_LOG_WARN = 2, IFRIT_LOG_ERROR = 3 };

/* on_body never gets a chunk longer than this: the host cuts longer ones
 * (a proxied body arrives in reads of up to 64 KiB), so a static buffer of
 * this size always holds the chunk, and the default fuel of 1,000,000 per
 * call buys about 60 wasm instructions per byte. */
#define IFRIT_BODY_CHUNK_MAX 16384

/* Exports a hook under its name: IFRIT_EXPORT("on_request") int32_t on_request(void) { ... } */
#define IFRIT_EXPORT(n) __attribute__((export_name(n)))

#define IFRIT_IMPORT(n) __attribute__((import_module("ifrit"), import_name(n)))

/* The request. */
IFRIT_IMPORT("method") int32_t ifrit_method(char *buf, int32_t cap);
IFRIT_IMPORT("path") int32_t ifrit_path(char *buf, int32_t cap);        /* path?query */
IFRIT_IMPORT("is_tls") int32_t ifrit_is_tls(void);                      /* 1 or 0 */
IFRIT_IMPORT("client_ip") int32_t ifrit_client_ip(char *buf, int32_t cap);
/* on_request only: "/new/path" or "/new/path?query" (a query replaces the old one). */
IFRIT_IMPORT("set_path") int32_t ifrit_set_path(const char *path, int32_t len);

/* The plugin's `config`: the string, or the key=value pairs one per line. */
IFRIT_IMPORT("config") int32_t ifrit_config(char *buf, int32_t cap);
IFRIT_IMPORT("config_get") int32_t ifrit_config_get(const char *key, int32_t key_len, char *buf, int32_t cap);

/* Headers. Names are given lowercased; lookups ignore case. */
IFRIT_IMPORT("header_count") int32_t ifrit_header_count(int32_t which);
IFRIT_IMPORT("header_name") int32_t ifrit_header_name(int32_t which, int32_t index, char *buf, int32_t cap);
IFRIT_IMPORT("header_value") int32_t ifrit_header_value(int32_t which, int32_t index, char *buf, int32_t cap);
IFRIT_IMPORT("header_get") int32_t ifrit_header_get(int32_t which, const char *name, int32_t name_len,
                                                    char *buf, int32_t cap);
IFRIT_IMPORT("header_set") int32_t ifrit_header_set(int32_t which, const char *name, int32_t name_len,
                                                    const char *value, int32_t value_len);
IFRIT_IMPORT("header_add") int32_t ifrit_header_add(int32_t which, const char *name, int32_t name_len,
                                                    const char *value, int32_t value_len);
/* Returns how many fields were removed, or -1. */
IFRIT_IMPORT("header_remove") int32_t ifrit_header_remove(int32_t which, const char *name, int32_t name_len);

/* The response status: in on_request the one being built (0 until set;
 * IFRIT_RESPOND without one answers 503), in on_response the real one. */
IFRIT_IMPORT("status") int32_t ifrit_status(void);
IFRIT_IMPORT("set_status") int32_t ifrit_set_status(int32_t status);   /* 100..999 */

/* on_request: the body of the response built for IFRIT_RESPOND.
 * on_body: replaces the current chunk (an empty one drops it). */
IFRIT_IMPORT("set_body") int32_t ifrit_set_body(const char *data, int32_t len);
/* on_body: copies the current chunk. */
IFRIT_IMPORT("chunk") int32_t ifrit_chunk(char *buf, int32_t cap);

IFRIT_IMPORT("log") void ifrit_log(int32_t level, const char *msg, int32_t len);

#endif
