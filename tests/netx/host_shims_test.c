/*
 * host_shims_test.c — the NetX calls the application makes besides the POP3 client: packet
 * pools (carving, allocate, release, data_retrieve, length_get), IP instances and
 * nx_tcp_enable, with their status values.
 */
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "netx_fixture.h"

#define PAYLOAD 100

static ULONG memory[4096 / sizeof(ULONG)];

/* Packets are carved as nx_api.h says: sizeof(NX_PACKET) + payload, rounded to ULONG. */
static void pool_create_carves_packets(void) {
  NX_PACKET_POOL pool;
  ULONG size = pool_memory_size(PAYLOAD, 5);
  memset(&pool, 0, sizeof(pool));
  CHECK(size <= sizeof(memory));
  CHECK_STATUS(nx_packet_pool_create(&pool, "pool", PAYLOAD, memory, size), NX_SUCCESS);
  CHECK_UINT(pool.nx_packet_pool_total, 5);
  CHECK_UINT(pool.nx_packet_pool_available, 5);
  CHECK_UINT(pool.nx_packet_pool_payload_size, PAYLOAD);
  CHECK_UINT(pool.nx_packet_pool_id, NX_PACKET_POOL_ID);
  CHECK_STATUS(nx_packet_pool_create(&pool, "again", PAYLOAD, memory, size), NX_POOL_ERROR);
  CHECK_STATUS(nx_packet_pool_delete(&pool), NX_SUCCESS);
  /* One byte less: one packet less. */
  memset(&pool, 0, sizeof(pool));
  CHECK_STATUS(nx_packet_pool_create(&pool, "pool", PAYLOAD, memory, size - 1), NX_SUCCESS);
  CHECK_UINT(pool.nx_packet_pool_total, 4);
  CHECK_STATUS(nx_packet_pool_delete(&pool), NX_SUCCESS);
  /* An odd payload size is rounded up. */
  memset(&pool, 0, sizeof(pool));
  CHECK_STATUS(nx_packet_pool_create(&pool, "pool", 61, memory, pool_memory_size(61, 3)),
               NX_SUCCESS);
  CHECK_UINT(pool.nx_packet_pool_total, 3);
  CHECK_STATUS(nx_packet_pool_delete(&pool), NX_SUCCESS);
}

static void pool_create_errors(void) {
  NX_PACKET_POOL pool;
  memset(&pool, 0, sizeof(pool));
  CHECK_STATUS(nx_packet_pool_create(NULL, "pool", PAYLOAD, memory, sizeof(memory)), NX_PTR_ERROR);
  CHECK_STATUS(nx_packet_pool_create(&pool, "pool", PAYLOAD, NULL, sizeof(memory)), NX_PTR_ERROR);
  CHECK_STATUS(
      nx_packet_pool_create(&pool, "pool", PAYLOAD, memory, pool_memory_size(PAYLOAD, 1) - 1),
      NX_SIZE_ERROR);
  CHECK_STATUS(nx_packet_pool_create(&pool, "pool", PAYLOAD, memory, 0), NX_SIZE_ERROR);
  CHECK_STATUS(nx_packet_pool_create(&pool, "pool", 0, memory, sizeof(memory)), NX_SIZE_ERROR);
  CHECK_STATUS(nx_packet_pool_delete(NULL), NX_PTR_ERROR);
  CHECK_STATUS(nx_packet_pool_delete(&pool), NX_PTR_ERROR);
}

static void packet_allocate_and_release(void) {
  NX_PACKET_POOL pool;
  NX_PACKET *first, *second, *none = NULL;
  memset(&pool, 0, sizeof(pool));
  CHECK_STATUS(nx_packet_pool_create(&pool, "pool", PAYLOAD, memory, pool_memory_size(PAYLOAD, 2)),
               NX_SUCCESS);
  CHECK_STATUS(nx_packet_allocate(&pool, &first, NX_IPv4_TCP_PACKET, NX_NO_WAIT), NX_SUCCESS);
  CHECK(first->nx_packet_pool_owner == &pool);
  CHECK(first->nx_packet_next == NULL);
  CHECK_UINT(first->nx_packet_length, 0);
  CHECK(first->nx_packet_prepend_ptr == first->nx_packet_data_start + NX_IPv4_TCP_PACKET);
  CHECK(first->nx_packet_append_ptr == first->nx_packet_prepend_ptr);
  CHECK_UINT(first->nx_packet_data_end - first->nx_packet_data_start, PAYLOAD);
  CHECK_STATUS(nx_packet_allocate(&pool, &second, NX_RECEIVE_PACKET, NX_WAIT_FOREVER), NX_SUCCESS);
  CHECK(second->nx_packet_prepend_ptr == second->nx_packet_data_start);
  CHECK(second != first);
  CHECK_UINT(pool.nx_packet_pool_available, 0);
  CHECK_STATUS(nx_packet_allocate(&pool, &none, NX_RECEIVE_PACKET, NX_NO_WAIT), NX_NO_PACKET);
  CHECK_STATUS(nx_packet_allocate(&pool, &none, NX_RECEIVE_PACKET, 2), NX_NO_PACKET);
  CHECK_STATUS(nx_packet_release(first), NX_SUCCESS);
  CHECK_UINT(pool.nx_packet_pool_available, 1);
  CHECK_STATUS(nx_packet_release(first), NX_PTR_ERROR);
  CHECK_UINT(pool.nx_packet_pool_available, 1);
  CHECK_STATUS(nx_packet_release(second), NX_SUCCESS);
  CHECK_STATUS(nx_packet_release(NULL), NX_PTR_ERROR);
  CHECK_UINT(pool.nx_packet_pool_available, 2);

  CHECK_STATUS(nx_packet_allocate(NULL, &first, NX_RECEIVE_PACKET, NX_NO_WAIT), NX_PTR_ERROR);
  CHECK_STATUS(nx_packet_allocate(&pool, NULL, NX_RECEIVE_PACKET, NX_NO_WAIT), NX_PTR_ERROR);
  CHECK_STATUS(nx_packet_allocate(&pool, &first, PAYLOAD + 1, NX_NO_WAIT), NX_INVALID_PARAMETERS);
  CHECK_UINT(pool.nx_packet_pool_available, 2);
  CHECK_STATUS(nx_packet_pool_delete(&pool), NX_SUCCESS);
}

static void packet_data_retrieve_and_length_get(void) {
  NX_PACKET_POOL pool;
  NX_PACKET* packet;
  UCHAR copy[PAYLOAD];
  ULONG length = 99, copied = 99;
  memset(&pool, 0, sizeof(pool));
  CHECK_STATUS(nx_packet_pool_create(&pool, "pool", PAYLOAD, memory, pool_memory_size(PAYLOAD, 1)),
               NX_SUCCESS);
  CHECK_STATUS(nx_packet_allocate(&pool, &packet, NX_TCP_PACKET, NX_NO_WAIT), NX_SUCCESS);
  CHECK_STATUS(nx_packet_length_get(packet, &length), NX_SUCCESS);
  CHECK_UINT(length, 0);
  CHECK_STATUS(nx_packet_data_retrieve(packet, copy, &copied), NX_SUCCESS);
  CHECK_UINT(copied, 0);
  memcpy(packet->nx_packet_append_ptr, "STAT\r\n", 6);
  packet->nx_packet_append_ptr += 6;
  packet->nx_packet_length = 6;
  CHECK_STATUS(nx_packet_length_get(packet, &length), NX_SUCCESS);
  CHECK_UINT(length, 6);
  CHECK_STATUS(nx_packet_data_retrieve(packet, copy, &copied), NX_SUCCESS);
  CHECK_TEXT(copy, copied, "STAT\r\n");
  CHECK_STATUS(nx_packet_length_get(NULL, &length), NX_PTR_ERROR);
  CHECK_STATUS(nx_packet_length_get(packet, NULL), NX_PTR_ERROR);
  CHECK_STATUS(nx_packet_data_retrieve(NULL, copy, &copied), NX_PTR_ERROR);
  CHECK_STATUS(nx_packet_data_retrieve(packet, NULL, &copied), NX_PTR_ERROR);
  CHECK_STATUS(nx_packet_data_retrieve(packet, copy, NULL), NX_PTR_ERROR);
  CHECK_STATUS(nx_packet_release(packet), NX_SUCCESS);
  CHECK_STATUS(nx_packet_pool_delete(&pool), NX_SUCCESS);
}

static void* release_later(void* packet) {
  struct timespec pause = {0, 50 * 1000000L};
  nanosleep(&pause, NULL);
  CHECK_STATUS(nx_packet_release((NX_PACKET*)packet), NX_SUCCESS);
  return NULL;
}

/* allocate waits for a packet that another thread releases. */
static void packet_allocate_waits_for_release(void) {
  NX_PACKET_POOL pool;
  NX_PACKET *held, *taken = NULL;
  pthread_t releaser;
  memset(&pool, 0, sizeof(pool));
  CHECK_STATUS(nx_packet_pool_create(&pool, "pool", PAYLOAD, memory, pool_memory_size(PAYLOAD, 1)),
               NX_SUCCESS);
  CHECK_STATUS(nx_packet_allocate(&pool, &held, NX_RECEIVE_PACKET, NX_NO_WAIT), NX_SUCCESS);
  CHECK(pthread_create(&releaser, NULL, release_later, held) == 0);
  CHECK_STATUS(nx_packet_allocate(&pool, &taken, NX_RECEIVE_PACKET, NX_WAIT_FOREVER), NX_SUCCESS);
  CHECK(pthread_join(releaser, NULL) == 0);
  CHECK(taken == held);
  CHECK_STATUS(nx_packet_release(taken), NX_SUCCESS);
  CHECK_STATUS(nx_packet_pool_delete(&pool), NX_SUCCESS);
}

static void ip_create_delete_and_tcp_enable(void) {
  NX_PACKET_POOL pool;
  NX_IP ip;
  memset(&pool, 0, sizeof(pool));
  memset(&ip, 0, sizeof(ip));
  CHECK_STATUS(nx_packet_pool_create(&pool, "pool", PAYLOAD, memory, pool_memory_size(PAYLOAD, 2)),
               NX_SUCCESS);
  CHECK_STATUS(
      nx_ip_create(NULL, "ip", IP_ADDRESS(127, 0, 0, 1), 0xFF000000UL, &pool, NULL, NULL, 0, 1),
      NX_PTR_ERROR);
  CHECK_STATUS(
      nx_ip_create(&ip, "ip", IP_ADDRESS(127, 0, 0, 1), 0xFF000000UL, NULL, NULL, NULL, 0, 1),
      NX_PTR_ERROR);
  CHECK_STATUS(nx_ip_delete(&ip), NX_PTR_ERROR);
  CHECK_STATUS(nx_tcp_enable(&ip), NX_PTR_ERROR);
  CHECK_STATUS(
      nx_ip_create(&ip, "ip", IP_ADDRESS(192, 2, 2, 66), 0xFFFFFF00UL, &pool, NULL, NULL, 0, 1),
      NX_SUCCESS);
  CHECK_UINT(ip.nx_ip_id, NX_IP_ID);
  CHECK_UINT(ip.nx_ip_address, IP_ADDRESS(192, 2, 2, 66));
  CHECK_UINT(ip.nx_ip_network_mask, 0xFFFFFF00UL);
  CHECK(ip.nx_ip_default_packet_pool == &pool);
  CHECK_STATUS(nx_tcp_enable(&ip), NX_SUCCESS);
  CHECK_STATUS(nx_tcp_enable(&ip), NX_ALREADY_ENABLED);
  CHECK_STATUS(nx_tcp_enable(NULL), NX_PTR_ERROR);
  CHECK_STATUS(nx_ip_delete(NULL), NX_PTR_ERROR);
  CHECK_STATUS(nx_ip_delete(&ip), NX_SUCCESS);
  CHECK_STATUS(nx_ip_delete(&ip), NX_PTR_ERROR);
  CHECK_STATUS(nx_packet_pool_delete(&pool), NX_SUCCESS);
}

/* IP_ADDRESS packs host byte order; the status values are NetX Duo's. */
static void constants_match_netx(void) {
  CHECK_UINT(IP_ADDRESS(1, 2, 3, 4), 0x01020304UL);
  CHECK_UINT(NX_IPv4_TCP_PACKET, 56);
  CHECK_UINT(NX_IPv6_TCP_PACKET, 76);
  CHECK_UINT(NX_NO_PACKET, 0x01);
  CHECK_UINT(NX_PTR_ERROR, 0x07);
  CHECK_UINT(NX_NOT_CONNECTED, 0x38);
  CHECK_UINT(NX_POP3_PARAM_ERROR, 0xB1);
  CHECK_UINT(NX_POP3_INVALID_MAIL_ITEM, 0xB2);
  CHECK_UINT(NX_POP3_SERVER_ERROR_STATUS, 0xB4);
  CHECK_UINT(NX_POP3_INSUFFICIENT_PACKET_PAYLOAD, 0xB6);
  CHECK_UINT(NX_POP3_CLIENT_INVALID_STATE, 0xB7);
  CHECK_UINT(NX_POP3_CLIENT_INVALID_INDEX, 0xB8);
  CHECK_UINT(NX_POP3_MAX_USERNAME, 40);
  CHECK_UINT(NX_POP3_MAX_PASSWORD, 20);
  /* This build's timeouts (tests/netx/CMakeLists.txt). */
  CHECK_UINT(NX_POP3_SERVER_REPLY_TIMEOUT, NX_IP_PERIODIC_RATE / 2);
  CHECK_UINT(NX_POP3_CLIENT_PACKET_TIMEOUT, NX_IP_PERIODIC_RATE / 5);
}

static const netx_test tests[] = {
    NETX_TEST(pool_create_carves_packets),
    NETX_TEST(pool_create_errors),
    NETX_TEST(packet_allocate_and_release),
    NETX_TEST(packet_data_retrieve_and_length_get),
    NETX_TEST(packet_allocate_waits_for_release),
    NETX_TEST(ip_create_delete_and_tcp_enable),
    NETX_TEST(constants_match_netx),
};

NETX_TEST_MAIN(tests)
