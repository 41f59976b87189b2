/* `ifrit wasm run --profile`. The call runs in slices of SRV_CMD_PROFILE_SLICE
 * instructions (fuel); at the end of each, the function running then (the
 * innermost guest frame) is charged what ran since the last sample: a flat
 * profile of self instructions, exact in total and statistical per
 * function. stdin and the environment start pending, as when a function
 * loads with snapshots: the first read of either ends the first part
 * (what a snapshot keeps), and the run goes on with the host's stdin and
 * the given environment (what every request runs). */
#include <stdlib.h>
#include <string.h>

#include "server/cmd_wasm_gonames.h"
#include "server/cmd_wasm_profile.h"

typedef struct {
    uint64_t fuel[2];           /* before / after the snapshot point */
    const char *name;           /* owned by the module, or NULL */
    uint32_t index;             /* in the module's function space */
} srv__cmd_profile_fn_t;

struct srv_cmd_profile {
    srv__cmd_profile_fn_t *fns;      /* by function index */
    uint32_t nfns;
    uint64_t total[2];
    uint64_t samples;
    uint64_t last_fuel;         /* fuel used at the last sample */
    int part;                   /* 0 until the snapshot point, then 1 */
    char point[40];             /* the WASI call that ended part 0 */
    bool incomplete;            /* a sample found no memory: the lists miss it */
};

srv_cmd_profile_t *srv_cmd_profile_new(void) { return calloc(1, sizeof(srv_cmd_profile_t)); }

void srv_cmd_profile_free(srv_cmd_profile_t *p)
{
    if (!p) return;
    free(p->fns);
    free(p);
}

/* Charges what ran since the last sample to the running function (to none
 * when no guest frame is left, as after the call ended). -1 on
 * out-of-memory. */
static int srv__cmd_profile_sample(srv_cmd_profile_t *p, const iw_instance_t *inst)
{
    uint64_t used = iw_instance_fuel_used(inst), ran = used - p->last_fuel;
    p->last_fuel = used;
    p->total[p->part] += ran;
    iw_frame_t top;
    if (iw_instance_frames(inst, &top, 1) == 0) return 0;
    if (top.func_index >= p->nfns) {
        uint32_t n = top.func_index + 1 > 2 * p->nfns ? top.func_index + 1 : 2 * p->nfns;
        srv__cmd_profile_fn_t *fns = realloc(p->fns, (size_t)n * sizeof *fns);
        if (!fns) return -1;
        memset(fns + p->nfns, 0, (size_t)(n - p->nfns) * sizeof *fns);
        p->fns = fns;
        p->nfns = n;
    }
    srv__cmd_profile_fn_t *fn = &p->fns[top.func_index];
    fn->fuel[p->part] += ran;
    fn->name = top.name;
    fn->index = top.func_index;
    p->samples++;
    return 0;
}

iw_status_t srv_cmd_profile_run(srv_cmd_profile_t *p, iw_instance_t *inst, iw_func_t *start, iwasi_ctx_t *ctx)
{
    iwasi_ctx_stdin_pending(ctx);
    iwasi_ctx_env_pending(ctx, true);
    iw_instance_set_slice(inst, SRV_CMD_PROFILE_SLICE);
    iw_status_t st = iw_call(inst, start, NULL, 0, NULL, 0);
    while (st == IW_SUSPENDED) {
        if (srv__cmd_profile_sample(p, inst) < 0) p->incomplete = true;
        const char *call = NULL;
        if (iw_instance_suspended(inst, &call, NULL) == IW_SUSPEND_SLICE) {
            st = iw_resume(inst, NULL);
            continue;
        }
        /* The first read of stdin or of the environment: the snapshot point. */
        snprintf(p->point, sizeof p->point, "%s", call ? call : "?");
        p->part = 1;
        iwasi_ctx_env_pending(ctx, false);
        iwasi_ctx_stdio_host_fd(ctx, 0, 0);
        st = iwasi_resume(inst);
    }
    if (srv__cmd_profile_sample(p, inst) < 0) p->incomplete = true;   /* the last slice's rest: in the total only */
    return st;
}

static int srv__cmd_profile_part;   /* qsort's key: which part is being listed */

static int srv__cmd_profile_cmp(const void *a, const void *b)
{
    uint64_t x = ((const srv__cmd_profile_fn_t *)a)->fuel[srv__cmd_profile_part];
    uint64_t y = ((const srv__cmd_profile_fn_t *)b)->fuel[srv__cmd_profile_part];
    return x < y ? 1 : x > y ? -1 : 0;
}

static void srv__cmd_profile_list(const srv_cmd_profile_t *p, int part, const srv_cmd_go_names_t *go, FILE *out)
{
    srv__cmd_profile_fn_t *sorted = p->nfns ? malloc((size_t)p->nfns * sizeof *sorted) : NULL;
    if (p->nfns && !sorted) {
        fprintf(out, "  (out of memory for the list)\n");
        return;
    }
    if (p->incomplete) fprintf(out, "  (out of memory while sampling: some samples are missing below)\n");
    if (p->nfns) memcpy(sorted, p->fns, (size_t)p->nfns * sizeof *sorted);
    srv__cmd_profile_part = part;
    if (p->nfns) qsort(sorted, p->nfns, sizeof *sorted, srv__cmd_profile_cmp);
    fprintf(out, "  %14s %6s  function\n", "fuel", "share");
    for (uint32_t i = 0; i < p->nfns && i < SRV_CMD_PROFILE_TOP && sorted[i].fuel[part]; i++) {
        const srv__cmd_profile_fn_t *fn = &sorted[i];
        fprintf(out, "  %14llu %5.1f%%  ", (unsigned long long)fn->fuel[part],
                100.0 * (double)fn->fuel[part] / (double)p->total[part]);
        char go_name[256];
        if (fn->name) fprintf(out, "%s\n", fn->name);
        else if (go && srv_cmd_go_name(go, fn->index, go_name, sizeof go_name)) fprintf(out, "%s\n", go_name);
        else fprintf(out, "func[%u]\n", fn->index);
    }
    free(sorted);
}

void srv_cmd_profile_print(const srv_cmd_profile_t *p, iw_instance_t *inst, FILE *out)
{
    srv_cmd_go_names_t names;
    const srv_cmd_go_names_t *go = srv_cmd_go_names_find(inst, &names) == 0 ? &names : NULL;
    uint64_t all = p->total[0] + p->total[1];
    fprintf(out, "profile: %llu fuel (wasm instructions, charged per block), %llu samples (one every %u)\n", (unsigned long long)all,
            (unsigned long long)p->samples, SRV_CMD_PROFILE_SLICE);
    if (!p->part) {
        fprintf(out, "the guest neither read stdin nor looked at its environment: no snapshot point\n");
        srv__cmd_profile_list(p, 0, go, out);
        return;
    }
    double share = all ? 100.0 * (double)p->total[0] / (double)all : 0;
    fprintf(out, "before the snapshot point (its first %s): %llu fuel (%.1f%%), what a snapshot keeps\n",
            p->point, (unsigned long long)p->total[0], share);
    if (p->total[0]) srv__cmd_profile_list(p, 0, go, out);
    fprintf(out, "after it: %llu fuel (%.1f%%), what every request runs\n", (unsigned long long)p->total[1],
            100.0 - share);
    if (p->total[1]) srv__cmd_profile_list(p, 1, go, out);
}
