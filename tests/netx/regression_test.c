/*
 * regression_test.c — the four regression tests of the original NetX Duo POP3 Client
 * (reference §4.2), re-created against the scripted server: one mail, two mails, a final
 * segment holding only the terminator, and the tokenizer bounds case.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "check.h"
#include "message_download.h"
#include "netx_fixture.h"
#include "script_server.h"

/* The original's greeting, with its 61-character MDaemon timestamp. */
#define MDAEMON_GREETING                                 \
  "+OK mail.expresslogic.com POP3 MDaemon 15.5.3 ready " \
  "<MDAEMON-F201610041152.AA5256890MD1203@mail.expresslogic.com>\r\n"

/* The bodies arrive in segments of 82 bytes, as in the original. */
static const char* const first_mail[] = {
    "Return-Path: <sender@example.com>\r\nAuthentication-Results: mail.expresslogic.com; ",
    "dkim=pass;\r\n       d=example.com; s=20120113;\r\n        h=content-transfer-encoding",
    ":from:to;\r\nSubject: regression mail\r\n\r\nThe body of the one mail, in one line.\r\n.\r\n",
};
static const char* const second_mail[] = {
    "Return-Path: <sender@example.com>\r\nSubject: the second mail\r\n\r\nSecond mail, first:",
    " segment; it goes on in this segment and ends in the middle of a line: from:mid:mi",
    " segment; it goes on in this segment and ends in the middle of a line: from:m\r\n.\r\n",
};
#define END_OF_MESSAGE "\r\n.\r\n"

static void check_segment_sizes(void) {
  size_t i;
  for (i = 0; i < 3; ++i) {
    CHECK_UINT(strlen(first_mail[i]), 82);
    CHECK_UINT(strlen(second_mail[i]), 82);
  }
}

/* The original's login: its greeting and its replies to USER and PASS. */
static void script_regression_login(script_server* server) {
  script_send(server, MDAEMON_GREETING);
  script_expect(server, "USER " TEST_USER "\r\n");
  script_send(server, "+OK " TEST_USER "... User ok\r\n");
  script_expect(server, "PASS " TEST_PASSWORD "\r\n");
  script_send(server, "+OK " TEST_USER "'s mailbox has 1 total messages (187402 octets)\r\n");
}

static void script_retr(script_server* server, const char* command, const char* const segments[],
                        size_t count) {
  size_t i;
  script_expect(server, command);
  script_send(server, "+OK 187402 octets\r\n");
  for (i = 0; i < count; ++i)
    script_send(server, segments[i]);
}

static void script_dele(script_server* server, const char* command) {
  script_expect(server, command);
  script_send(server, "+OK message deleted\r\n");
}

static void concatenate(const char* const segments[], size_t count, char* out) {
  size_t i;
  out[0] = '\0';
  for (i = 0; i < count; ++i)
    strcat(out, segments[i]);
}

/* RETR mail_item, then every packet; the data must be exactly `expected`. */
static void retrieve_and_check(netx_fixture* fixture, UINT mail_item, const char* expected) {
  message_download download;
  ULONG item_size = 0;
  CHECK_STATUS(nx_pop3_client_mail_item_get(&fixture->client, mail_item, &item_size), NX_SUCCESS);
  CHECK_UINT(item_size, 187402);
  message_download_start(&download, body_raw, fixture->payload_size);
  CHECK_STATUS(message_download_all(&download, &fixture->client), NX_SUCCESS);
  CHECK_TEXT(download.data, download.length, expected);
}

/* [T1] One mail: STAT, RETR in three segments, DELE, QUIT. */
static void regression_one_mail(void) {
  netx_fixture fixture;
  script_server* server = script_server_create(AF_INET);
  char expected[512];
  UINT items = 0;
  ULONG total_size = 0;
  check_segment_sizes();
  script_regression_login(server);
  script_stat(server, 1, 187402);
  script_retr(server, "RETR 1\r\n", first_mail, 3);
  script_dele(server, "DELE 1\r\n");
  script_quit(server);
  script_server_start(server);

  fixture_setup(&fixture, DEFAULT_PAYLOAD_SIZE, DEFAULT_PACKET_COUNT);
  CHECK_STATUS(fixture_login(&fixture, server), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_mail_items_get(&fixture.client, &items, &total_size), NX_SUCCESS);
  CHECK_UINT(items, 1);
  CHECK_UINT(total_size, 187402);
  concatenate(first_mail, 3, expected);
  retrieve_and_check(&fixture, 1, expected);
  CHECK_STATUS(nx_pop3_client_mail_item_delete(&fixture.client, 1), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_quit(&fixture.client), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_delete(&fixture.client), NX_SUCCESS);
  CHECK_SCRIPT(server);
  CHECK_RECEIVED(server, TEST_LOGIN_COMMANDS "STAT\r\nRETR 1\r\nDELE 1\r\nQUIT\r\n");
  script_server_destroy(server);
  fixture_teardown(&fixture);
}

/* [T2] Two mails, each retrieved and deleted. */
static void regression_two_mails(void) {
  netx_fixture fixture;
  script_server* server = script_server_create(AF_INET);
  char expected[512];
  UINT items = 0;
  ULONG total_size = 0;
  check_segment_sizes();
  script_regression_login(server);
  script_stat(server, 2, 187402);
  script_retr(server, "RETR 1\r\n", first_mail, 3);
  script_dele(server, "DELE 1\r\n");
  script_retr(server, "RETR 2\r\n", second_mail, 3);
  script_dele(server, "DELE 2\r\n");
  script_quit(server);
  script_server_start(server);

  fixture_setup(&fixture, DEFAULT_PAYLOAD_SIZE, DEFAULT_PACKET_COUNT);
  CHECK_STATUS(fixture_login(&fixture, server), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_mail_items_get(&fixture.client, &items, &total_size), NX_SUCCESS);
  CHECK_UINT(items, 2);
  CHECK_UINT(total_size, 187402);
  concatenate(first_mail, 3, expected);
  retrieve_and_check(&fixture, 1, expected);
  CHECK_STATUS(nx_pop3_client_mail_item_delete(&fixture.client, 1), NX_SUCCESS);
  concatenate(second_mail, 3, expected);
  retrieve_and_check(&fixture, 2, expected);
  CHECK_STATUS(nx_pop3_client_mail_item_delete(&fixture.client, 2), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_quit(&fixture.client), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_delete(&fixture.client), NX_SUCCESS);
  CHECK_SCRIPT(server);
  CHECK_RECEIVED(server,
                 TEST_LOGIN_COMMANDS "STAT\r\nRETR 1\r\nDELE 1\r\nRETR 2\r\nDELE 2\r\nQUIT\r\n");
  script_server_destroy(server);
  fixture_teardown(&fixture);
}

/* [T3] Message 2's last segment is exactly "\r\n.\r\n": its final packet reports 0 bytes. The
   server holds that segment back until the client has handed out everything before it, so
   that it is a segment of its own whatever the timing. */
static void regression_final_packet_only_terminator(void) {
  netx_fixture fixture;
  script_server* server = script_server_create(AF_INET);
  message_download download;
  char expected[512];
  ULONG item_size = 0;
  UINT items = 0;
  ULONG total_size = 0;
  check_segment_sizes();
  script_regression_login(server);
  script_stat(server, 2, 187402);
  script_retr(server, "RETR 1\r\n", first_mail, 3);
  script_dele(server, "DELE 1\r\n");
  script_retr(server, "RETR 2\r\n", second_mail, 2);
  script_wait_gate(server);
  script_send(server, END_OF_MESSAGE);
  script_dele(server, "DELE 2\r\n");
  script_quit(server);
  script_server_start(server);

  fixture_setup(&fixture, DEFAULT_PAYLOAD_SIZE, DEFAULT_PACKET_COUNT);
  CHECK_STATUS(fixture_login(&fixture, server), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_mail_items_get(&fixture.client, &items, &total_size), NX_SUCCESS);
  CHECK_UINT(items, 2);
  concatenate(first_mail, 3, expected);
  retrieve_and_check(&fixture, 1, expected);
  CHECK_STATUS(nx_pop3_client_mail_item_delete(&fixture.client, 1), NX_SUCCESS);

  CHECK_STATUS(nx_pop3_client_mail_item_get(&fixture.client, 2, &item_size), NX_SUCCESS);
  message_download_start(&download, body_raw, fixture.payload_size);
  while (download.length < 2 * 82) {
    CHECK_STATUS(message_download_step(&download, &fixture.client), NX_SUCCESS);
    CHECK(!download.finished);
  }
  script_server_open_gate(server);
  CHECK_STATUS(message_download_step(&download, &fixture.client), NX_SUCCESS);
  CHECK(download.finished);
  CHECK_UINT(download.final_bytes_retrieved, 0);
  CHECK_UINT(download.final_packet_length, 5);
  concatenate(second_mail, 2, expected);
  strcat(expected, END_OF_MESSAGE);
  CHECK_TEXT(download.data, download.length, expected);

  CHECK_STATUS(nx_pop3_client_mail_item_delete(&fixture.client, 2), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_quit(&fixture.client), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_delete(&fixture.client), NX_SUCCESS);
  CHECK_SCRIPT(server);
  script_server_destroy(server);
  fixture_teardown(&fixture);
}

/* [T4] The tokenizer on the 1-byte buffer "\n" with argument_length 10: it writes only inside
   the argument (guard bytes on both sides stay) and terminates it. The buffers are on the heap
   so that AddressSanitizer also catches a read past the one input byte. */
static void regression_parse_response_bounds(void) {
  enum { guard = 0xA5, argument_length = 10 };
  CHAR* input = (CHAR*)malloc(1);
  UCHAR* area = (UCHAR*)malloc(argument_length + 2);
  CHAR* argument = (CHAR*)area + 1;
  UINT i;
  CHECK(input != NULL && area != NULL);
  input[0] = '\n';
  memset(area, guard, argument_length + 2);
  _nx_pop3_parse_response(input, 1, 1, argument, argument_length, NX_FALSE, NX_FALSE);
  CHECK_UINT(area[0], guard);
  CHECK_UINT(area[argument_length + 1], guard);
  CHECK_UINT(argument[0], '\0');
  CHECK_UINT(input[0], '\n');
  /* The same for every token index and both flags. */
  for (i = 1; i <= 3; ++i) {
    memset(area, guard, argument_length + 2);
    _nx_pop3_parse_response(input, i, 1, argument, argument_length, NX_TRUE, NX_TRUE);
    CHECK_UINT(area[0], guard);
    CHECK_UINT(area[argument_length + 1], guard);
  }
  free(input);
  free(area);
}

/* The tokens of a STAT reply, a token cut at argument_length - 1, upper-casing, and a missing
   token. */
static void parse_response_tokens(void) {
  static const char reply[] = "+OK 1 187402\r\n";
  CHAR* input = (CHAR*)malloc(sizeof(reply) - 1);
  CHAR argument[10];
  CHECK(input != NULL);
  memcpy(input, reply, sizeof(reply) - 1);
  _nx_pop3_parse_response(input, 1, sizeof(reply) - 1, argument, sizeof(argument), 0, 0);
  CHECK_TEXT(argument, strlen(argument), "+OK");
  _nx_pop3_parse_response(input, 2, sizeof(reply) - 1, argument, sizeof(argument), 0, 0);
  CHECK_TEXT(argument, strlen(argument), "1");
  _nx_pop3_parse_response(input, 3, sizeof(reply) - 1, argument, sizeof(argument), 0, 0);
  CHECK_TEXT(argument, strlen(argument), "187402");
  _nx_pop3_parse_response(input, 3, sizeof(reply) - 1, argument, 4, 0, 0);
  CHECK_TEXT(argument, strlen(argument), "187");
  memcpy(input, "+ok 1", 5);
  _nx_pop3_parse_response(input, 1, 5, argument, sizeof(argument), NX_TRUE, 0);
  CHECK_TEXT(argument, strlen(argument), "+OK");
  memcpy(input, reply, sizeof(reply) - 1);
  memset(argument, 'x', sizeof(argument));
  _nx_pop3_parse_response(input, 4, sizeof(reply) - 1, argument, sizeof(argument), 0, 0);
  CHECK_TEXT(argument, strlen(argument), "");
  free(input);
}

/* [T4] against the server: a reply that is just "\n" (to the greeting, and to STAT) is a
   malformed reply, nothing worse. */
static void regression_lone_line_feed_greeting(void) {
  netx_fixture fixture;
  script_server* server = script_server_create(AF_INET);
  script_send(server, "\n");
  script_server_start(server);

  fixture_setup(&fixture, DEFAULT_PAYLOAD_SIZE, DEFAULT_PACKET_COUNT);
  CHECK_STATUS(fixture_login(&fixture, server), NX_POP3_SERVER_ERROR_STATUS);
  CHECK_STATUS(nx_pop3_client_delete(&fixture.client), NX_SUCCESS);
  CHECK_SCRIPT(server);
  CHECK_RECEIVED(server, "");
  script_server_destroy(server);
  fixture_teardown(&fixture);
}

static void regression_lone_line_feed_reply(void) {
  netx_fixture fixture;
  script_server* server = script_server_create(AF_INET);
  UINT items = 99;
  ULONG total_size = 99;
  script_login(server);
  script_expect(server, "STAT\r\n");
  script_send(server, "\n");
  script_server_start(server);

  fixture_setup(&fixture, DEFAULT_PAYLOAD_SIZE, DEFAULT_PACKET_COUNT);
  CHECK_STATUS(fixture_login(&fixture, server), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_mail_items_get(&fixture.client, &items, &total_size),
               NX_POP3_SERVER_ERROR_STATUS);
  CHECK_UINT(items, 0);
  CHECK_UINT(total_size, 0);
  CHECK_STATUS(nx_pop3_client_delete(&fixture.client), NX_SUCCESS);
  CHECK_SCRIPT(server);
  script_server_destroy(server);
  fixture_teardown(&fixture);
}

static const netx_test tests[] = {
    NETX_TEST(regression_one_mail),
    NETX_TEST(regression_two_mails),
    NETX_TEST(regression_final_packet_only_terminator),
    NETX_TEST(regression_parse_response_bounds),
    NETX_TEST(parse_response_tokens),
    NETX_TEST(regression_lone_line_feed_greeting),
    NETX_TEST(regression_lone_line_feed_reply),
};

NETX_TEST_MAIN(tests)
