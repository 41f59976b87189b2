/* proxy-wasm's shared key-value data (with compare-and-swap), shared
 * queues and metrics: process-wide, so every worker's VM of every filter
 * sees the same ones (docs/plugins.md). They live until the process ends
 * (a reload keeps them, as Envoy keeps a VM id's). Critical sections are
 * a copy of one value, so a spin lock on an atomic flag is enough (and
 * keeps the wasm32 build free of pthreads, as plugin_state.c). */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/plugin_proxy_wasm.h"

/* Bounds, so that filters cannot grow the process without end. */
#define PLUGIN__PW_SHARED_MAX_BYTES (16u << 20)   /* keys and values together */
#define PLUGIN__PW_MAX_QUEUES 256u
#define PLUGIN__PW_QUEUE_MAX_ITEMS 1024u
#define PLUGIN__PW_MAX_METRICS 1024u

typedef struct plugin__pw_entry {
    char *key;
    size_t key_len;
    char *value;
    size_t value_len;
    uint32_t cas;
    struct plugin__pw_entry *next;
} plugin__pw_entry_t;

typedef struct plugin__pw_item {
    char *data;
    size_t len;
    struct plugin__pw_item *next;
} plugin__pw_item_t;

typedef struct {
    char *name;
    size_t name_len;
    plugin__pw_item_t *head, *tail;
    uint32_t count;
} plugin__pw_queue_t;

typedef struct {
    char *name;
    size_t name_len;
    uint32_t type;             /* 0 counter, 1 gauge, 2 histogram */
    uint64_t value;
} plugin__pw_metric_t;

static atomic_flag plugin__pw_lock = ATOMIC_FLAG_INIT;
static plugin__pw_entry_t *plugin__pw_entries;
static size_t plugin__pw_bytes;
static uint32_t plugin__pw_cas;
static plugin__pw_queue_t plugin__pw_queues[PLUGIN__PW_MAX_QUEUES];
static uint32_t plugin__pw_nqueues;
static plugin__pw_metric_t plugin__pw_metrics[PLUGIN__PW_MAX_METRICS];
static uint32_t plugin__pw_nmetrics;

static void plugin__pw_acquire(void)
{
    while (atomic_flag_test_and_set_explicit(&plugin__pw_lock, memory_order_acquire)) {
    }
}

static void plugin__pw_release(void)
{
    atomic_flag_clear_explicit(&plugin__pw_lock, memory_order_release);
}

static char *plugin__pw_dup(ifr_str_t s)
{
    char *d = malloc(s.len ? s.len : 1);
    if (d && s.len) memcpy(d, s.ptr, s.len);
    return d;
}

static bool plugin__pw_same(const char *a, size_t alen, ifr_str_t b)
{
    return alen == b.len && (b.len == 0 || memcmp(a, b.ptr, b.len) == 0);
}

static plugin__pw_entry_t *plugin__pw_find(ifr_str_t key)
{
    for (plugin__pw_entry_t *e = plugin__pw_entries; e; e = e->next)
        if (plugin__pw_same(e->key, e->key_len, key)) return e;
    return NULL;
}

/* The next CAS value: never 0 (0 means "no check" to set). */
static uint32_t plugin__pw_next_cas(void)
{
    if (++plugin__pw_cas == 0) plugin__pw_cas = 1;
    return plugin__pw_cas;
}

int plugin_pw_shared_get(ifr_str_t key, ifr_buf_t *value, uint32_t *cas)
{
    plugin__pw_acquire();
    plugin__pw_entry_t *e = plugin__pw_find(key);
    int rc = PLUGIN_PW_NOT_FOUND;
    if (e) {
        ifr_buf_clear(value);
        rc = ifr_buf_append(value, e->value, e->value_len) == 0 ? PLUGIN_PW_OK : PLUGIN_PW_INTERNAL_FAILURE;
        *cas = e->cas;
    }
    plugin__pw_release();
    return rc;
}

int plugin_pw_shared_set(ifr_str_t key, ifr_str_t value, uint32_t cas)
{
    char *v = plugin__pw_dup(value);
    if (!v) return PLUGIN_PW_INTERNAL_FAILURE;
    plugin__pw_acquire();
    plugin__pw_entry_t *e = plugin__pw_find(key);
    int rc = PLUGIN_PW_OK;
    size_t grow = e ? (value.len > e->value_len ? value.len - e->value_len : 0) : key.len + value.len;
    if (cas && (!e || e->cas != cas)) {
        rc = PLUGIN_PW_CAS_MISMATCH;
    } else if (plugin__pw_bytes + grow > PLUGIN__PW_SHARED_MAX_BYTES) {
        rc = PLUGIN_PW_BAD_ARGUMENT;
    } else if (e) {
        plugin__pw_bytes = plugin__pw_bytes - e->value_len + value.len;
        free(e->value);
        e->value = v;
        e->value_len = value.len;
        e->cas = plugin__pw_next_cas();
        v = NULL;
    } else if ((e = calloc(1, sizeof(*e))) && (e->key = plugin__pw_dup(key))) {
        *e = (plugin__pw_entry_t){ e->key, key.len, v, value.len, plugin__pw_next_cas(), plugin__pw_entries };
        plugin__pw_entries = e;
        plugin__pw_bytes += key.len + value.len;
        v = NULL;
    } else {
        free(e);
        rc = PLUGIN_PW_INTERNAL_FAILURE;
    }
    plugin__pw_release();
    free(v);
    return rc;
}

static uint32_t plugin__pw_queue_find(ifr_str_t name)
{
    for (uint32_t i = 0; i < plugin__pw_nqueues; i++)
        if (plugin__pw_same(plugin__pw_queues[i].name, plugin__pw_queues[i].name_len, name)) return i + 1;
    return 0;
}

int plugin_pw_queue_register(ifr_str_t name, uint32_t *id)
{
    plugin__pw_acquire();
    int rc = PLUGIN_PW_OK;
    if (!(*id = plugin__pw_queue_find(name))) {
        char *n = plugin__pw_nqueues < PLUGIN__PW_MAX_QUEUES ? plugin__pw_dup(name) : NULL;
        if (n) {
            plugin__pw_queues[plugin__pw_nqueues] = (plugin__pw_queue_t){ .name = n, .name_len = name.len };
            *id = ++plugin__pw_nqueues;
        } else {
            rc = PLUGIN_PW_INTERNAL_FAILURE;
        }
    }
    plugin__pw_release();
    return rc;
}

int plugin_pw_queue_resolve(ifr_str_t name, uint32_t *id)
{
    plugin__pw_acquire();
    *id = plugin__pw_queue_find(name);
    plugin__pw_release();
    return *id ? PLUGIN_PW_OK : PLUGIN_PW_NOT_FOUND;
}

int plugin_pw_queue_enqueue(uint32_t id, ifr_str_t value)
{
    plugin__pw_item_t *it = malloc(sizeof(*it));
    char *d = plugin__pw_dup(value);
    if (!it || !d) {
        free(it);
        free(d);
        return PLUGIN_PW_INTERNAL_FAILURE;
    }
    *it = (plugin__pw_item_t){ d, value.len, NULL };
    plugin__pw_acquire();
    int rc = PLUGIN_PW_OK;
    plugin__pw_queue_t *q = id && id <= plugin__pw_nqueues ? &plugin__pw_queues[id - 1] : NULL;
    if (!q) {
        rc = PLUGIN_PW_NOT_FOUND;
    } else if (q->count >= PLUGIN__PW_QUEUE_MAX_ITEMS || plugin__pw_bytes + value.len > PLUGIN__PW_SHARED_MAX_BYTES) {
        rc = PLUGIN_PW_INTERNAL_FAILURE;
    } else {
        if (q->tail) q->tail->next = it;
        else q->head = it;
        q->tail = it;
        q->count++;
        plugin__pw_bytes += value.len;
        it = NULL;
    }
    plugin__pw_release();
    if (it) {
        free(it->data);
        free(it);
    }
    return rc;
}

int plugin_pw_queue_dequeue(uint32_t id, ifr_buf_t *value)
{
    plugin__pw_acquire();
    plugin__pw_queue_t *q = id && id <= plugin__pw_nqueues ? &plugin__pw_queues[id - 1] : NULL;
    plugin__pw_item_t *it = q ? q->head : NULL;
    if (it) {
        q->head = it->next;
        if (!q->head) q->tail = NULL;
        q->count--;
        plugin__pw_bytes -= it->len;
    }
    plugin__pw_release();
    if (!q) return PLUGIN_PW_NOT_FOUND;
    if (!it) return PLUGIN_PW_EMPTY;
    ifr_buf_clear(value);
    int rc = ifr_buf_append(value, it->data, it->len) == 0 ? PLUGIN_PW_OK : PLUGIN_PW_INTERNAL_FAILURE;
    free(it->data);
    free(it);
    return rc;
}

int plugin_pw_metric_define(uint32_t type, ifr_str_t name, uint32_t *id)
{
    if (type > 2) return PLUGIN_PW_BAD_ARGUMENT;
    plugin__pw_acquire();
    int rc = PLUGIN_PW_OK;
    *id = 0;
    for (uint32_t i = 0; i < plugin__pw_nmetrics && !*id; i++)
        if (plugin__pw_metrics[i].type == type &&
            plugin__pw_same(plugin__pw_metrics[i].name, plugin__pw_metrics[i].name_len, name))
            *id = i + 1;
    if (!*id) {
        char *n = plugin__pw_nmetrics < PLUGIN__PW_MAX_METRICS ? plugin__pw_dup(name) : NULL;
        if (n) {
            plugin__pw_metrics[plugin__pw_nmetrics] = (plugin__pw_metric_t){ n, name.len, type, 0 };
            *id = ++plugin__pw_nmetrics;
        } else {
            rc = PLUGIN_PW_INTERNAL_FAILURE;
        }
    }
    plugin__pw_release();
    return rc;
}

int plugin_pw_metric_change(uint32_t id, int64_t v, bool record)
{
    plugin__pw_acquire();
    int rc = PLUGIN_PW_OK;
    plugin__pw_metric_t *m = id && id <= plugin__pw_nmetrics ? &plugin__pw_metrics[id - 1] : NULL;
    if (!m) rc = PLUGIN_PW_NOT_FOUND;
    else if (record) m->value = (uint64_t)v;
    else if (m->type != 1 && v < 0) rc = PLUGIN_PW_BAD_ARGUMENT;   /* only a gauge goes down */
    else m->value += (uint64_t)v;
    plugin__pw_release();
    return rc;
}

int plugin_pw_metric_get(uint32_t id, uint64_t *v)
{
    plugin__pw_acquire();
    plugin__pw_metric_t *m = id && id <= plugin__pw_nmetrics ? &plugin__pw_metrics[id - 1] : NULL;
    if (m) *v = m->value;
    plugin__pw_release();
    return m ? PLUGIN_PW_OK : PLUGIN_PW_NOT_FOUND;
}
