/*
 * A NetX Duo POP3 Client application, as one is written against the NetX documentation:
 * a packet pool, an IP instance with TCP, nx_pop3_client_create with APOP, count the
 * maildrop, retrieve every message packet by packet, delete it, QUIT, delete the client.
 * Built against pop3::netx it runs on the host; compiled with NX_POP3_CLIENT_DECODED_BODY it
 * receives the messages dot-unstuffed and without the terminator.
 *
 * usage: netx_client SERVER_IPV4 PORT USER APOP(0|1) OUTPUT_DIR   (password in POP3_PASSWORD)
 * Writes message N to OUTPUT_DIR/N.eml exactly as its packets delivered it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nx_api.h"
#include "nxd_pop3_client.h"

#define PAYLOAD_SIZE 500
#define PACKETS 8

static NX_PACKET_POOL pool;
static NX_IP ip;
static NX_POP3_CLIENT client;
static ULONG pool_memory[PACKETS * (PAYLOAD_SIZE + sizeof(NX_PACKET)) / sizeof(ULONG) + 8];

static int parse_ipv4(const char* text, ULONG* address) {
  unsigned a, b, c, d;
  if (sscanf(text, "%u.%u.%u.%u", &a, &b, &c, &d) != 4 || a > 255 || b > 255 || c > 255 || d > 255)
    return 0;
  *address = IP_ADDRESS(a, b, c, d);
  return 1;
}

/* Receives the message started by nx_pop3_client_mail_item_get into `file`. */
static UINT receive_message(FILE* file, ULONG* total, UINT* packets) {
  UINT final_packet = NX_FALSE;
  *total = 0;
  *packets = 0;
  do {
    NX_PACKET* packet;
    ULONG bytes;
    UINT status = nx_pop3_client_mail_item_message_get(&client, &packet, &bytes, &final_packet);
    if (status != NX_SUCCESS) return status;
    /* bytes is 0 for a final packet holding only the terminator; its length is still its data */
    if (fwrite(packet->nx_packet_prepend_ptr, 1, packet->nx_packet_length, file) !=
        packet->nx_packet_length) {
      nx_packet_release(packet);
      return NX_POP3_MAIL_BUFFER_OVERFLOW;
    }
    *total += bytes;
    (*packets)++;
    nx_packet_release(packet);
  } while (final_packet == NX_FALSE);
  return NX_SUCCESS;
}

int main(int argc, char** argv) {
  ULONG server, port, total_size, item_size;
  UINT status, items, i;
  const char* password = getenv("POP3_PASSWORD");
  if (argc != 6 || !password || !parse_ipv4(argv[1], &server)) {
    fprintf(stderr, "usage: netx_client SERVER_IPV4 PORT USER APOP(0|1) OUTPUT_DIR\n");
    return 64;
  }
  port = strtoul(argv[2], NULL, 10);

  status = nx_packet_pool_create(&pool, "POP3 client pool", PAYLOAD_SIZE, pool_memory,
                                 sizeof pool_memory);
  if (status == NX_SUCCESS)
    status = nx_ip_create(&ip, "POP3 client IP", IP_ADDRESS(127, 0, 0, 1), 0xFF000000UL, &pool,
                          NX_NULL, NX_NULL, 0, 1);
  if (status == NX_SUCCESS) status = nx_tcp_enable(&ip);
  if (status != NX_SUCCESS) {
    fprintf(stderr, "NetX setup failed: 0x%02X\n", status);
    return 1;
  }

  status = nx_pop3_client_create(&client, (UINT)atoi(argv[4]), &ip, &pool, server, port, argv[3],
                                 (CHAR*)password);
  if (status != NX_SUCCESS) {
    fprintf(stderr, "create failed: 0x%02X\n", status);
    nx_pop3_client_delete(&client);
    return 1;
  }
  status = nx_pop3_client_mail_items_get(&client, &items, &total_size);
  if (status != NX_SUCCESS) {
    fprintf(stderr, "STAT failed: 0x%02X\n", status);
    nx_pop3_client_delete(&client);
    return 1;
  }
  printf("%u messages, %lu octets\n", items, total_size);

  for (i = 1; i <= items; i++) {
    char path[4096];
    FILE* file;
    ULONG received;
    UINT packets;
    status = nx_pop3_client_mail_item_get(&client, i, &item_size);
    if (status != NX_SUCCESS) break;
    snprintf(path, sizeof path, "%s/%u.eml", argv[5], i);
    file = fopen(path, "wb");
    if (!file) {
      status = NX_POP3_MAIL_BUFFER_OVERFLOW;
      break;
    }
    status = receive_message(file, &received, &packets);
    if (fclose(file) != 0 && status == NX_SUCCESS) status = NX_POP3_MAIL_BUFFER_OVERFLOW;
    if (status != NX_SUCCESS) break;
    printf("message %u: %lu octets announced, %lu received in %u packets\n", i, item_size, received,
           packets);
    status = nx_pop3_client_mail_item_delete(&client, i);
    if (status != NX_SUCCESS) break;
  }
  if (status != NX_SUCCESS) {
    fprintf(stderr, "retrieval failed at message %u: 0x%02X\n", i, status);
    nx_pop3_client_delete(&client); /* no QUIT: nothing is deleted */
    return 1;
  }
  status = nx_pop3_client_quit(&client);
  nx_pop3_client_delete(&client);
  nx_ip_delete(&ip);
  nx_packet_pool_delete(&pool);
  if (status != NX_SUCCESS) {
    fprintf(stderr, "QUIT failed: 0x%02X\n", status);
    return 1;
  }
  return 0;
}
