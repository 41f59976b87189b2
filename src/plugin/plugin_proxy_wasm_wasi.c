/* The WASI preview1 subset proxy-wasm filters import (the spec's list,
 * and what wasi-libc's start-up and stdio pull in): stdout and stderr go
 * to the log, clocks and randomness are real, arguments and environment
 * are empty, files do not exist (EBADF), proc_exit traps. */
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "plugin/plugin_proxy_wasm.h"

enum { PLUGIN__WASI_SUCCESS = 0, PLUGIN__WASI_BADF = 8, PLUGIN__WASI_INVAL = 28, PLUGIN__WASI_NOTSUP = 58 };

#define PLUGIN__WASI_ARG(i) ((uint32_t)args[i])

static iw_host_result_t plugin__wasi_ret(uint64_t *results, int err)
{
    if (err < 0) return IW_HOST_TRAP;
    results[0] = (uint64_t)(uint32_t)err;
    return IW_HOST_OK;
}

/* fd_write to 1 logs at info, to 2 at error: one line per call, up to the
 * log's line length (the plugin's log budget applies). */
static iw_host_result_t plugin__wasi_fd_write(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    plugin_t *p = ((plugin_pw_t *)env)->plugin;
    uint32_t fd = PLUGIN__WASI_ARG(0), iovs = PLUGIN__WASI_ARG(1), n = PLUGIN__WASI_ARG(2);
    if (n > 1024) return plugin__wasi_ret(results, PLUGIN__WASI_INVAL);
    const unsigned char *v = plugin_pw_lift(inst, iovs, n * 8);
    if (!v || !plugin_pw_lift(inst, PLUGIN__WASI_ARG(3), 4)) return IW_HOST_TRAP;
    if (fd != 1 && fd != 2) return plugin__wasi_ret(results, PLUGIN__WASI_BADF);
    char line[IFR_LOG_MSG_MAX];
    size_t used = 0, total = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t ptr = 0, len = 0;
        for (int k = 0; k < 4; k++) {
            ptr |= (uint32_t)v[8 * i + k] << (8 * k);
            len |= (uint32_t)v[8 * i + 4 + k] << (8 * k);
        }
        const char *d = plugin_pw_lift(inst, ptr, len);
        if (!d) return IW_HOST_TRAP;
        size_t take = len < sizeof line - used ? len : sizeof line - used;
        memcpy(line + used, d, take);
        used += take;
        total += len;
    }
    while (used && line[used - 1] == '\n') used--;
    ifr_log_level_t level = fd == 1 ? IFR_LOG_INFO : IFR_LOG_ERROR;
    uint64_t dropped;
    if (used && level >= ifr_log_get_level() &&
        ifr_log_budget_take(&p->log_budget, IFR_LOG_GUEST_RATE, used, &dropped))
        ifr_log_msg(level, p->logger, ifr_str(line, used));
    return plugin__wasi_ret(results, plugin_pw_put_u32(inst, PLUGIN__WASI_ARG(3), (uint32_t)total) ? 0 : -1);
}

static iw_host_result_t plugin__wasi_clock_time_get(iw_instance_t *inst, void *env, const uint64_t *args,
                                                    uint64_t *results)
{
    (void)env;
    uint32_t id = PLUGIN__WASI_ARG(0);
    if (id > 1) return plugin__wasi_ret(results, PLUGIN__WASI_NOTSUP);
    struct timespec ts;
    clock_gettime(id == 0 ? CLOCK_REALTIME : CLOCK_MONOTONIC, &ts);
    uint64_t ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    return plugin__wasi_ret(results, plugin_pw_put_u64(inst, PLUGIN__WASI_ARG(2), ns) ? 0 : -1);
}

static iw_host_result_t plugin__wasi_random_get(iw_instance_t *inst, void *env, const uint64_t *args,
                                                uint64_t *results)
{
    (void)env;
    uint32_t len = PLUGIN__WASI_ARG(1);
    if (len > (1u << 20)) return plugin__wasi_ret(results, PLUGIN__WASI_INVAL);
    unsigned char *buf = plugin_pw_lift(inst, PLUGIN__WASI_ARG(0), len);
    if (!buf) return IW_HOST_TRAP;
    /* getentropy gives at most 256 bytes a call */
    for (uint32_t at = 0; at < len; at += 256)
        if (getentropy(buf + at, len - at < 256 ? len - at : 256) != 0)
            return plugin__wasi_ret(results, PLUGIN__WASI_INVAL);
    return plugin__wasi_ret(results, PLUGIN__WASI_SUCCESS);
}

/* args_sizes_get / environ_sizes_get: none, so the *_get calls never come. */
static iw_host_result_t plugin__wasi_sizes_get(iw_instance_t *inst, void *env, const uint64_t *args,
                                               uint64_t *results)
{
    (void)env;
    bool ok = plugin_pw_put_u32(inst, PLUGIN__WASI_ARG(0), 0) && plugin_pw_put_u32(inst, PLUGIN__WASI_ARG(1), 0);
    return plugin__wasi_ret(results, ok ? 0 : -1);
}

static iw_host_result_t plugin__wasi_none_get(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)inst, (void)env, (void)args;
    return plugin__wasi_ret(results, PLUGIN__WASI_SUCCESS);
}

static iw_host_result_t plugin__wasi_badf(iw_instance_t *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)inst, (void)env, (void)args;
    return plugin__wasi_ret(results, PLUGIN__WASI_BADF);
}

static iw_host_result_t plugin__wasi_sched_yield(iw_instance_t *inst, void *env, const uint64_t *args,
                                                 uint64_t *results)
{
    (void)inst, (void)env, (void)args;
    return plugin__wasi_ret(results, PLUGIN__WASI_SUCCESS);
}

static iw_host_result_t plugin__wasi_proc_exit(iw_instance_t *inst, void *env, const uint64_t *args,
                                               uint64_t *results)
{
    (void)env, (void)results;
    iw_host_trap(inst, "the filter called proc_exit(%u)", PLUGIN__WASI_ARG(0));
    return IW_HOST_TRAP;
}

static const struct {
    const char *name;
    iw_sig_t sig;
    iw_host_fn_t fn;
} plugin__wasi_table[] = {
    { "fd_write", "iiii:i", plugin__wasi_fd_write },
    { "clock_time_get", "iIi:i", plugin__wasi_clock_time_get },
    { "random_get", "ii:i", plugin__wasi_random_get },
    { "args_sizes_get", "ii:i", plugin__wasi_sizes_get },
    { "args_get", "ii:i", plugin__wasi_none_get },
    { "environ_sizes_get", "ii:i", plugin__wasi_sizes_get },
    { "environ_get", "ii:i", plugin__wasi_none_get },
    { "fd_close", "i:i", plugin__wasi_badf },
    { "fd_seek", "iIii:i", plugin__wasi_badf },
    { "fd_fdstat_get", "ii:i", plugin__wasi_badf },
    { "fd_read", "iiii:i", plugin__wasi_badf },
    { "fd_prestat_get", "ii:i", plugin__wasi_badf },
    { "fd_prestat_dir_name", "iii:i", plugin__wasi_badf },
    { "sched_yield", ":i", plugin__wasi_sched_yield },
    { "proc_exit", "i:", plugin__wasi_proc_exit },
};

int plugin_pw_wasi_define(iw_linker_t *l, plugin_pw_t *pw)
{
    for (size_t i = 0; i < sizeof plugin__wasi_table / sizeof plugin__wasi_table[0]; i++)
        if (iw_linker_define_func(l, "wasi_snapshot_preview1", plugin__wasi_table[i].name, plugin__wasi_table[i].sig,
                                  plugin__wasi_table[i].fn, pw) != 0)
            return -1;
    return 0;
}
