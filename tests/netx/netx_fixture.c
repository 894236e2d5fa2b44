/* netx_fixture.c — see netx_fixture.h. */
#include "netx_fixture.h"

#include <stdio.h>
#include <string.h>

#include "check.h"

/* Enough for 16 packets of 1514 bytes, or many small ones. */
static ULONG pool_memory[(40 * 1024) / sizeof(ULONG)];

ULONG pool_memory_size(ULONG payload_size, ULONG packet_count) {
  ULONG rounded_payload = (payload_size + sizeof(ULONG) - 1) / sizeof(ULONG) * sizeof(ULONG);
  return packet_count * (ULONG)(sizeof(NX_PACKET) + rounded_payload);
}

void fixture_setup_without_tcp(netx_fixture* fixture, ULONG payload_size, ULONG packet_count) {
  ULONG memory_size = pool_memory_size(payload_size, packet_count);
  CHECK(memory_size <= sizeof(pool_memory));
  memset(fixture, 0, sizeof(*fixture));
  fixture->payload_size = payload_size;
  CHECK_STATUS(nx_packet_pool_create(&fixture->pool, "POP3 client pool", payload_size, pool_memory,
                                     memory_size),
               NX_SUCCESS);
  CHECK_UINT(fixture->pool.nx_packet_pool_total, packet_count);
  CHECK_STATUS(nx_ip_create(&fixture->ip, "POP3 client IP", IP_ADDRESS(127, 0, 0, 1), 0xFF000000UL,
                            &fixture->pool, NULL, NULL, 0, 1),
               NX_SUCCESS);
}

void fixture_setup(netx_fixture* fixture, ULONG payload_size, ULONG packet_count) {
  fixture_setup_without_tcp(fixture, payload_size, packet_count);
  CHECK_STATUS(nx_tcp_enable(&fixture->ip), NX_SUCCESS);
}

void fixture_teardown(netx_fixture* fixture) {
  CHECK_UINT(fixture->pool.nx_packet_pool_available, fixture->pool.nx_packet_pool_total);
  CHECK_STATUS(nx_ip_delete(&fixture->ip), NX_SUCCESS);
  CHECK_STATUS(nx_packet_pool_delete(&fixture->pool), NX_SUCCESS);
}

UINT fixture_create_client(netx_fixture* fixture, const script_server* server, UINT apop,
                           const char* name, const char* password) {
  return nx_pop3_client_create(&fixture->client, apop, &fixture->ip, &fixture->pool,
                               IP_ADDRESS(127, 0, 0, 1), script_server_port(server), (CHAR*)name,
                               (CHAR*)password);
}

UINT fixture_login(netx_fixture* fixture, const script_server* server) {
  return fixture_create_client(fixture, server, NX_FALSE, TEST_USER, TEST_PASSWORD);
}

void script_login(script_server* server) {
  script_send(server, TEST_GREETING);
  script_expect(server, "USER " TEST_USER "\r\n");
  script_send(server, "+OK\r\n");
  script_expect(server, "PASS " TEST_PASSWORD "\r\n");
  script_send(server, "+OK maildrop locked and ready\r\n");
}

void script_stat(script_server* server, unsigned count, unsigned long size) {
  char reply[64];
  snprintf(reply, sizeof(reply), "+OK %u %lu\r\n", count, size);
  script_expect(server, "STAT\r\n");
  script_send(server, reply);
}

void script_quit(script_server* server) {
  script_expect(server, "QUIT\r\n");
  script_send(server, "+OK bye\r\n");
  script_expect_close(server);
}
