/* Building a plan's TLS configuration; see srv_tls.h. */
#include "server/srv_tls.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acme/eab.h"
#include "base/log.h"
#include "config/dispense.h"
#include "server/srv_acme.h"
#include "server/srv_acme_ocsp.h"
#include "server/srv_tls_ondemand.h"
#include "server/srv_tls_ktls.h"
#include "server/srv_tls_renew.h"
#include "tls/tls_ca.h"
#include "tls/tls_ctx.h"
#include "tls/tls_ocsp.h"
#include "tls/tls_storage.h"

srv_tls_port_t *srv_tls_port_new(void)
{
    srv_tls_port_t *p = calloc(1, sizeof *p);
    if (p) pthread_mutex_init(&p->mu, NULL);
    return p;
}

void srv_tls_port_free(srv_tls_port_t *p)
{
    if (!p) return;
    tls_store_release(p->store);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

void srv_tls_port_set(srv_tls_port_t *p, tls_store_t *s)
{
    if (s) tls_store_retain(s);
    pthread_mutex_lock(&p->mu);
    tls_store_t *old = p->store;
    p->store = s;
    pthread_mutex_unlock(&p->mu);
    tls_store_release(old);
}

tls_store_t *srv_tls_port_get(srv_tls_port_t *p)
{
    pthread_mutex_lock(&p->mu);
    tls_store_t *s = p->store;
    if (s) tls_store_retain(s);
    pthread_mutex_unlock(&p->mu);
    return s;
}

typedef struct {
    uint16_t port;
    tls_store_t *store;
} srv__cfg_port_t;

/* A context built for one site's policy and one certificate, shared by
 * that site's hosts; or one ACME host's (acme.name set: its own
 * certificate, NULL until the first is obtained). */
typedef struct {
    const route_tls_conf_t *conf;
    tls_cert_t *cert;
    SSL_CTX *ctx;
    srv_acme_site_t acme;
    uint16_t port;
    time_t ocsp_at;   /* when to fetch the OCSP staple again (an ACME host's) */
    bool revoked;     /* the staple said so: renewed at the next pass */
} srv__cfg_ctx_t;

struct srv_tls_config {
    route_plan_t *plan;
    srv__cfg_port_t *ports;
    size_t nports;
    srv__cfg_ctx_t *ctxs;
    size_t nctxs;
    tls_ca_t *ca;
    srv_tls_renew_t *renew;
    tls_storage_t storage;
    srv_tls_renew_t *acme;   /* the ACME thread, once started */
    srv_tls_ondemand_t *ondemand;   /* tls { on_demand } sites' certificates, or NULL */
    atomic_bool acme_stop;   /* set before it is stopped: orders give up their waits */
};

/* Contexts whose certificate comes from the local CA (renewed). */
static bool srv__cfg_ctx_local(const srv__cfg_ctx_t *x) { return !x->acme.name && (!x->conf || !x->conf->cert_file); }

static tls_store_t *srv__cfg_store_for(srv_tls_config_t *c, uint16_t port, const cfg_options_t *o)
{
    for (size_t i = 0; i < c->nports; i++)
        if (c->ports[i].port == port) return c->ports[i].store;
    tls_store_t *s = tls_store_new(o->default_sni, o->fallback_sni);
    if (!s) return NULL;
    c->ports[c->nports++] = (srv__cfg_port_t){ port, s };
    return s;
}

static void srv__tls_policy_of(const route_tls_conf_t *t, const cfg_options_t *o, tls_policy_conf_t *out)
{
    *out = (tls_policy_conf_t){ .http2 = (o->protocols & CFG_PROTO_H2) != 0 };
    if (!t) return;
    *out = (tls_policy_conf_t){
        .http2 = (o->protocols & CFG_PROTO_H2) != 0,
        .protocol_min = t->protocol_min, .protocol_max = t->protocol_max,
        .ciphers = t->ciphers, .nciphers = t->nciphers,
        .curves = t->curves, .ncurves = t->ncurves,
        .alpn = t->alpn, .nalpn = t->nalpn,
        .client_auth = (tls_client_auth_t)t->client_auth,
        .client_ca_files = t->client_ca_files, .nclient_ca_files = t->nclient_ca_files,
    };
}

/* A context for cert under a site's policy (an ACME host's, built again
 * at each renewal). */
static SSL_CTX *srv__cfg_ctx_build(const srv_tls_config_t *c, const route_tls_conf_t *conf, tls_cert_t *cert, char *msg,
                              size_t len)
{
    tls_policy_conf_t pc;
    srv__tls_policy_of(conf, route_plan_options(c->plan), &pc);
    return tls_ctx_new(&pc, cert, msg, len);
}

/* An ACME host's context: with its (empty) OCSP staple installed before
 * it serves, so the ACME thread only ever swaps the staple's bytes. */
static SSL_CTX *srv__cfg_acme_ctx(const srv_tls_config_t *c, const route_tls_conf_t *conf, tls_cert_t *cert, char *msg,
                             size_t len)
{
    SSL_CTX *ctx = srv__cfg_ctx_build(c, conf, cert, msg, len);
    if (ctx && tls_ocsp_staple(ctx, NULL, 0) != 0) {
        snprintf(msg, len, "out of memory");
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

/* The error at the site's tls directive (or without a place). */
static void srv__cfg_fail(cfg_error_t *err, const route_tls_site_t *t, const char *msg)
{
    if (t->conf) cfg_errorf(err, &t->conf->at, "tls: %s", msg);
    else cfg_errorf(err, NULL, "%s", msg);
}

/* The certificate of one TLS host: loaded from the site's files (shared
 * when another host named the same), or the local CA's leaf. */
static tls_cert_t *srv__cfg_cert_for(srv_tls_config_t *c, const route_tls_site_t *t, const tls_storage_t *storage,
                                char *msg, size_t len)
{
    if (t->conf && t->conf->cert_file) {
        for (size_t i = 0; i < c->nctxs; i++) {
            const route_tls_conf_t *o = c->ctxs[i].conf;
            if (o && o->cert_file && strcmp(o->cert_file, t->conf->cert_file) == 0 &&
                strcmp(o->key_file, t->conf->key_file) == 0) {
                tls_cert_retain(c->ctxs[i].cert);
                return c->ctxs[i].cert;
            }
        }
        return tls_cert_load(t->conf->cert_file, t->conf->key_file, msg, len);
    }
    if (!t->host[0]) {
        snprintf(msg, len, "a TLS site without a host name has no name to issue a certificate for: name the "
                           "host, or give tls CERT KEY");
        return NULL;
    }
    if (!c->ca && !(c->ca = tls_ca_open(storage, msg, len))) return NULL;
    return tls_ca_leaf(c->ca, t->host, t->conf ? t->conf->lifetime_s : 0, msg, len);
}

/* A host's ACME settings: its tls directive's over the global options. */
static srv_acme_site_t srv__cfg_acme_site(srv_tls_config_t *c, const route_tls_conf_t *tc, const cfg_options_t *o,
                                          const char *name)
{
    return (srv_acme_site_t){
        .name = name,
        .ca = tc && tc->acme_ca ? tc->acme_ca : o->acme_ca ? o->acme_ca : SRV_ACME_DEFAULT_CA,
        .ca_root = tc && tc->acme_ca_root ? tc->acme_ca_root : o->acme_ca_root,
        .email = tc && tc->acme_email ? tc->acme_email : o->acme_email,
        .eab_key_id = tc && tc->acme_eab_key_id ? tc->acme_eab_key_id : o->acme_eab_key_id,
        .eab_mac_key = tc && tc->acme_eab_key_id ? tc->acme_eab_mac_key : o->acme_eab_mac_key,
        .tlsalpn = tc && tc->acme_no_http01,
        .ratio = o->renewal_window_ratio,
        .stop = &c->acme_stop,
    };
}

/* The on-demand manager's context builder. */
static SSL_CTX *srv__cfg_ondemand_ctx(void *ud, const route_tls_conf_t *conf, tls_cert_t *cert, char *msg, size_t len)
{
    return srv__cfg_acme_ctx(ud, conf, cert, msg, len);
}

/* A tls { on_demand } host: no certificate now; the manager gets one at
 * the first handshake for each name its pattern covers. */
static int srv__cfg_add_on_demand(srv_tls_config_t *c, const route_tls_site_t *t, const cfg_options_t *o,
                                  cfg_error_t *err)
{
    tls_store_t *s = srv__cfg_store_for(c, t->port, o);
    if (!c->ondemand) c->ondemand = srv_tls_ondemand_new(&c->storage, o, srv__cfg_ondemand_ctx, c);
    srv_acme_site_t site = srv__cfg_acme_site(c, t->conf, o, t->host);
    if (!s || !c->ondemand || srv_tls_ondemand_add(c->ondemand, s, t->host, t->conf, &site) != 0)
        return cfg_errorf(err, NULL, "out of memory");
    return 0;
}

/* An ACME host: its certificate from storage when one is there and valid
 * (the ACME thread renews it when due), else none until the thread has
 * one: its handshakes fail (unrecognized_name) meanwhile, as Caddy's. */
static int srv__cfg_add_acme_host(srv_tls_config_t *c, const route_tls_site_t *t, const cfg_options_t *o,
                             cfg_error_t *err)
{
    const route_tls_conf_t *tc = t->conf;
    srv__cfg_ctx_t *x = &c->ctxs[c->nctxs];
    *x = (srv__cfg_ctx_t){ .conf = tc, .port = t->port };
    x->acme = srv__cfg_acme_site(c, tc, o, t->host);
    char msg[1024];
    bool missing;
    x->cert = srv_acme_load(&c->storage, &x->acme, &missing, msg, sizeof msg);
    if (!x->cert && !missing) ifr_log_warn("acme", "%s: %s; a new certificate will be ordered", t->host, msg);
    if (x->cert && !(x->ctx = srv__cfg_acme_ctx(c, tc, x->cert, msg, sizeof msg))) {
        srv__cfg_fail(err, t, msg);
        tls_cert_release(x->cert);
        return -1;
    }
    c->nctxs++;
    tls_store_t *s = srv__cfg_store_for(c, t->port, o);
    if (!s || (x->ctx && tls_store_add(s, t->host, x->ctx) != 0)) {
        cfg_errorf(err, NULL, "out of memory");
        return -1;
    }
    return 0;
}

static int srv__cfg_add_host(srv_tls_config_t *c, const route_tls_site_t *t, const tls_storage_t *storage,
                        const cfg_options_t *o, cfg_error_t *err)
{
    /* A MAC key that cannot be one is refused now, not at the first order. */
    const char *mac = t->conf && t->conf->acme_eab_mac_key ? t->conf->acme_eab_mac_key : o->acme_eab_mac_key;
    if ((t->wants_acme || t->on_demand) && mac && !acme_eab_mac_valid(mac)) {
        srv__cfg_fail(err, t, "eab: the mac_key is not base64url (as the CA gives it: A-Z a-z 0-9 - _)");
        return -1;
    }
    if (t->wants_acme && t->host[0] == '*') {
        /* CAs issue wildcards only by DNS-01, which ifrit does not do. */
        ifr_log_warn("acme", "%s: a wildcard certificate needs the DNS challenge, which ifrit does not have: "
                             "give it with tls CERT KEY (its handshakes fail meanwhile)", t->host);
        if (!srv__cfg_store_for(c, t->port, o)) return cfg_errorf(err, NULL, "out of memory");
        return 0;
    }
    if (t->on_demand) return srv__cfg_add_on_demand(c, t, o, err);
    if (t->wants_acme) return srv__cfg_add_acme_host(c, t, o, err);
    char msg[1024];
    tls_cert_t *cert = srv__cfg_cert_for(c, t, storage, msg, sizeof msg);
    if (!cert) {
        srv__cfg_fail(err, t, msg);
        return -1;
    }
    SSL_CTX *ctx = NULL;
    for (size_t i = 0; i < c->nctxs && !ctx; i++)
        if (c->ctxs[i].conf == t->conf && c->ctxs[i].cert == cert) ctx = c->ctxs[i].ctx;
    if (!ctx) {
        tls_policy_conf_t pc;
        srv__tls_policy_of(t->conf, o, &pc);
        if (!(ctx = tls_ctx_new(&pc, cert, msg, sizeof msg))) {
            tls_cert_release(cert);
            srv__cfg_fail(err, t, msg);
            return -1;
        }
        tls_cert_retain(cert);
        c->ctxs[c->nctxs++] = (srv__cfg_ctx_t){ .conf = t->conf, .cert = cert, .ctx = ctx };
    }
    tls_cert_release(cert);
    tls_store_t *s = srv__cfg_store_for(c, t->port, o);
    if (!s || tls_store_add(s, t->host, ctx) != 0) {
        cfg_errorf(err, NULL, "out of memory");
        return -1;
    }
    return 0;
}

/* The renewal thread's work: every local CA leaf that is due is issued
 * again, and its new context replaces the old one in the stores (new
 * handshakes get it; connections keep the context they started with). */
static void srv__cfg_renew_due(void *ud)
{
    srv_tls_config_t *c = ud;
    time_t now = time(NULL);
    for (size_t i = 0; i < c->nctxs; i++) {
        srv__cfg_ctx_t *x = &c->ctxs[i];
        if (!srv__cfg_ctx_local(x) || !tls_cert_due(x->cert, now) || x->cert->nnames == 0) continue;
        char msg[1024];
        tls_cert_t *fresh = tls_ca_leaf(c->ca, x->cert->names[0], x->conf ? x->conf->lifetime_s : 0, msg, sizeof msg);
        tls_policy_conf_t pc;
        srv__tls_policy_of(x->conf, route_plan_options(c->plan), &pc);
        SSL_CTX *ctx = fresh ? tls_ctx_new(&pc, fresh, msg, sizeof msg) : NULL;
        if (!ctx) {
            ifr_log_error("tls", "renewing %s: %s (the current certificate stays)", x->cert->names[0], msg);
            tls_cert_release(fresh);
            continue;
        }
        for (size_t k = 0; k < c->nports; k++) tls_store_replace(c->ports[k].store, x->ctx, ctx);
        SSL_CTX_free(x->ctx);
        tls_cert_release(x->cert);
        x->ctx = ctx;
        x->cert = fresh;
        ifr_log_info("tls", "renewed the local certificate for %s", fresh->names[0]);
    }
}

/* Staples cert's OCSP response on ctx when its leaf names a responder:
 * fetched again halfway to the response's nextUpdate, or at the next pass
 * (renew_interval) when the fetch failed (clients then get the staple
 * they had, or none). */
static void srv__cfg_acme_ocsp(srv__cfg_ctx_t *x, SSL_CTX *ctx, const tls_cert_t *cert)
{
    char msg[512];
    time_t at = time(NULL);
    bool revoked = false;
    int rc = srv_acme_ocsp_update(ctx, cert, &at, &revoked, msg, sizeof msg);
    if (rc < 0) ifr_log_warn("acme", "%s: OCSP: %s (tried again in the next renew_interval)", x->acme.name, msg);
    if (rc == 0) {
        char until[64];
        tls_time_text(at, until, sizeof until);
        ifr_log_info("acme", "%s: OCSP response stapled (%s), refreshed at %s", x->acme.name,
                     revoked ? "revoked: the certificate is replaced" : "good", until);
    }
    x->ocsp_at = rc == 1 ? (time_t)INT64_MAX : at;
    x->revoked = revoked;
}

/* The ACME thread's work: every ACME host without a certificate, with
 * one that is due or revoked gets one (srv_acme_obtain), put in the live
 * stores: new handshakes get it, with no reload. A failure keeps what the
 * host had and is tried again at the next pass. OCSP staples are fetched
 * for new certificates before they serve, and refreshed when due. */
static void srv__cfg_acme_pass(void *ud)
{
    srv_tls_config_t *c = ud;
    for (size_t i = 0; i < c->nctxs && !atomic_load(&c->acme_stop); i++) {
        srv__cfg_ctx_t *x = &c->ctxs[i];
        if (!x->acme.name) continue;
        if (x->cert && !x->revoked && !srv_acme_due(&x->acme, x->cert, time(NULL))) {
            if (time(NULL) >= x->ocsp_at) srv__cfg_acme_ocsp(x, x->ctx, x->cert);
            if (!x->revoked) continue;
        }
        char msg[1024];
        tls_cert_t *fresh = srv_acme_obtain(&c->storage, &x->acme, msg, sizeof msg);
        SSL_CTX *ctx = fresh ? srv__cfg_acme_ctx(c, x->conf, fresh, msg, sizeof msg) : NULL;
        if (!ctx) {
            ifr_log_error("acme", "%s: %s (%s; tried again in the next renew_interval)", x->acme.name, msg,
                          x->cert ? "the current certificate stays" : "its handshakes fail until then");
            tls_cert_release(fresh);
            continue;
        }
        srv__cfg_acme_ocsp(x, ctx, fresh);
        if (x->ctx) {
            for (size_t k = 0; k < c->nports; k++) tls_store_replace(c->ports[k].store, x->ctx, ctx);
        } else {
            tls_store_t *s = srv_tls_config_store(c, x->port);
            if (s && tls_store_add(s, x->acme.name, ctx) != 0) ifr_log_error("acme", "%s: out of memory", x->acme.name);
        }
        SSL_CTX_free(x->ctx);
        tls_cert_release(x->cert);
        x->ctx = ctx;
        x->cert = fresh;
        char until[64];
        tls_time_text(fresh->not_after, until, sizeof until);
        ifr_log_info("acme", "%s: certificate in use, valid until %s", x->acme.name, until);
    }
}

void srv_tls_config_start(srv_tls_config_t *c)
{
    bool any = false;
    if (c && c->ondemand && srv_tls_ondemand_start(c->ondemand) != 0)
        ifr_log_error("acme", "cannot start the on-demand thread: no on-demand certificate will be obtained");
    for (size_t i = 0; c && i < c->nctxs; i++) any |= c->ctxs[i].acme.name != NULL;
    if (c && c->nports) srv_tls_ktls_log_once();
    if (!any || c->acme) return;
    const cfg_options_t *o = route_plan_options(c->plan);
    if (!(c->acme = srv_tls_renew_start(0, o->renew_interval_ns, srv__cfg_acme_pass, c)))
        ifr_log_error("acme", "cannot start the ACME thread: no certificate will be obtained or renewed");
}

srv_tls_config_t *srv_tls_config_load(route_plan_t *p, cfg_error_t *err)
{
    const route_tls_site_t *sites;
    size_t n = route_plan_tls_sites(p, &sites);
    const cfg_options_t *o = route_plan_options(p);
    srv_tls_config_t *c = calloc(1, sizeof *c);
    if (!c) { cfg_errorf(err, NULL, "out of memory"); return NULL; }
    route_plan_retain(p);
    c->plan = p;
    if (n == 0) return c;
    srv_tls_ktls_decide();   /* before the first context: it may ask for kTLS */
    c->ports = calloc(n, sizeof *c->ports);
    c->ctxs = calloc(n, sizeof *c->ctxs);
    if (!c->ports || !c->ctxs) goto oom;
    char msg[1024];
    bool needs_storage = false;
    for (size_t i = 0; i < n; i++) needs_storage |= sites[i].local_ca || sites[i].wants_acme || sites[i].on_demand;
    if (needs_storage && tls_storage_init(&c->storage, o->storage_path, msg, sizeof msg) != 0) {
        cfg_errorf(err, NULL, "%s", msg);
        goto fail;
    }
    for (size_t i = 0; i < n; i++)
        if (srv__cfg_add_host(c, &sites[i], &c->storage, o, err) != 0) goto fail;
    /* Then the names the loaded certificates carry, for clients that ask
     * for a name the site address did not spell (a site's host wins). */
    for (size_t i = 0; i < c->nctxs; i++) {
        if (!c->ctxs[i].conf || !c->ctxs[i].conf->cert_file) continue;
        for (size_t k = 0; k < n; k++) {
            if (sites[k].conf != c->ctxs[i].conf) continue;
            tls_store_t *s = srv__cfg_store_for(c, sites[k].port, o);
            for (size_t m = 0; s && m < c->ctxs[i].cert->nnames; m++)
                if (tls_store_add(s, c->ctxs[i].cert->names[m], c->ctxs[i].ctx) != 0) goto oom;
        }
    }
    if (c->ca && !(c->renew = srv_tls_renew_start(o->renew_interval_ns, o->renew_interval_ns, srv__cfg_renew_due, c)))
        ifr_log_error("tls", "cannot start the renewal thread: the local CA's certificates will not be renewed");
    return c;
oom:
    cfg_errorf(err, NULL, "out of memory");
fail:
    srv_tls_config_free(c);
    return NULL;
}

void srv_tls_config_free(srv_tls_config_t *c)
{
    if (!c) return;
    atomic_store(&c->acme_stop, true);
    srv_tls_ondemand_free(c->ondemand);   /* unhooks the stores; parked handshakes fail */
    srv_tls_renew_stop(c->acme);    /* first: they use the CA, the entries and the stores */
    srv_tls_renew_stop(c->renew);
    for (size_t i = 0; i < c->nports; i++) tls_store_release(c->ports[i].store);
    for (size_t i = 0; i < c->nctxs; i++) {
        SSL_CTX_free(c->ctxs[i].ctx);
        tls_cert_release(c->ctxs[i].cert);
    }
    free(c->ports);
    free(c->ctxs);
    tls_ca_free(c->ca);
    route_plan_release(c->plan);
    free(c);
}

tls_store_t *srv_tls_config_store(const srv_tls_config_t *c, uint16_t port)
{
    for (size_t i = 0; c && i < c->nports; i++)
        if (c->ports[i].port == port) return c->ports[i].store;
    return NULL;
}
