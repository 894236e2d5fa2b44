/*
 * connection_test.c — the connection's life: IPv6 and IPv4 through nxd_pop3_client_create,
 * reconnection by mail_items_get after quit or a lost connection, nx_pop3_client_delete
 * (no QUIT, safe after any failed create, after quit, twice), reuse of the client object, and
 * the non-checking _nx_ forms.
 */
#include <string.h>
#include <sys/socket.h>

#include "check.h"
#include "closed_port.h"
#include "message_download.h"
#include "netx_fixture.h"
#include "script_server.h"

/* A session through nxd_pop3_client_create to `address`: STAT, RETR 1, DELE 1, QUIT. */
static void run_nxd_session(int address_family, const NXD_ADDRESS* address, ULONG payload) {
  netx_fixture fixture;
  message_download download;
  script_server* server = script_server_create(address_family);
  NXD_ADDRESS server_address = *address;
  UINT items;
  ULONG total, item_size;
  script_login(server);
  script_stat(server, 1, 7);
  script_expect(server, "RETR 1\r\n");
  script_send(server, "+OK 7 octets\r\nHello\r\n.\r\n");
  script_expect(server, "DELE 1\r\n");
  script_send(server, "+OK\r\n");
  script_quit(server);
  script_server_start(server);
  fixture_setup(&fixture, payload, DEFAULT_PACKET_COUNT);
  CHECK_STATUS(
      nxd_pop3_client_create(&fixture.client, NX_FALSE, &fixture.ip, &fixture.pool, &server_address,
                             script_server_port(server), TEST_USER, TEST_PASSWORD),
      NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_mail_items_get(&fixture.client, &items, &total), NX_SUCCESS);
  CHECK_UINT(items, 1);
  CHECK_UINT(total, 7);
  CHECK_STATUS(nx_pop3_client_mail_item_get(&fixture.client, 1, &item_size), NX_SUCCESS);
  message_download_start(&download, body_raw, fixture.payload_size);
  CHECK_STATUS(message_download_all(&download, &fixture.client), NX_SUCCESS);
  CHECK_TEXT(download.data, download.length, "Hello\r\n.\r\n");
  CHECK_STATUS(nx_pop3_client_mail_item_delete(&fixture.client, 1), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_quit(&fixture.client), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_delete(&fixture.client), NX_SUCCESS);
  CHECK_SCRIPT(server);
  CHECK_RECEIVED(server, TEST_LOGIN_COMMANDS "STAT\r\nRETR 1\r\nDELE 1\r\nQUIT\r\n");
  script_server_destroy(server);
  fixture_teardown(&fixture);
}

/* ::1 is {0, 0, 0, 1}; the server listens on ::1 (the test fails if it cannot). Commands
   leave room for NX_IPv6_TCP_PACKET. */
static void ipv6_session(void) {
  NXD_ADDRESS address;
  memset(&address, 0, sizeof(address));
  address.nxd_ip_version = NX_IP_VERSION_V6;
  address.nxd_ip_address.v6[3] = 1;
  run_nxd_session(AF_INET6, &address, DEFAULT_PAYLOAD_SIZE);
  run_nxd_session(AF_INET6, &address, NX_IPv6_TCP_PACKET + 28);
}

static void ipv4_through_nxd(void) {
  NXD_ADDRESS address;
  memset(&address, 0, sizeof(address));
  address.nxd_ip_version = NX_IP_VERSION_V4;
  address.nxd_ip_address.v4 = IP_ADDRESS(127, 0, 0, 1);
  run_nxd_session(AF_INET, &address, DEFAULT_PAYLOAD_SIZE);
}

static void ipv6_connection_refused(void) {
  netx_fixture fixture;
  closed_port closed;
  NXD_ADDRESS address;
  memset(&address, 0, sizeof(address));
  address.nxd_ip_version = NX_IP_VERSION_V6;
  address.nxd_ip_address.v6[3] = 1;
  closed_port_open(&closed, AF_INET6);
  fixture_setup(&fixture, DEFAULT_PAYLOAD_SIZE, DEFAULT_PACKET_COUNT);
  CHECK_STATUS(nxd_pop3_client_create(&fixture.client, NX_FALSE, &fixture.ip, &fixture.pool,
                                      &address, closed.port, TEST_USER, TEST_PASSWORD),
               NX_NOT_CONNECTED);
  CHECK_STATUS(nx_pop3_client_delete(&fixture.client), NX_SUCCESS);
  closed_port_close(&closed);
  fixture_teardown(&fixture);
}

/* After QUIT the other services return NX_NOT_CONNECTED; mail_items_get connects again, logs
   in again and the session works. */
static void reconnect_after_quit(void) {
  netx_fixture fixture;
  message_download download;
  script_server* server = script_server_create(AF_INET);
  UINT items = 0;
  ULONG total = 0, size, item_size;
  script_login(server);
  script_stat(server, 2, 200);
  script_quit(server);
  script_accept(server);
  script_login(server);
  script_stat(server, 3, 300);
  script_expect(server, "RETR 3\r\n");
  script_send(server, "+OK 5 octets\r\nnew\r\n.\r\n");
  script_quit(server);
  script_server_start(server);
  fixture_setup(&fixture, DEFAULT_PAYLOAD_SIZE, DEFAULT_PACKET_COUNT);
  CHECK_STATUS(fixture_login(&fixture, server), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_mail_items_get(&fixture.client, &items, &total), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_quit(&fixture.client), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_mail_item_size_get(&fixture.client, 1, &size), NX_NOT_CONNECTED);
  CHECK_STATUS(nx_pop3_client_mail_item_get(&fixture.client, 1, &item_size), NX_NOT_CONNECTED);
  CHECK_STATUS(nx_pop3_client_mail_item_delete(&fixture.client, 1), NX_NOT_CONNECTED);
  CHECK_STATUS(nx_pop3_client_mail_items_get(&fixture.client, &items, &total), NX_SUCCESS);
  CHECK_UINT(items, 3);
  CHECK_UINT(total, 300);
  CHECK_STATUS(nx_pop3_client_mail_item_get(&fixture.client, 3, &item_size), NX_SUCCESS);
  message_download_start(&download, body_raw, fixture.payload_size);
  CHECK_STATUS(message_download_all(&download, &fixture.client), NX_SUCCESS);
  CHECK_TEXT(download.data, download.length, "new\r\n.\r\n");
  CHECK_STATUS(nx_pop3_client_quit(&fixture.client), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_delete(&fixture.client), NX_SUCCESS);
  CHECK_SCRIPT(server);
  CHECK_UINT(script_server_connections(server), 2);
  CHECK_RECEIVED(server, TEST_LOGIN_COMMANDS "STAT\r\nQUIT\r\n" TEST_LOGIN_COMMANDS
                                             "STAT\r\nRETR 3\r\nQUIT\r\n");
  script_server_destroy(server);
  fixture_teardown(&fixture);
}

/* The server drops the connection: NX_NOT_CONNECTED, then mail_items_get reconnects. */
static void reconnect_after_lost_connection(void) {
  netx_fixture fixture;
  script_server* server = script_server_create(AF_INET);
  UINT items = 0;
  ULONG total = 0, size;
  script_login(server);
  script_stat(server, 2, 200);
  script_expect(server, "LIST 2\r\n");
  script_close(server);
  script_accept(server);
  script_login(server);
  script_stat(server, 2, 200);
  script_expect(server, "LIST 2\r\n");
  script_send(server, "+OK 2 120\r\n");
  script_quit(server);
  script_server_start(server);
  fixture_setup(&fixture, DEFAULT_PAYLOAD_SIZE, DEFAULT_PACKET_COUNT);
  CHECK_STATUS(fixture_login(&fixture, server), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_mail_items_get(&fixture.client, &items, &total), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_mail_item_size_get(&fixture.client, 2, &size), NX_NOT_CONNECTED);
  CHECK_STATUS(nx_pop3_client_mail_items_get(&fixture.client, &items, &total), NX_SUCCESS);
  CHECK_UINT(items, 2);
  CHECK_STATUS(nx_pop3_client_mail_item_size_get(&fixture.client, 2, &size), NX_SUCCESS);
  CHECK_UINT(size, 120);
  CHECK_STATUS(nx_pop3_client_quit(&fixture.client), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_delete(&fixture.client), NX_SUCCESS);
  CHECK_SCRIPT(server);
  CHECK_UINT(script_server_connections(server), 2);
  script_server_destroy(server);
  fixture_teardown(&fixture);
}

/* APOP again on reconnection, with the digest of the new greeting's timestamp. */
static void reconnect_with_apop_uses_new_timestamp(void) {
  netx_fixture fixture;
  script_server* server = script_server_create(AF_INET);
  UINT items = 0;
  ULONG total = 0;
  script_send(server, "+OK ready <1896.697170952@dbc.mtview.ca.us>\r\n");
  script_expect(server, "APOP " TEST_USER " 5ca7b76f57590e0ffb8e4a56201aaec8\r\n");
  script_send(server, "+OK\r\n");
  script_quit(server);
  script_accept(server);
  script_send(server, "+OK ready <7.reconnect@pop.example>\r\n");
  script_expect(server, "APOP " TEST_USER " 27abbdddbe43907559f0fd09009fc7da\r\n");
  script_send(server, "+OK\r\n");
  script_stat(server, 1, 10);
  script_quit(server);
  script_server_start(server);
  fixture_setup(&fixture, DEFAULT_PAYLOAD_SIZE, DEFAULT_PACKET_COUNT);
  CHECK_STATUS(fixture_create_client(&fixture, server, NX_TRUE, TEST_USER, TEST_PASSWORD),
               NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_quit(&fixture.client), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_mail_items_get(&fixture.client, &items, &total), NX_SUCCESS);
  CHECK_UINT(items, 1);
  CHECK_STATUS(nx_pop3_client_quit(&fixture.client), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_delete(&fixture.client), NX_SUCCESS);
  CHECK_SCRIPT(server);
  script_server_destroy(server);
  fixture_teardown(&fixture);
}

/* A reconnection that fails returns the create error (here the connection is closed before
   the greeting, then the password is rejected); the next mail_items_get tries again. */
static void reconnect_failures_are_retried(void) {
  netx_fixture fixture;
  script_server* server = script_server_create(AF_INET);
  UINT items = 0;
  ULONG total = 0;
  script_login(server);
  script_quit(server);
  script_accept(server);
  script_close(server);
  script_accept(server);
  script_send(server, TEST_GREETING);
  script_expect(server, "USER " TEST_USER "\r\n");
  script_send(server, "+OK\r\n");
  script_expect(server, "PASS " TEST_PASSWORD "\r\n");
  script_send(server, "-ERR invalid password\r\n");
  script_expect_close(server);
  script_accept(server);
  script_login(server);
  script_stat(server, 4, 400);
  script_quit(server);
  script_server_start(server);
  fixture_setup(&fixture, DEFAULT_PAYLOAD_SIZE, DEFAULT_PACKET_COUNT);
  CHECK_STATUS(fixture_login(&fixture, server), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_quit(&fixture.client), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_mail_items_get(&fixture.client, &items, &total), NX_NOT_CONNECTED);
  CHECK_STATUS(nx_pop3_client_mail_items_get(&fixture.client, &items, &total),
               NX_POP3_SERVER_ERROR_STATUS);
  CHECK_STATUS(nx_pop3_client_mail_items_get(&fixture.client, &items, &total), NX_SUCCESS);
  CHECK_UINT(items, 4);
  CHECK_UINT(total, 400);
  CHECK_STATUS(nx_pop3_client_quit(&fixture.client), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_delete(&fixture.client), NX_SUCCESS);
  CHECK_SCRIPT(server);
  CHECK_UINT(script_server_connections(server), 4);
  script_server_destroy(server);
  fixture_teardown(&fixture);
}

/* delete closes without QUIT: the server sees the connection end after STAT. */
static void delete_does_not_send_quit(void) {
  netx_fixture fixture;
  script_server* server = script_server_create(AF_INET);
  UINT items;
  ULONG total;
  script_login(server);
  script_stat(server, 1, 100);
  script_expect_close(server);
  script_server_start(server);
  fixture_setup(&fixture, DEFAULT_PAYLOAD_SIZE, DEFAULT_PACKET_COUNT);
  CHECK_STATUS(fixture_login(&fixture, server), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_mail_items_get(&fixture.client, &items, &total), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_delete(&fixture.client), NX_SUCCESS);
  CHECK_SCRIPT(server);
  CHECK_RECEIVED(server, TEST_LOGIN_COMMANDS "STAT\r\n");
  script_server_destroy(server);
  fixture_teardown(&fixture);
}

/* delete twice after a create that failed, on a client object that held garbage before. */
static void check_delete_after_failed_create(netx_fixture* fixture, UINT create_status,
                                             UINT expected_status, int line) {
  if (create_status != expected_status)
    check_failed(__FILE__, line, "create returned %s, expected %s", status_name(create_status),
                 "the failure the test provoked");
  CHECK_STATUS(nx_pop3_client_delete(&fixture->client), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_delete(&fixture->client), NX_SUCCESS);
  memset(&fixture->client, 0xA5, sizeof(fixture->client));
}

static void delete_after_failed_create(void) {
  netx_fixture fixture;
  closed_port closed;
  script_server* server = script_server_create(AF_INET);
  NX_POP3_CLIENT* client = &fixture.client;
  closed_port_open(&closed, AF_INET);
  script_send(server, "-ERR go away\r\n");
  script_expect_close(server);
  script_server_start(server);
  fixture_setup(&fixture, DEFAULT_PAYLOAD_SIZE, DEFAULT_PACKET_COUNT);

  memset(client, 0xA5, sizeof(*client));
  check_delete_after_failed_create(
      &fixture,
      nx_pop3_client_create(client, NX_FALSE, &fixture.ip, &fixture.pool, IP_ADDRESS(127, 0, 0, 1),
                            closed.port, TEST_USER, TEST_PASSWORD),
      NX_NOT_CONNECTED, __LINE__);
  check_delete_after_failed_create(
      &fixture,
      nx_pop3_client_create(client, NX_FALSE, &fixture.ip, &fixture.pool, IP_ADDRESS(127, 0, 0, 1),
                            0, TEST_USER, TEST_PASSWORD),
      NX_POP3_PARAM_ERROR, __LINE__);
  check_delete_after_failed_create(
      &fixture,
      nx_pop3_client_create(client, NX_FALSE, NULL, &fixture.pool, IP_ADDRESS(127, 0, 0, 1),
                            closed.port, TEST_USER, TEST_PASSWORD),
      NX_PTR_ERROR, __LINE__);
  check_delete_after_failed_create(&fixture, fixture_login(&fixture, server),
                                   NX_POP3_SERVER_ERROR_STATUS, __LINE__);
  CHECK_SCRIPT(server);
  script_server_destroy(server);
  closed_port_close(&closed);
  fixture_teardown(&fixture);
}

/* delete after quit, twice; then the client object serves a new create. */
static void delete_after_quit_and_reuse(void) {
  netx_fixture fixture;
  script_server* server = script_server_create(AF_INET);
  UINT items;
  ULONG total;
  script_login(server);
  script_quit(server);
  script_accept(server);
  script_login(server);
  script_stat(server, 5, 500);
  script_quit(server);
  script_server_start(server);
  fixture_setup(&fixture, DEFAULT_PAYLOAD_SIZE, DEFAULT_PACKET_COUNT);
  CHECK_STATUS(fixture_login(&fixture, server), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_quit(&fixture.client), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_delete(&fixture.client), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_delete(&fixture.client), NX_SUCCESS);
  CHECK_STATUS(fixture_login(&fixture, server), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_mail_items_get(&fixture.client, &items, &total), NX_SUCCESS);
  CHECK_UINT(items, 5);
  CHECK_STATUS(nx_pop3_client_quit(&fixture.client), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_delete(&fixture.client), NX_SUCCESS);
  CHECK_SCRIPT(server);
  script_server_destroy(server);
  fixture_teardown(&fixture);
}

/* delete in the middle of a download, the application holding a packet: the packet stays
   valid and goes back to the pool when released. */
static void delete_during_download(void) {
  netx_fixture fixture;
  script_server* server = script_server_create(AF_INET);
  NX_PACKET* packet = NULL;
  UCHAR data[64];
  ULONG bytes, copied, item_size, total;
  UINT final_packet, items;
  script_login(server);
  script_stat(server, 1, 100);
  script_expect(server, "RETR 1\r\n");
  script_send(server, "+OK 100 octets\r\nfirst part");
  script_expect_close(server);
  script_server_start(server);
  fixture_setup(&fixture, DEFAULT_PAYLOAD_SIZE, DEFAULT_PACKET_COUNT);
  CHECK_STATUS(fixture_login(&fixture, server), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_mail_items_get(&fixture.client, &items, &total), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_mail_item_get(&fixture.client, 1, &item_size), NX_SUCCESS);
  CHECK_STATUS(
      nx_pop3_client_mail_item_message_get(&fixture.client, &packet, &bytes, &final_packet),
      NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_delete(&fixture.client), NX_SUCCESS);
  CHECK(packet->nx_packet_length <= sizeof(data));
  CHECK_STATUS(nx_packet_data_retrieve(packet, data, &copied), NX_SUCCESS);
  CHECK(copied <= strlen("first part"));
  CHECK(memcmp(data, "first part", copied) == 0);
  CHECK_STATUS(nx_packet_release(packet), NX_SUCCESS);
  CHECK_SCRIPT(server);
  script_server_destroy(server);
  fixture_teardown(&fixture);
}

/* The _nx_ forms (no pointer or index checks), as NX_DISABLE_ERROR_CHECKING maps them. */
static void unchecked_forms_session(void) {
  netx_fixture fixture;
  script_server* server = script_server_create(AF_INET);
  NXD_ADDRESS address;
  NX_PACKET* packet;
  ULONG total, size, item_size, bytes;
  UINT items, final_packet;
  script_login(server);
  script_stat(server, 1, 7);
  script_expect(server, "LIST 1\r\n");
  script_send(server, "+OK 1 7\r\n");
  script_expect(server, "RETR 1\r\n");
  script_send(server, "+OK 7 octets\r\nHello\r\n.\r\n");
  script_expect(server, "DELE 1\r\n");
  script_send(server, "+OK\r\n");
  script_quit(server);
  script_accept(server);
  script_login(server);
  script_quit(server);
  script_server_start(server);
  fixture_setup(&fixture, DEFAULT_PAYLOAD_SIZE, DEFAULT_PACKET_COUNT);
  CHECK_STATUS(_nx_pop3_client_create(&fixture.client, NX_FALSE, &fixture.ip, &fixture.pool,
                                      IP_ADDRESS(127, 0, 0, 1), script_server_port(server),
                                      TEST_USER, TEST_PASSWORD),
               NX_SUCCESS);
  CHECK_STATUS(_nx_pop3_client_mail_items_get(&fixture.client, &items, &total), NX_SUCCESS);
  CHECK_UINT(items, 1);
  CHECK_STATUS(_nx_pop3_client_mail_item_size_get(&fixture.client, 1, &size), NX_SUCCESS);
  CHECK_UINT(size, 7);
  CHECK_STATUS(_nx_pop3_client_mail_item_size_get(&fixture.client, 2, &size),
               NX_POP3_INVALID_MAIL_ITEM);
  CHECK_STATUS(_nx_pop3_client_mail_item_get(&fixture.client, 1, &item_size), NX_SUCCESS);
  CHECK_STATUS(
      _nx_pop3_client_mail_item_message_get(&fixture.client, &packet, &bytes, &final_packet),
      NX_SUCCESS);
  CHECK_UINT(final_packet, NX_TRUE);
  CHECK_UINT(bytes, 10);
  CHECK_STATUS(nx_packet_release(packet), NX_SUCCESS);
  CHECK_STATUS(_nx_pop3_client_mail_item_delete(&fixture.client, 1), NX_SUCCESS);
  CHECK_STATUS(_nx_pop3_client_quit(&fixture.client), NX_SUCCESS);
  CHECK_STATUS(_nx_pop3_client_delete(&fixture.client), NX_SUCCESS);

  address.nxd_ip_version = NX_IP_VERSION_V4;
  address.nxd_ip_address.v4 = IP_ADDRESS(127, 0, 0, 1);
  CHECK_STATUS(
      _nxd_pop3_client_create(&fixture.client, NX_FALSE, &fixture.ip, &fixture.pool, &address,
                              script_server_port(server), TEST_USER, TEST_PASSWORD),
      NX_SUCCESS);
  CHECK_STATUS(_nx_pop3_client_quit(&fixture.client), NX_SUCCESS);
  CHECK_STATUS(_nx_pop3_client_delete(&fixture.client), NX_SUCCESS);
  CHECK_SCRIPT(server);
  script_server_destroy(server);
  fixture_teardown(&fixture);
}

static const netx_test tests[] = {
    NETX_TEST(ipv6_session),
    NETX_TEST(ipv4_through_nxd),
    NETX_TEST(ipv6_connection_refused),
    NETX_TEST(reconnect_after_quit),
    NETX_TEST(reconnect_after_lost_connection),
    NETX_TEST(reconnect_with_apop_uses_new_timestamp),
    NETX_TEST(reconnect_failures_are_retried),
    NETX_TEST(delete_does_not_send_quit),
    NETX_TEST(delete_after_failed_create),
    NETX_TEST(delete_after_quit_and_reuse),
    NETX_TEST(delete_during_download),
    NETX_TEST(unchecked_forms_session),
};

NETX_TEST_MAIN(tests)
