/*
 * pool_exhaustion_test.c — the application holds every packet of the client's pool: a
 * command or the next part of a message gets NX_NO_PACKET (after
 * NX_POP3_CLIENT_PACKET_TIMEOUT), nothing is lost, and everything continues once a packet is
 * released.
 */
#include <string.h>
#include <sys/socket.h>

#include "check.h"
#include "message_download.h"
#include "netx_fixture.h"
#include "script_server.h"

/* Payload for USER recipient@domain.com (56 + 27 bytes) and then some. */
#define SMALL_PAYLOAD 100
#define PACKET_COUNT 4

/* Takes every free packet of the pool into held[]; returns how many. */
static UINT hold_every_packet(NX_PACKET_POOL* pool, NX_PACKET* held[], UINT capacity) {
  UINT count = 0;
  NX_PACKET* packet;
  while (nx_packet_allocate(pool, &packet, NX_RECEIVE_PACKET, NX_NO_WAIT) == NX_SUCCESS) {
    CHECK(count < capacity);
    held[count++] = packet;
  }
  CHECK_UINT(pool->nx_packet_pool_available, 0);
  return count;
}

/* No packet for STAT: NX_NO_PACKET, both outputs 0 (not the last STAT's) and nothing sent;
   after a release STAT goes out. */
static void command_without_free_packet(void) {
  netx_fixture fixture;
  script_server* server = script_server_create(AF_INET);
  NX_PACKET* held[PACKET_COUNT];
  UINT count, items = 99, i;
  ULONG total = 99;
  script_login(server);
  script_stat(server, 2, 200);
  script_stat(server, 2, 200);
  script_quit(server);
  script_server_start(server);
  fixture_setup(&fixture, SMALL_PAYLOAD, PACKET_COUNT);
  CHECK_STATUS(fixture_login(&fixture, server), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_mail_items_get(&fixture.client, &items, &total), NX_SUCCESS);
  CHECK_UINT(items, 2);
  count = hold_every_packet(&fixture.pool, held, PACKET_COUNT);
  CHECK_UINT(count, PACKET_COUNT);
  CHECK_STATUS(nx_pop3_client_mail_items_get(&fixture.client, &items, &total), NX_NO_PACKET);
  CHECK_UINT(items, 0);
  CHECK_UINT(total, 0);
  CHECK_STATUS(nx_packet_release(held[0]), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_mail_items_get(&fixture.client, &items, &total), NX_SUCCESS);
  CHECK_UINT(items, 2);
  CHECK_UINT(total, 200);
  for (i = 1; i < count; ++i)
    CHECK_STATUS(nx_packet_release(held[i]), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_quit(&fixture.client), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_delete(&fixture.client), NX_SUCCESS);
  CHECK_SCRIPT(server);
  CHECK_RECEIVED(server, TEST_LOGIN_COMMANDS "STAT\r\nSTAT\r\nQUIT\r\n");
  script_server_destroy(server);
  fixture_teardown(&fixture);
}

/* The message is all in by the time the pool runs dry: message_get says NX_NO_PACKET (twice:
   the download stays in progress), then goes on after a release; the data is whole. */
static void message_without_free_packet(void) {
  static const char message[] =
      "Subject: pool\r\n\r\n"
      "0123456789012345678901234567890123456789012345678901234567890123456789\r\n"
      "1123456789012345678901234567890123456789012345678901234567890123456789\r\n"
      "2123456789012345678901234567890123456789012345678901234567890123456789\r\n"
      "3123456789012345678901234567890123456789012345678901234567890123456789\r\n"
      "4123456789012345678901234567890123456789012345678901234567890123456789\r\n"
      ".\r\n";
  netx_fixture fixture;
  message_download download;
  script_server* server = script_server_create(AF_INET);
  NX_PACKET* held[PACKET_COUNT];
  UINT count, items, i;
  ULONG total, item_size;
  script_login(server);
  script_stat(server, 1, 350);
  script_expect(server, "RETR 1\r\n");
  script_send(server, "+OK 350 octets\r\n");
  script_send(server, message);
  script_quit(server);
  script_server_start(server);
  fixture_setup(&fixture, SMALL_PAYLOAD, PACKET_COUNT);
  CHECK_STATUS(fixture_login(&fixture, server), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_mail_items_get(&fixture.client, &items, &total), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_mail_item_get(&fixture.client, 1, &item_size), NX_SUCCESS);
  message_download_start(&download, body_raw, SMALL_PAYLOAD);
  CHECK_STATUS(message_download_step(&download, &fixture.client), NX_SUCCESS);

  count = hold_every_packet(&fixture.pool, held, PACKET_COUNT);
  CHECK_UINT(count, PACKET_COUNT);
  CHECK_STATUS(message_download_step(&download, &fixture.client), NX_NO_PACKET);
  CHECK_STATUS(message_download_step(&download, &fixture.client), NX_NO_PACKET);
  CHECK(fixture.client.nx_pop3_client_ready_to_download);
  CHECK_STATUS(nx_packet_release(held[0]), NX_SUCCESS);
  CHECK_STATUS(message_download_step(&download, &fixture.client), NX_SUCCESS);
  for (i = 1; i < count; ++i)
    CHECK_STATUS(nx_packet_release(held[i]), NX_SUCCESS);
  CHECK_STATUS(message_download_all(&download, &fixture.client), NX_SUCCESS);
  CHECK_TEXT(download.data, download.length, message);
  CHECK(download.packets >= 4);

  CHECK_STATUS(nx_pop3_client_quit(&fixture.client), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_delete(&fixture.client), NX_SUCCESS);
  CHECK_SCRIPT(server);
  script_server_destroy(server);
  fixture_teardown(&fixture);
}

static const netx_test tests[] = {
    NETX_TEST(command_without_free_packet),
    NETX_TEST(message_without_free_packet),
};

NETX_TEST_MAIN(tests)
