/*
 * body_packets_test.c — how the raw message data is cut into packets: never a packet larger
 * than the pool's payload, the terminator never split whatever the payload size, a ".." line
 * split across segments is data, an empty message, and DELE or RETR in the middle of a
 * download dropping the rest of the message.
 */
#include <string.h>
#include <sys/socket.h>

#include "check.h"
#include "message_download.h"
#include "netx_fixture.h"
#include "script_server.h"
#include "single_retrieval.h"

/* RETR 1 of raw_data, sent with the status line in one send(), in packets of payload_size. */
static void retrieve_with_payload(ULONG payload_size, const char* raw_data) {
  retrieval retrieval;
  memset(&retrieval, 0, sizeof(retrieval));
  retrieval.retr = nx_pop3_client_mail_item_get;
  retrieval.mode = body_raw;
  retrieval.payload_size = payload_size;
  retrieval.segments = &raw_data;
  retrieval.segment_count = 1;
  retrieval.first_segment_with_status_line = 1;
  retrieval.expected = raw_data;
  run_retrieval(&retrieval);
}

/* 300 bytes: with payloads of 65 to 160 bytes the packet boundaries fall on every byte of the
   message's end, inside the terminator among them (300 % 74 = 4, 300 % 99 = 3, ...). */
static void terminator_never_split_for_any_payload(void) {
  char raw_data[301];
  ULONG payload_size;
  size_t line;
  raw_data[0] = '\0';
  for (line = 0; line < 14; ++line)
    strcat(raw_data, "a line of 20 bytes\r\n");
  strcat(raw_data, "..the last line\r\n.\r\n");
  CHECK_UINT(strlen(raw_data), 300);
  for (payload_size = 65; payload_size <= 160; ++payload_size) {
    check_set_context("payload size %lu", payload_size);
    retrieve_with_payload(payload_size, raw_data);
  }
  check_set_context(NULL);
}

/* An empty message is ".\r\n" after the status line: one final packet reporting 0 bytes. */
static void empty_message(void) {
  retrieve_with_payload(DEFAULT_PAYLOAD_SIZE, ".\r\n");
  retrieve_with_payload(65, ".\r\n");
}

/* RETR 1 whose data arrives in the given segments, after the status line. */
static void retrieve_segments(const char* const segments[], size_t count, const char* expected) {
  retrieval retrieval;
  memset(&retrieval, 0, sizeof(retrieval));
  retrieval.retr = nx_pop3_client_mail_item_get;
  retrieval.mode = body_raw;
  retrieval.payload_size = DEFAULT_PAYLOAD_SIZE;
  retrieval.segments = segments;
  retrieval.segment_count = count;
  retrieval.expected = expected;
  run_retrieval(&retrieval);
}

/* ".." then "foo\r\n": the line "..foo" is data (the original could take a short segment
   starting with ".\r\n" for the end). */
static void dot_dot_line_split_across_segments(void) {
  static const char* const segments[] = {"a\r\n..", "foo\r\n", "b\r\n.\r\n"};
  retrieve_segments(segments, 3, "a\r\n..foo\r\nb\r\n.\r\n");
}

/* "." then ".\r\n": the line ".." (a stuffed ".") is data, not the terminator. */
static void dot_then_dot_crlf_split_across_segments(void) {
  static const char* const segments[] = {"a\r\n.", ".\r\n", "b\r\n.\r\n"};
  retrieve_segments(segments, 3, "a\r\n..\r\nb\r\n.\r\n");
}

/* The terminator cut in every way across segments. */
static void terminator_split_across_segments(void) {
  static const char* const cut_after_cr[] = {"line\r", "\n.\r\n"};
  static const char* const cut_after_crlf[] = {"line\r\n", ".\r\n"};
  static const char* const cut_after_dot[] = {"line\r\n.", "\r\n"};
  static const char* const cut_before_lf[] = {"line\r\n.\r", "\n"};
  static const char* const in_pieces[] = {"line", "\r", "\n", ".", "\r", "\n"};
  retrieve_segments(cut_after_cr, 2, "line\r\n.\r\n");
  retrieve_segments(cut_after_crlf, 2, "line\r\n.\r\n");
  retrieve_segments(cut_after_dot, 2, "line\r\n.\r\n");
  retrieve_segments(cut_before_lf, 2, "line\r\n.\r\n");
  retrieve_segments(in_pieces, 6, "line\r\n.\r\n");
}

/* The rest of message 1 holds lines that look like replies; after the first packet the test
   calls `interrupt` (DELE 1 or RETR 2), which must skip the rest of the message, arriving
   only then, before reading its own reply. */
#define FIRST_PART "Subject: long\r\n\r\nthe first part"
#define REST_OF_MESSAGE " of the line\r\n+OK 1 200\r\n-ERR not a reply\r\n..\r\nend\r\n.\r\n"

static void script_interrupted_download(script_server* server) {
  script_login(server);
  script_stat(server, 2, 200);
  script_expect(server, "RETR 1\r\n");
  script_send(server, "+OK 100 octets\r\n" FIRST_PART);
  script_wait_gate(server);
  script_send(server, REST_OF_MESSAGE);
}

static void start_interrupted_download(netx_fixture* fixture, script_server* server,
                                       message_download* download) {
  UINT items;
  ULONG total, item_size;
  script_server_start(server);
  fixture_setup(fixture, DEFAULT_PAYLOAD_SIZE, DEFAULT_PACKET_COUNT);
  CHECK_STATUS(fixture_login(fixture, server), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_mail_items_get(&fixture->client, &items, &total), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_mail_item_get(&fixture->client, 1, &item_size), NX_SUCCESS);
  message_download_start(download, body_raw, fixture->payload_size);
  CHECK_STATUS(message_download_step(download, &fixture->client), NX_SUCCESS);
  CHECK(!download->finished);
  CHECK(download->length <= strlen(FIRST_PART));
  CHECK(memcmp(download->data, FIRST_PART, download->length) == 0);
  script_server_open_gate(server);
}

/* DELE in the middle of a download: the rest of the message is dropped, DELE works, the
   download is over, and the replies stay in step. */
static void dele_during_download(void) {
  netx_fixture fixture;
  message_download download;
  script_server* server = script_server_create(AF_INET);
  UINT items;
  ULONG total;
  script_interrupted_download(server);
  script_expect(server, "DELE 1\r\n");
  script_send(server, "+OK message 1 deleted\r\n");
  script_stat(server, 1, 100);
  script_quit(server);
  start_interrupted_download(&fixture, server, &download);
  CHECK_STATUS(nx_pop3_client_mail_item_delete(&fixture.client, 1), NX_SUCCESS);
  message_download_start(&download, body_raw, fixture.payload_size);
  CHECK_STATUS(message_download_step(&download, &fixture.client), NX_POP3_CLIENT_INVALID_STATE);
  CHECK_STATUS(nx_pop3_client_mail_items_get(&fixture.client, &items, &total), NX_SUCCESS);
  CHECK_UINT(items, 1);
  CHECK_UINT(total, 100);
  CHECK_STATUS(nx_pop3_client_quit(&fixture.client), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_delete(&fixture.client), NX_SUCCESS);
  CHECK_SCRIPT(server);
  CHECK_RECEIVED(server, TEST_LOGIN_COMMANDS "STAT\r\nRETR 1\r\nDELE 1\r\nSTAT\r\nQUIT\r\n");
  script_server_destroy(server);
  fixture_teardown(&fixture);
}

/* RETR 2 in the middle of message 1: message 1's rest is dropped, message 2 comes whole. */
static void retr_during_download(void) {
  netx_fixture fixture;
  message_download download;
  script_server* server = script_server_create(AF_INET);
  ULONG item_size = 0;
  script_interrupted_download(server);
  script_expect(server, "RETR 2\r\n");
  script_send(server, "+OK 9 octets\r\nmessage 2\r\n.\r\n");
  script_quit(server);
  start_interrupted_download(&fixture, server, &download);
  CHECK_STATUS(nx_pop3_client_mail_item_get(&fixture.client, 2, &item_size), NX_SUCCESS);
  CHECK_UINT(item_size, 9);
  message_download_start(&download, body_raw, fixture.payload_size);
  CHECK_STATUS(message_download_all(&download, &fixture.client), NX_SUCCESS);
  CHECK_TEXT(download.data, download.length, "message 2\r\n.\r\n");
  CHECK_STATUS(nx_pop3_client_quit(&fixture.client), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_delete(&fixture.client), NX_SUCCESS);
  CHECK_SCRIPT(server);
  CHECK_RECEIVED(server, TEST_LOGIN_COMMANDS "STAT\r\nRETR 1\r\nRETR 2\r\nQUIT\r\n");
  script_server_destroy(server);
  fixture_teardown(&fixture);
}

/* The packets of a message are the application's: it may hold all of them until the end and
   release them after the client is deleted. */
static void packets_outlive_the_client(void) {
  enum { packet_limit = 8 };
  netx_fixture fixture;
  script_server* server = script_server_create(AF_INET);
  NX_PACKET* held[packet_limit];
  UCHAR data[512];
  ULONG length = 0, copied, bytes, item_size;
  UINT final_packet = NX_FALSE, count = 0, items, i;
  ULONG total;
  script_login(server);
  script_stat(server, 1, 100);
  script_expect(server, "RETR 1\r\n");
  script_send(server, "+OK 100 octets\r\nfirst\r\n");
  script_send(server, "second\r\n");
  script_send(server, "third\r\n.\r\n");
  script_quit(server);
  script_server_start(server);
  fixture_setup(&fixture, DEFAULT_PAYLOAD_SIZE, DEFAULT_PACKET_COUNT);
  CHECK_STATUS(fixture_login(&fixture, server), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_mail_items_get(&fixture.client, &items, &total), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_mail_item_get(&fixture.client, 1, &item_size), NX_SUCCESS);
  while (!final_packet) {
    CHECK(count < packet_limit);
    CHECK_STATUS(
        nx_pop3_client_mail_item_message_get(&fixture.client, &held[count], &bytes, &final_packet),
        NX_SUCCESS);
    ++count;
  }
  CHECK_STATUS(nx_pop3_client_quit(&fixture.client), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_delete(&fixture.client), NX_SUCCESS);
  for (i = 0; i < count; ++i) {
    CHECK(length + held[i]->nx_packet_length <= sizeof(data));
    CHECK_STATUS(nx_packet_data_retrieve(held[i], data + length, &copied), NX_SUCCESS);
    length += copied;
    CHECK_STATUS(nx_packet_release(held[i]), NX_SUCCESS);
  }
  CHECK_TEXT(data, length, "first\r\nsecond\r\nthird\r\n.\r\n");
  CHECK_SCRIPT(server);
  script_server_destroy(server);
  fixture_teardown(&fixture);
}

static const netx_test tests[] = {
    NETX_TEST(terminator_never_split_for_any_payload),
    NETX_TEST(empty_message),
    NETX_TEST(dot_dot_line_split_across_segments),
    NETX_TEST(dot_then_dot_crlf_split_across_segments),
    NETX_TEST(terminator_split_across_segments),
    NETX_TEST(dele_during_download),
    NETX_TEST(retr_during_download),
    NETX_TEST(packets_outlive_the_client),
};

NETX_TEST_MAIN(tests)
