/*
 * netx_fixture.h — what every POP3 client test sets up: a packet pool, an IP instance with TCP
 * enabled and the client object, plus the login most scripts start with.
 */
#ifndef NETX_TEST_NETX_FIXTURE_H
#define NETX_TEST_NETX_FIXTURE_H

#include "nxd_pop3_client.h"
#include "script_server.h"

/* The credentials of the original's regression tests. */
#define TEST_USER "recipient@domain.com"
#define TEST_PASSWORD "testpwd"
#define TEST_GREETING "+OK POP3 server ready\r\n"
#define TEST_LOGIN_COMMANDS "USER " TEST_USER "\r\nPASS " TEST_PASSWORD "\r\n"

/* The original's tests use packets of 1514 bytes; 16 of them leave room to hold some. */
#define DEFAULT_PAYLOAD_SIZE 1514
#define DEFAULT_PACKET_COUNT 16

typedef struct netx_fixture {
  NX_PACKET_POOL pool;
  NX_IP ip;
  NX_POP3_CLIENT client;
  ULONG payload_size;
} netx_fixture;

/* The memory a pool of packet_count packets of payload_size needs (nx_api.h's formula). */
ULONG pool_memory_size(ULONG payload_size, ULONG packet_count);

/* Creates the pool (exactly packet_count packets, in static memory: one fixture at a time),
   the IP instance and enables TCP. The client object is zeroed. */
void fixture_setup(netx_fixture* fixture, ULONG payload_size, ULONG packet_count);
/* As fixture_setup without nx_tcp_enable. */
void fixture_setup_without_tcp(netx_fixture* fixture, ULONG payload_size, ULONG packet_count);
/* Checks that every packet is back in the pool, then deletes the IP instance and the pool. */
void fixture_teardown(netx_fixture* fixture);

/* nx_pop3_client_create towards the server at 127.0.0.1. */
UINT fixture_create_client(netx_fixture* fixture, const script_server* server, UINT apop,
                           const char* name, const char* password);
/* The same with TEST_USER/TEST_PASSWORD, USER/PASS. */
UINT fixture_login(netx_fixture* fixture, const script_server* server);

/* Script steps of a USER/PASS login as TEST_USER after TEST_GREETING. */
void script_login(script_server* server);
/* Script steps of STAT answered "+OK <count> <size>". */
void script_stat(script_server* server, unsigned count, unsigned long size);
/* Script steps of QUIT answered "+OK", then the client closes. */
void script_quit(script_server* server);

#endif /* NETX_TEST_NETX_FIXTURE_H */
