/* How much memory this process may use, for the default of the guest
 * memory budget (`wasm_memory_budget`, fn.h). */
#ifndef IFRIT_SERVER_SRV_MEMORY_H
#define IFRIT_SERVER_SRV_MEMORY_H

#include <stdint.h>

/* The smaller of the machine's physical memory and the memory.max of the
 * cgroup (v2) this process runs in and of every cgroup above it; 0 when
 * neither can be read. */
uint64_t srv_memory_available(void);

/* The budget for functions' guest memory when the config sets none: half
 * of srv_memory_available(), leaving the rest to the server itself, the
 * plugins and the rest of the machine; 1 GiB when it is unknown. */
uint64_t srv_memory_default_budget(void);

#endif
