/* Registers the native backend of functions' host calls (srv_fnhost.h). */
#include "server/srv_fnhost.h"

static fn_host_backend_t srv__fnhost_backend;

void srv_fnhost_register(void)
{
    srv_fnhost_kv_fill(&srv__fnhost_backend);
    srv_fnhost_redis_fill(&srv__fnhost_backend);
    srv_fnhost_http_fill(&srv__fnhost_backend);
    srv_fnhost_sign_fill(&srv__fnhost_backend);
    srv_fnhost_db_fill(&srv__fnhost_backend);
    srv_fnhost_pg_fill(&srv__fnhost_backend);
    srv_fnhost_jobs_fill(&srv__fnhost_backend);
    fn_host_backend_register(&srv__fnhost_backend);
}
