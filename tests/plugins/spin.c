// cflags: -O0
/* Never finishes: fuel or the wall-clock timeout must stop it. */
#include <ifrit_plugin.h>

volatile int counter;

__attribute__((export_name("on_request"))) int32_t on_request(void)
{
    for (;;) counter++;
}
