/*
 * apop_test.c — APOP login: the digest on the wire (RFC 1939's vector and the original's),
 * the fall-back to USER/PASS on the same connection after -ERR, and USER/PASS directly when
 * the greeting has no valid timestamp or APOP is not requested.
 */
#include <string.h>
#include <sys/socket.h>

#include "check.h"
#include "netx_fixture.h"
#include "script_server.h"

#define RFC1939_STAMP "<1896.697170952@dbc.mtview.ca.us>"

/* create with APOP requested (or not) against a server running the script so far, then QUIT.
   Returns create's status; on success the session ends with QUIT. */
static UINT run_login(script_server* server, UINT apop, const char* name, const char* password,
                      const char* expected_commands) {
  netx_fixture fixture;
  UINT status;
  script_server_start(server);
  fixture_setup(&fixture, DEFAULT_PAYLOAD_SIZE, DEFAULT_PACKET_COUNT);
  status = fixture_create_client(&fixture, server, apop, name, password);
  if (status == NX_SUCCESS) CHECK_STATUS(nx_pop3_client_quit(&fixture.client), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_delete(&fixture.client), NX_SUCCESS);
  CHECK_SCRIPT(server);
  CHECK_RECEIVED(server, expected_commands);
  CHECK_UINT(script_server_connections(server), 1);
  script_server_destroy(server);
  fixture_teardown(&fixture);
  return status;
}

/* RFC 1939 §7: mrose/tanstaaf. */
static void apop_rfc1939_digest(void) {
  script_server* server = script_server_create(AF_INET);
  script_send(server, "+OK POP3 server ready " RFC1939_STAMP "\r\n");
  script_expect(server, "APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n");
  script_send(server, "+OK mrose's maildrop has 2 messages (320 octets)\r\n");
  script_quit(server);
  CHECK_STATUS(run_login(server, NX_TRUE, "mrose", "tanstaaf",
                         "APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\nQUIT\r\n"),
               NX_SUCCESS);
}

/* The vector verified against the original (reference §3.2). */
static void apop_netx_digest(void) {
  script_server* server = script_server_create(AF_INET);
  script_send(server, "+OK POP3 server ready " RFC1939_STAMP "\r\n");
  script_expect(server, "APOP " TEST_USER " 5ca7b76f57590e0ffb8e4a56201aaec8\r\n");
  script_send(server, "+OK\r\n");
  script_quit(server);
  CHECK_STATUS(run_login(server, NX_TRUE, TEST_USER, TEST_PASSWORD,
                         "APOP " TEST_USER " 5ca7b76f57590e0ffb8e4a56201aaec8\r\nQUIT\r\n"),
               NX_SUCCESS);
}

/* The original's MDaemon greeting: the timestamp is the last thing on the line. */
static void apop_mdaemon_timestamp(void) {
  script_server* server = script_server_create(AF_INET);
  script_send(server,
              "+OK mail.expresslogic.com POP3 MDaemon 15.5.3 ready "
              "<MDAEMON-F201610041152.AA5256890MD1203@mail.expresslogic.com>\r\n");
  script_expect(server, "APOP " TEST_USER " 1e000a2d94a0de0f75b9744d268acd6e\r\n");
  script_send(server, "+OK\r\n");
  script_quit(server);
  CHECK_STATUS(run_login(server, NX_TRUE, TEST_USER, TEST_PASSWORD,
                         "APOP " TEST_USER " 1e000a2d94a0de0f75b9744d268acd6e\r\nQUIT\r\n"),
               NX_SUCCESS);
}

/* -ERR to APOP: USER/PASS on the same connection. */
static void apop_rejected_falls_back_to_user_pass(void) {
  script_server* server = script_server_create(AF_INET);
  script_send(server, "+OK POP3 server ready " RFC1939_STAMP "\r\n");
  script_expect(server, "APOP " TEST_USER " 5ca7b76f57590e0ffb8e4a56201aaec8\r\n");
  script_send(server, "-ERR permission denied\r\n");
  script_expect(server, "USER " TEST_USER "\r\n");
  script_send(server, "+OK\r\n");
  script_expect(server, "PASS " TEST_PASSWORD "\r\n");
  script_send(server, "+OK\r\n");
  script_quit(server);
  CHECK_STATUS(run_login(server, NX_TRUE, TEST_USER, TEST_PASSWORD,
                         "APOP " TEST_USER
                         " 5ca7b76f57590e0ffb8e4a56201aaec8\r\n" TEST_LOGIN_COMMANDS "QUIT\r\n"),
               NX_SUCCESS);
}

/* -ERR to APOP, then to PASS: the login fails. */
static void apop_rejected_then_pass_rejected(void) {
  script_server* server = script_server_create(AF_INET);
  script_send(server, "+OK POP3 server ready " RFC1939_STAMP "\r\n");
  script_expect(server, "APOP " TEST_USER " 5ca7b76f57590e0ffb8e4a56201aaec8\r\n");
  script_send(server, "-ERR permission denied\r\n");
  script_expect(server, "USER " TEST_USER "\r\n");
  script_send(server, "+OK\r\n");
  script_expect(server, "PASS " TEST_PASSWORD "\r\n");
  script_send(server, "-ERR invalid password\r\n");
  script_expect_close(server);
  CHECK_STATUS(
      run_login(server, NX_TRUE, TEST_USER, TEST_PASSWORD,
                "APOP " TEST_USER " 5ca7b76f57590e0ffb8e4a56201aaec8\r\n" TEST_LOGIN_COMMANDS),
      NX_POP3_SERVER_ERROR_STATUS);
}

/* USER/PASS with APOP requested, for a greeting without a valid timestamp. */
static void check_user_pass_after(const char* greeting) {
  char text[256];
  script_server* server = script_server_create(AF_INET);
  check_set_context("greeting \"%s\"",
                    escape_bytes(greeting, strlen(greeting), text, sizeof(text)));
  script_send(server, greeting);
  script_expect(server, "USER " TEST_USER "\r\n");
  script_send(server, "+OK\r\n");
  script_expect(server, "PASS " TEST_PASSWORD "\r\n");
  script_send(server, "+OK\r\n");
  script_quit(server);
  CHECK_STATUS(run_login(server, NX_TRUE, TEST_USER, TEST_PASSWORD, TEST_LOGIN_COMMANDS "QUIT\r\n"),
               NX_SUCCESS);
  check_set_context(NULL);
}

static void apop_without_timestamp_uses_user_pass(void) {
  check_user_pass_after("+OK POP3 server ready\r\n");
}

/* Not an RFC 5322 msg-id: no "@", no ">", empty parts, spaces, control characters. */
static void apop_invalid_timestamp_uses_user_pass(void) {
  check_user_pass_after("+OK POP3 server ready <no-at>\r\n");
  check_user_pass_after("+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us\r\n");
  check_user_pass_after("+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us \r\n");
  check_user_pass_after("+OK POP3 server ready <>\r\n");
  check_user_pass_after("+OK POP3 server ready <@dbc.mtview.ca.us>\r\n");
  check_user_pass_after("+OK POP3 server ready <1896.697170952@>\r\n");
  check_user_pass_after("+OK POP3 server ready <1896 697170952@dbc.mtview.ca.us>\r\n");
  check_user_pass_after("+OK POP3 server ready <1896\t697170952@dbc.mtview.ca.us>\r\n");
  check_user_pass_after("+OK POP3 server ready <a@b@c>\r\n");
  check_user_pass_after("+OK POP3 server ready >1896.697170952@dbc.mtview.ca.us<\r\n");
}

/* APOP not requested: USER/PASS even when the greeting has a timestamp. */
static void apop_not_requested_uses_user_pass(void) {
  script_server* server = script_server_create(AF_INET);
  script_send(server, "+OK POP3 server ready " RFC1939_STAMP "\r\n");
  script_expect(server, "USER " TEST_USER "\r\n");
  script_send(server, "+OK\r\n");
  script_expect(server, "PASS " TEST_PASSWORD "\r\n");
  script_send(server, "+OK\r\n");
  script_quit(server);
  CHECK_STATUS(
      run_login(server, NX_FALSE, TEST_USER, TEST_PASSWORD, TEST_LOGIN_COMMANDS "QUIT\r\n"),
      NX_SUCCESS);
}

/* APOP requested, no timestamp, PASS rejected. */
static void user_pass_rejected_with_apop_requested(void) {
  script_server* server = script_server_create(AF_INET);
  script_send(server, TEST_GREETING);
  script_expect(server, "USER " TEST_USER "\r\n");
  script_send(server, "+OK\r\n");
  script_expect(server, "PASS " TEST_PASSWORD "\r\n");
  script_send(server, "-ERR invalid password\r\n");
  script_expect_close(server);
  CHECK_STATUS(run_login(server, NX_TRUE, TEST_USER, TEST_PASSWORD, TEST_LOGIN_COMMANDS),
               NX_POP3_SERVER_ERROR_STATUS);
}

static const netx_test tests[] = {
    NETX_TEST(apop_rfc1939_digest),
    NETX_TEST(apop_netx_digest),
    NETX_TEST(apop_mdaemon_timestamp),
    NETX_TEST(apop_rejected_falls_back_to_user_pass),
    NETX_TEST(apop_rejected_then_pass_rejected),
    NETX_TEST(apop_without_timestamp_uses_user_pass),
    NETX_TEST(apop_invalid_timestamp_uses_user_pass),
    NETX_TEST(apop_not_requested_uses_user_pass),
    NETX_TEST(user_pass_rejected_with_apop_requested),
};

NETX_TEST_MAIN(tests)
