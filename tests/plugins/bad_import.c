/* Imports a function the host does not have: refused at load with the
 * hint that plugins may import only the "ifrit" host functions. */
#include <ifrit_plugin.h>

__attribute__((import_module("ifrit"), import_name("no_such_function"))) int32_t ifrit_missing(void);

__attribute__((export_name("on_request"))) int32_t on_request(void)
{
    return ifrit_missing() ? IFRIT_SKIP : IFRIT_CONTINUE;
}
