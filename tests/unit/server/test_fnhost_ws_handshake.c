/* The WebSocket opening handshake: RFC 6455's sample key and accept
 * value, and each request that must not be upgraded. */
#include "testing.h"

#include "server/srv_fnhost_ws.h"

static srv_ws_request_t good(void)
{
    return (srv_ws_request_t){
        .method = "GET",
        .http_minor = 1,
        .upgrade = "websocket",
        .connection = "keep-alive, Upgrade",
        .version = "13",
        .key = "dGhlIHNhbXBsZSBub25jZQ==",
    };
}

static void test_rfc_sample_accept(void)
{
    char accept[SRV_WS_ACCEPT_LEN + 1];
    CHECK_INT_EQ(srv_ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", accept), 0);
    CHECK_STR_EQ(accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

static void test_valid_handshake(void)
{
    const char *why = "unset";
    srv_ws_request_t r = good();
    CHECK_INT_EQ(srv_ws_handshake_check(&r, &why), 0);
    CHECK(why == NULL);
    r.upgrade = "h2c, WebSocket";
    r.connection = "UPGRADE";
    CHECK_INT_EQ(srv_ws_handshake_check(&r, &why), 0);
}

static void test_refused(void)
{
    const char *why;
    srv_ws_request_t r = good();
    r.method = "POST";
    CHECK_INT_EQ(srv_ws_handshake_check(&r, &why), 400);
    r = good();
    r.http_minor = 0;
    CHECK_INT_EQ(srv_ws_handshake_check(&r, &why), 400);
    r = good();
    r.upgrade = NULL;
    CHECK_INT_EQ(srv_ws_handshake_check(&r, &why), 400);
    r = good();
    r.upgrade = "websockets";
    CHECK_INT_EQ(srv_ws_handshake_check(&r, &why), 400);
    r = good();
    r.connection = "keep-alive";
    CHECK_INT_EQ(srv_ws_handshake_check(&r, &why), 400);
    r = good();
    r.key = "c2hvcnQ=";   /* "short": not 16 bytes */
    CHECK_INT_EQ(srv_ws_handshake_check(&r, &why), 400);
    r = good();
    r.key = "dGhlIHNhbXBsZSBub25jZR==";   /* 16 bytes would leave R's low bits unused */
    CHECK_INT_EQ(srv_ws_handshake_check(&r, &why), 400);
    r = good();
    r.key = NULL;
    CHECK_INT_EQ(srv_ws_handshake_check(&r, &why), 400);
    r = good();
    r.version = "8";
    CHECK_INT_EQ(srv_ws_handshake_check(&r, &why), 426);
    CHECK(why != NULL);
    r.version = NULL;
    CHECK_INT_EQ(srv_ws_handshake_check(&r, &why), 426);
}

int main(void)
{
    RUN(test_rfc_sample_accept);
    RUN(test_valid_handshake);
    RUN(test_refused);
    return testing_done();
}
