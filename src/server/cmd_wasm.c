/* ifrit wasm run [--dir HOST[::GUEST]] [--env K=V] [--fuel N] [--max-memory SIZE]
 *                [--timeout DURATION] [--profile] [--engine interpreter|compiler]
 *                [--stats] FILE.wasm [ARGS...]
 *
 * Runs a WASI command module the way `wasmtime run` does; --profile then
 * prints where its instructions went (cmd_wasm_profile.c); --stats says on
 * stderr how many of its functions the compiler compiled. Exit status:
 *   the guest's      proc_exit(code), or 0 when _start returns
 *   1                the module cannot be read, decoded, validated or linked,
 *                    or has no _start (offset and reason on stderr)
 *   2                bad command line
 *   134 (128+SIGABRT, as wasmtime)  the guest trapped, including running out
 *                    of fuel (--fuel) or time (--timeout); kind, message and
 *                    backtrace on stderr */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/dispense.h"
#include "base/file.h"
#include "fn/fn.h"
#include "server/cmd_wasm_profile.h"
#include "server/commands.h"
#include "wasi/wasi.h"
#include "wasm/wasm.h"

#define SRV__CMD_WASM_EXIT_LOAD 1
#define SRV__CMD_WASM_EXIT_USAGE 2
#define SRV__CMD_WASM_EXIT_TRAP 134

typedef struct {
    iw_limits_t limits;
    int64_t timeout_ns;
    bool profile;           /* --profile */
    bool stats;             /* --stats */
    const char *file;
    int nargs;              /* guest arguments after FILE */
    char **args;
    iwasi_ctx_t *ctx;
} srv__cmd_wasm_opts_t;

static int srv__cmd_wasm_usage(void)
{
    fprintf(stderr, "usage: ifrit wasm run [--dir HOST[::GUEST]] [--env K=V] [--fuel N] [--max-memory SIZE]\n"
                    "                      [--timeout DURATION] [--profile] [--engine interpreter|compiler]\n"
                    "                      [--stats] FILE.wasm [ARGS...]\n");
    return SRV__CMD_WASM_EXIT_USAGE;
}

static cfg_token_t srv__cmd_wasm_token(const char *opt, const char *value)
{
    return (cfg_token_t){ .text = ifr_cstr(value), .file = opt };
}

/* --dir HOST[::GUEST] */
static int srv__cmd_wasm_dir(iwasi_ctx_t *ctx, const char *spec)
{
    const char *sep = strstr(spec, "::");
    char host[4096];
    size_t n = sep ? (size_t)(sep - spec) : strlen(spec);
    if (n == 0 || n >= sizeof host) {
        fprintf(stderr, "ifrit: --dir: expected HOST[::GUEST], got '%s'\n", spec);
        return -1;
    }
    memcpy(host, spec, n);
    host[n] = 0;
    iwasi_errno_t e = iwasi_ctx_preopen(ctx, host, sep ? sep + 2 : NULL);
    if (e) fprintf(stderr, "ifrit: --dir: cannot open directory '%s' (%s)\n", host, iwasi_errno_name(e));
    return e ? -1 : 0;
}

/* Reads options into o; returns -1 after printing what was wrong. */
static int srv__cmd_wasm_parse(int argc, char **argv, srv__cmd_wasm_opts_t *o)
{
    int i = 0;
    cfg_error_t err;
    for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
        const char *opt = argv[i];
        if (!strcmp(opt, "--")) {
            i++;
            break;
        }
        if (!strcmp(opt, "--profile")) {
            o->profile = true;
            continue;
        }
        if (!strcmp(opt, "--stats")) {
            o->stats = true;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "ifrit: %s needs a value\n", opt);
            return -1;
        }
        const char *val = argv[++i];
        cfg_token_t t = srv__cmd_wasm_token(opt, val);
        int64_t n;
        if (!strcmp(opt, "--dir")) {
            if (srv__cmd_wasm_dir(o->ctx, val) < 0) return -1;
        } else if (!strcmp(opt, "--env")) {
            if (iwasi_ctx_add_env(o->ctx, val) < 0) {
                fprintf(stderr, "ifrit: --env: expected KEY=VALUE, got '%s'\n", val);
                return -1;
            }
        } else if (!strcmp(opt, "--fuel")) {
            if (cfg_parse_int(&t, 1, INT64_MAX, &n, &err) < 0) goto bad;
            o->limits.fuel = (uint64_t)n;
        } else if (!strcmp(opt, "--max-memory")) {
            if (cfg_parse_size(&t, CFG_SIZE_BINARY, &o->limits.max_memory_bytes, &err) < 0) goto bad;
        } else if (!strcmp(opt, "--engine")) {
            if (strcmp(val, "interpreter") != 0 && strcmp(val, "compiler") != 0) {
                fprintf(stderr, "ifrit: --engine: expected interpreter or compiler, got '%s'\n", val);
                return -1;
            }
            iw_set_engine(!strcmp(val, "compiler") ? IW_ENGINE_COMPILER : IW_ENGINE_INTERPRETER);
        } else if (!strcmp(opt, "--timeout")) {
            if (cfg_parse_duration(&t, 0, &o->timeout_ns, &err) < 0) goto bad;
        } else {
            fprintf(stderr, "ifrit: unknown option '%s'\n", opt);
            return -1;
        }
        continue;
    bad:
        fprintf(stderr, "ifrit: %s: %s\n", opt, err.message);
        return -1;
    }
    if (i >= argc) return -1;
    o->file = argv[i];
    o->args = argv + i;
    o->nargs = argc - i;
    return 0;
}

static void srv__cmd_wasm_print_trap(const char *file, const iw_trap_t *trap)
{
    fprintf(stderr, "ifrit: %s: trap: %s: %s\n", file, iw_trap_kind_name(trap->kind), trap->message);
    if (trap->frame_count) fprintf(stderr, "backtrace:\n");
    for (uint32_t i = 0; i < trap->frame_count; i++) {
        const iw_frame_t *fr = &trap->frames[i];
        fprintf(stderr, "  %2u: func[%u] %s @ 0x%x\n", i, fr->func_index, fr->name ? fr->name : "<unnamed>",
                fr->code_offset);
    }
}

static int64_t srv__cmd_wasm_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Instantiates and runs _start; returns the exit status. */
static int srv__cmd_wasm_exec(srv__cmd_wasm_opts_t *o, iw_module_t *m)
{
    iw_linker_t *l = iw_linker_new();
    if (!l || iwasi_link(l) < 0) {
        iw_linker_free(l);
        fprintf(stderr, "ifrit: out of memory\n");
        return SRV__CMD_WASM_EXIT_LOAD;
    }
    if (o->timeout_ns) o->limits.deadline_ns = srv__cmd_wasm_now_ns() + o->timeout_ns;
    iwasi_ctx_set_deadline(o->ctx, o->limits.deadline_ns);
    iw_error_t err = { 0 };
    iw_trap_t trap = { 0 };
    iw_instance_t *inst = iw_instance_new(m, l, &o->limits, &err, &trap);
    iw_linker_free(l);
    if (!inst) {
        if (trap.kind != IW_TRAP_NONE) {
            srv__cmd_wasm_print_trap(o->file, &trap);
            return SRV__CMD_WASM_EXIT_TRAP;
        }
        fprintf(stderr, "ifrit: %s: cannot instantiate: %s\n", o->file, err.message);
        return SRV__CMD_WASM_EXIT_LOAD;
    }
    iw_instance_set_user_data(inst, o->ctx);
    int status;
    iw_func_t *start = iw_instance_func(inst, "_start");
    if (!start) {
        fprintf(stderr, "ifrit: %s: not a WASI command: no exported function _start\n", o->file);
        status = SRV__CMD_WASM_EXIT_LOAD;
    } else {
        srv_cmd_profile_t *profile = o->profile ? srv_cmd_profile_new() : NULL;
        if (o->profile && !profile) fprintf(stderr, "ifrit: --profile: out of memory; running without it\n");
        iw_status_t st = profile ? srv_cmd_profile_run(profile, inst, start, o->ctx) : iw_call(inst, start, NULL, 0, NULL, 0);
        switch (st) {
        case IW_FINISHED: status = 0; break;
        case IW_EXITED: status = iw_instance_exit_code(inst); break;
        case IW_TRAPPED:
            srv__cmd_wasm_print_trap(o->file, iw_instance_trap(inst));
            status = SRV__CMD_WASM_EXIT_TRAP;
            break;
        default:   /* nothing here asks to suspend: stdio are host descriptors */
            fprintf(stderr, "ifrit: %s: the guest suspended unexpectedly\n", o->file);
            status = SRV__CMD_WASM_EXIT_TRAP;
            break;
        }
        if (profile) srv_cmd_profile_print(profile, inst, stderr);
        srv_cmd_profile_free(profile);
    }
    iw_instance_free(inst);
    return status;
}

int srv_cmd_wasm(int argc, char **argv)
{
    if (argc < 1 || strcmp(argv[0], "run") != 0) return srv__cmd_wasm_usage();
    srv__cmd_wasm_opts_t o = { .ctx = iwasi_ctx_new() };
    if (!o.ctx) {
        fprintf(stderr, "ifrit: out of memory\n");
        return SRV__CMD_WASM_EXIT_LOAD;
    }
    int status = SRV__CMD_WASM_EXIT_USAGE;
    if (srv__cmd_wasm_parse(argc - 1, argv + 1, &o) < 0) {
        srv__cmd_wasm_usage();
        goto out;
    }
    for (int i = 0; i < o.nargs; i++)
        if (iwasi_ctx_add_arg(o.ctx, o.args[i]) < 0) goto out;
    size_t len = 0;
    char why[160];
    uint8_t *bytes = (uint8_t *)ifr_read_file(o.file, FN_MAX_MODULE_BYTES, &len, why, sizeof why);
    if (!bytes) {
        fprintf(stderr, "ifrit: %s: %s\n", o.file, why);
        status = SRV__CMD_WASM_EXIT_LOAD;
        goto out;
    }
    iw_error_t err = { 0 };
    iw_module_t *m = iw_module_new(bytes, len, &err);
    free(bytes);
    if (!m) {
        fprintf(stderr, "ifrit: %s: invalid module at offset 0x%llx: %s\n", o.file,
                (unsigned long long)err.offset, err.message);
        status = SRV__CMD_WASM_EXIT_LOAD;
        goto out;
    }
    if (o.stats) {
        uint32_t defined = 0, compiled = iw_module_compiled_count(m, &defined);
        fprintf(stderr, "ifrit: %s: %u of %u functions compiled, %u interpreted\n", o.file, compiled, defined,
                defined - compiled);
    }
    status = srv__cmd_wasm_exec(&o, m);
    iw_module_release(m);
out:
    iwasi_ctx_free(o.ctx);
    return status;
}
