/* Budgets against HTTP/2 floods that nghttp2 has no limit of its own
 * for: control frames the server must answer or account for (SETTINGS,
 * PING, WINDOW_UPDATE, PRIORITY, empty DATA), and streams the client
 * opens and resets (Rapid Reset, CVE-2023-44487: each reset stream may
 * have cost the server a dispatch). Each budget is a token bucket: a
 * burst, refilled at a rate; an empty one ends the connection with
 * GOAWAY ENHANCE_YOUR_CALM (logged by the session's frame_send). See
 * srv_h2.h and docs/server.md. */
#include "server/srv_h2.h"

#include "base/log.h"

#define SRV__H2_CTL_BURST 1000.0     /* control frames a client may send at once */
#define SRV__H2_CTL_RATE 100.0       /* ... and per second after that */
#define SRV__H2_RESET_BURST 1000.0   /* streams it may reset at once (as nghttp2 1.57's default) */
#define SRV__H2_RESET_RATE 33.0      /* ... and per second after that */

void srv_h2_guard_init(srv_h2_session_t *h2)
{
    h2->ctl_budget = SRV__H2_CTL_BURST;
    h2->reset_budget = SRV__H2_RESET_BURST;
    h2->budget_at = h2->conn->worker->loop.now;
}

static void srv__guard_refill(srv_h2_session_t *h2)
{
    int64_t now = h2->conn->worker->loop.now;
    double s = (double)(now - h2->budget_at) / 1e9;
    if (s <= 0) return;
    h2->budget_at = now;
    h2->ctl_budget += s * SRV__H2_CTL_RATE;
    if (h2->ctl_budget > SRV__H2_CTL_BURST) h2->ctl_budget = SRV__H2_CTL_BURST;
    h2->reset_budget += s * SRV__H2_RESET_RATE;
    if (h2->reset_budget > SRV__H2_RESET_BURST) h2->reset_budget = SRV__H2_RESET_BURST;
}

static bool srv__guard_spend(srv_h2_session_t *h2, double *budget, const char *what)
{
    srv__guard_refill(h2);
    if (--*budget >= 0) return true;
    if (!h2->terminated) {
        ifr_log_warn("http", "h2: %s flood from %s: closing the connection", what, h2->conn->remote_ip);
        nghttp2_session_terminate_session(h2->ng, NGHTTP2_ENHANCE_YOUR_CALM);
        h2->terminated = true;
    }
    return false;
}

bool srv_h2_guard_control(srv_h2_session_t *h2, const char *what)
{
    return srv__guard_spend(h2, &h2->ctl_budget, what);
}

bool srv_h2_guard_reset(srv_h2_session_t *h2)
{
    return srv__guard_spend(h2, &h2->reset_budget, "stream reset (Rapid Reset)");
}
