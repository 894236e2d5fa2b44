/*
 * split_session_test.c — the raw message data (the default) whatever the segments: a whole
 * session replayed with each server reply split in two at every offset, and one byte per
 * send(); the statuses, the numbers and the data (terminator included, never split) stay the
 * same.
 */
#include <sys/socket.h>

#include "check.h"
#include "netx_fixture.h"
#include "script_server.h"
#include "session_grind.h"

static void session_in_whole_replies(void) {
  grind_cut cut = {0, 0, 0, 20};
  grind_session(nx_pop3_client_mail_item_get, body_raw, &cut);
}

static void session_split_at_every_offset(void) {
  grind_every_cut(nx_pop3_client_mail_item_get, body_raw);
}

/* Replies that arrive before the client asks, in one segment with the greeting: each command
   still gets its own reply. */
/* A server that answers commands before they were sent (all replies in one segment with the
   greeting): bytes nobody asked for are a protocol violation (security-cases.md 11), never
   taken as the replies to the commands that follow. Nothing is sent. */
static void replies_before_their_commands_are_refused(void) {
  netx_fixture fixture;
  script_server* server = script_server_create(AF_INET);
  script_send(server, TEST_GREETING "+OK user\r\n+OK pass\r\n+OK 3 30\r\n");
  script_expect_close(server);
  script_server_start(server);
  fixture_setup(&fixture, DEFAULT_PAYLOAD_SIZE, DEFAULT_PACKET_COUNT);
  CHECK_STATUS(fixture_login(&fixture, server), NX_POP3_SERVER_ERROR_STATUS);
  CHECK_STATUS(nx_pop3_client_delete(&fixture.client), NX_SUCCESS);
  CHECK_SCRIPT(server);
  CHECK_RECEIVED(server, "");
  script_server_destroy(server);
  fixture_teardown(&fixture);
}

static const netx_test tests[] = {
    NETX_TEST(session_in_whole_replies),
    NETX_TEST(session_split_at_every_offset),
    NETX_TEST(replies_before_their_commands_are_refused),
};

NETX_TEST_MAIN(tests)
