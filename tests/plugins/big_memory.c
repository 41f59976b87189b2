// cflags: -Wl,--initial-memory=4194304
/* Starts with 4 MiB of memory: more than `memory_mb 1` allows, so loading
 * it with that cap fails (an instantiation error that is not an import). */
#include <ifrit_plugin.h>

__attribute__((export_name("on_request"))) int32_t on_request(void)
{
    return IFRIT_CONTINUE;
}
