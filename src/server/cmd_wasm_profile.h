/* `ifrit wasm run --profile`: where a guest spends its instructions, per
 * function (named from the module's name section), split at the point a
 * function's snapshot would be taken (docs/functions.md). */
#ifndef IFRIT_SERVER_CMD_WASM_PROFILE_H
#define IFRIT_SERVER_CMD_WASM_PROFILE_H

#include <stdio.h>

#include "wasi/wasi.h"
#include "wasm/wasm.h"

/* Fuel between two samples. */
#define SRV_CMD_PROFILE_SLICE 10000u
/* Functions listed per part. */
#define SRV_CMD_PROFILE_TOP 25u

typedef struct srv_cmd_profile srv_cmd_profile_t;

srv_cmd_profile_t *srv_cmd_profile_new(void);   /* NULL on out-of-memory */
void srv_cmd_profile_free(srv_cmd_profile_t *p);

/* Runs start in inst (whose WASI context is ctx, stdin the host's
 * descriptor 0) to its end, sampling. Returns like iw_call; the guest
 * sees neither the sampling nor the split. */
iw_status_t srv_cmd_profile_run(srv_cmd_profile_t *p, iw_instance_t *inst, iw_func_t *start, iwasi_ctx_t *ctx);

/* The flat top lists, before and after the snapshot point. Functions the
 * name section does not name get their name from a Go program's own
 * symbol table in inst's memory when it has one (cmd_wasm_gonames.h). */
void srv_cmd_profile_print(const srv_cmd_profile_t *p, iw_instance_t *inst, FILE *out);

#endif
