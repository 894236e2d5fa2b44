/*
 * decoded_body_test.c — NX_POP3_CLIENT_DECODED_BODY: nx_pop3_client_mail_item_get starts a
 * download whose packets hold the message itself, dot-unstuffed and without the terminator
 * line, whatever the segments and the payload size.
 */
#define NX_POP3_CLIENT_DECODED_BODY
#include "nxd_pop3_client.h"

#include <string.h>
#include <sys/socket.h>

#include "check.h"
#include "message_download.h"
#include "netx_fixture.h"
#include "script_server.h"
#include "session_grind.h"
#include "single_retrieval.h"

/* The macro maps the service to its decoded form (checking build). */
static void decoded_body_mapping(void) {
  retr_service mapped = nx_pop3_client_mail_item_get;
  CHECK(mapped == _nxe_pop3_client_mail_item_decoded_get);
}

static void decoded_session_in_whole_replies(void) {
  grind_cut cut = {0, 0, 0, 20};
  grind_session(nx_pop3_client_mail_item_get, body_decoded, &cut);
}

static void decoded_session_split_at_every_offset(void) {
  grind_every_cut(nx_pop3_client_mail_item_get, body_decoded);
}

static void retrieve_decoded(ULONG payload_size, const char* const segments[], size_t count,
                             int first_segment_with_status_line, const char* expected) {
  retrieval retrieval;
  memset(&retrieval, 0, sizeof(retrieval));
  retrieval.retr = nx_pop3_client_mail_item_get;
  retrieval.mode = body_decoded;
  retrieval.payload_size = payload_size;
  retrieval.segments = segments;
  retrieval.segment_count = count;
  retrieval.first_segment_with_status_line = first_segment_with_status_line;
  retrieval.expected = expected;
  run_retrieval(&retrieval);
}

/* An empty message: a final packet of 0 bytes. */
static void decoded_empty_message(void) {
  static const char* const data[] = {".\r\n"};
  retrieve_decoded(DEFAULT_PAYLOAD_SIZE, data, 1, 1, "");
  retrieve_decoded(DEFAULT_PAYLOAD_SIZE, data, 1, 0, "");
}

/* Stuffed dots split from their lines: "." + ".\r\n" is the line ".", ".." + "foo" is the
   line ".foo". */
static void decoded_dot_lines_split_across_segments(void) {
  static const char* const dot_line[] = {"a\r\n.", ".\r\n", "b\r\n.\r\n"};
  static const char* const dot_foo[] = {"a\r\n..", "foo\r\n", "b\r\n.", "\r\n"};
  retrieve_decoded(DEFAULT_PAYLOAD_SIZE, dot_line, 3, 0, "a\r\n.\r\nb\r\n");
  retrieve_decoded(DEFAULT_PAYLOAD_SIZE, dot_foo, 4, 0, "a\r\n.foo\r\nb\r\n");
}

/* Payloads of 65 to 160 bytes: no packet larger, the data whole and unstuffed. */
static void decoded_every_payload_size(void) {
  char raw_data[301], decoded[301];
  const char* segments[1];
  ULONG payload_size;
  size_t line;
  raw_data[0] = '\0';
  decoded[0] = '\0';
  for (line = 0; line < 14; ++line) {
    strcat(raw_data, line % 3 == 0 ? "..a stuffed line 20\r\n" : "a line of 20 bytes\r\n");
    strcat(decoded, line % 3 == 0 ? ".a stuffed line 20\r\n" : "a line of 20 bytes\r\n");
  }
  strcat(raw_data, "..\r\n.\r\n");
  strcat(decoded, ".\r\n");
  segments[0] = raw_data;
  for (payload_size = 65; payload_size <= 160; ++payload_size) {
    check_set_context("payload size %lu", payload_size);
    retrieve_decoded(payload_size, segments, 1, 1, decoded);
  }
  check_set_context(NULL);
}

/* The mode is chosen per RETR: message 1 decoded, message 2 raw, on one connection. */
static void decoded_and_raw_on_one_connection(void) {
  netx_fixture fixture;
  message_download download;
  script_server* server = script_server_create(AF_INET);
  UINT items;
  ULONG total, item_size;
  script_login(server);
  script_stat(server, 2, 200);
  script_expect(server, "RETR 1\r\n");
  script_send(server, "+OK 10 octets\r\n..one\r\n..\r\n.\r\n");
  script_expect(server, "RETR 2\r\n");
  script_send(server, "+OK 10 octets\r\n..two\r\n..\r\n.\r\n");
  script_quit(server);
  script_server_start(server);
  fixture_setup(&fixture, DEFAULT_PAYLOAD_SIZE, DEFAULT_PACKET_COUNT);
  CHECK_STATUS(fixture_login(&fixture, server), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_mail_items_get(&fixture.client, &items, &total), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_mail_item_get(&fixture.client, 1, &item_size), NX_SUCCESS);
  message_download_start(&download, body_decoded, fixture.payload_size);
  CHECK_STATUS(message_download_all(&download, &fixture.client), NX_SUCCESS);
  CHECK_TEXT(download.data, download.length, ".one\r\n.\r\n");
  CHECK_STATUS(_nxe_pop3_client_mail_item_get(&fixture.client, 2, &item_size), NX_SUCCESS);
  message_download_start(&download, body_raw, fixture.payload_size);
  CHECK_STATUS(message_download_all(&download, &fixture.client), NX_SUCCESS);
  CHECK_TEXT(download.data, download.length, "..two\r\n..\r\n.\r\n");
  CHECK_STATUS(nx_pop3_client_quit(&fixture.client), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_delete(&fixture.client), NX_SUCCESS);
  CHECK_SCRIPT(server);
  script_server_destroy(server);
  fixture_teardown(&fixture);
}

static const netx_test tests[] = {
    NETX_TEST(decoded_body_mapping),
    NETX_TEST(decoded_session_in_whole_replies),
    NETX_TEST(decoded_session_split_at_every_offset),
    NETX_TEST(decoded_empty_message),
    NETX_TEST(decoded_dot_lines_split_across_segments),
    NETX_TEST(decoded_every_payload_size),
    NETX_TEST(decoded_and_raw_on_one_connection),
};

NETX_TEST_MAIN(tests)
