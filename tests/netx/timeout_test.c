/*
 * timeout_test.c — a server that goes quiet: no reply within NX_POP3_SERVER_REPLY_TIMEOUT
 * gives NX_NO_PACKET; a message that stalls half-way gives NX_NO_PACKET and continues when the
 * rest arrives. (That a timeout happened is checked, never how long it took.)
 */
#include <string.h>
#include <sys/socket.h>

#include "check.h"
#include "message_download.h"
#include "netx_fixture.h"
#include "script_server.h"

/* The command gets no reply until the test has seen the timeout. */
static void check_reply_timeout(const char* command, int setup_stat,
                                UINT (*call)(NX_POP3_CLIENT* client)) {
  netx_fixture fixture;
  script_server* server = script_server_create(AF_INET);
  UINT items;
  ULONG total;
  script_login(server);
  if (setup_stat) script_stat(server, 2, 200);
  script_expect(server, command);
  script_wait_gate(server);
  script_server_start(server);
  fixture_setup(&fixture, DEFAULT_PAYLOAD_SIZE, DEFAULT_PACKET_COUNT);
  CHECK_STATUS(fixture_login(&fixture, server), NX_SUCCESS);
  if (setup_stat)
    CHECK_STATUS(nx_pop3_client_mail_items_get(&fixture.client, &items, &total), NX_SUCCESS);
  CHECK_STATUS(call(&fixture.client), NX_NO_PACKET);
  script_server_open_gate(server);
  CHECK_STATUS(nx_pop3_client_delete(&fixture.client), NX_SUCCESS);
  CHECK_SCRIPT(server);
  script_server_destroy(server);
  fixture_teardown(&fixture);
}

static UINT call_stat(NX_POP3_CLIENT* client) {
  UINT items = 99;
  ULONG total = 99;
  return nx_pop3_client_mail_items_get(client, &items, &total);
}

static UINT call_list(NX_POP3_CLIENT* client) {
  ULONG size = 99;
  UINT status = nx_pop3_client_mail_item_size_get(client, 1, &size);
  CHECK_UINT(size, 0);
  return status;
}

static UINT call_retr(NX_POP3_CLIENT* client) {
  ULONG item_size;
  return nx_pop3_client_mail_item_get(client, 1, &item_size);
}

static UINT call_dele(NX_POP3_CLIENT* client) {
  return nx_pop3_client_mail_item_delete(client, 1);
}

static UINT call_quit(NX_POP3_CLIENT* client) {
  return nx_pop3_client_quit(client);
}

static void stat_reply_timeout(void) {
  check_reply_timeout("STAT\r\n", 0, call_stat);
}
static void list_reply_timeout(void) {
  check_reply_timeout("LIST 1\r\n", 1, call_list);
}
static void retr_reply_timeout(void) {
  check_reply_timeout("RETR 1\r\n", 1, call_retr);
}
static void dele_reply_timeout(void) {
  check_reply_timeout("DELE 1\r\n", 1, call_dele);
}
static void quit_reply_timeout(void) {
  check_reply_timeout("QUIT\r\n", 0, call_quit);
}

/* The message stops in the middle of a line: message_get times out (NX_NO_PACKET), the
   download stays in progress, and once the rest arrives it continues where it stopped. */
static void message_stalls_mid_message(void) {
  static const char first_part[] = "Subject: stall\r\n\r\nthe first half of the line";
  static const char rest[] = ", the second half\r\n..dot\r\n.\r\n";
  netx_fixture fixture;
  message_download download;
  script_server* server = script_server_create(AF_INET);
  char expected[128];
  UINT items;
  ULONG total, item_size;
  script_login(server);
  script_stat(server, 1, 100);
  script_expect(server, "RETR 1\r\n");
  script_send(server, "+OK 100 octets\r\n");
  script_send(server, first_part);
  script_wait_gate(server);
  script_send(server, rest);
  script_quit(server);
  script_server_start(server);
  fixture_setup(&fixture, DEFAULT_PAYLOAD_SIZE, DEFAULT_PACKET_COUNT);
  CHECK_STATUS(fixture_login(&fixture, server), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_mail_items_get(&fixture.client, &items, &total), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_mail_item_get(&fixture.client, 1, &item_size), NX_SUCCESS);
  message_download_start(&download, body_raw, fixture.payload_size);
  while (download.length < strlen(first_part))
    CHECK_STATUS(message_download_step(&download, &fixture.client), NX_SUCCESS);
  CHECK_STATUS(message_download_step(&download, &fixture.client), NX_NO_PACKET);
  CHECK(fixture.client.nx_pop3_client_ready_to_download);
  script_server_open_gate(server);
  CHECK_STATUS(message_download_all(&download, &fixture.client), NX_SUCCESS);
  strcat(strcpy(expected, first_part), rest);
  CHECK_TEXT(download.data, download.length, expected);
  CHECK_STATUS(nx_pop3_client_quit(&fixture.client), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_delete(&fixture.client), NX_SUCCESS);
  CHECK_SCRIPT(server);
  script_server_destroy(server);
  fixture_teardown(&fixture);
}

static const netx_test tests[] = {
    NETX_TEST(stat_reply_timeout), NETX_TEST(list_reply_timeout),
    NETX_TEST(retr_reply_timeout), NETX_TEST(dele_reply_timeout),
    NETX_TEST(quit_reply_timeout), NETX_TEST(message_stalls_mid_message),
};

NETX_TEST_MAIN(tests)
