/*
 * create_errors_test.c — every status nx_pop3_client_create and nxd_pop3_client_create can
 * return, each provoked: pointer and parameter checks, TCP not enabled, connection refused or
 * lost, the server's -ERR to the greeting, USER or PASS, a command that does not fit the
 * pool's packets, no packet, no greeting.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "check.h"
#include "closed_port.h"
#include "netx_fixture.h"
#include "script_server.h"

#define LOOPBACK IP_ADDRESS(127, 0, 0, 1)

/* NULL for each pointer parameter, with every other argument valid (the port refuses, so a
   check that let a call through would give NX_NOT_CONNECTED, not NX_PTR_ERROR). */
static void create_null_pointers(void) {
  netx_fixture fixture;
  closed_port closed;
  NXD_ADDRESS address;
  NX_POP3_CLIENT* client = &fixture.client;
  ULONG port;
  fixture_setup(&fixture, DEFAULT_PAYLOAD_SIZE, DEFAULT_PACKET_COUNT);
  closed_port_open(&closed, AF_INET);
  port = closed.port;
  address.nxd_ip_version = NX_IP_VERSION_V4;
  address.nxd_ip_address.v4 = LOOPBACK;

  CHECK_STATUS(nx_pop3_client_create(NULL, NX_FALSE, &fixture.ip, &fixture.pool, LOOPBACK, port,
                                     TEST_USER, TEST_PASSWORD),
               NX_PTR_ERROR);
  CHECK_STATUS(nx_pop3_client_create(client, NX_FALSE, NULL, &fixture.pool, LOOPBACK, port,
                                     TEST_USER, TEST_PASSWORD),
               NX_PTR_ERROR);
  CHECK_STATUS(nx_pop3_client_create(client, NX_FALSE, &fixture.ip, NULL, LOOPBACK, port, TEST_USER,
                                     TEST_PASSWORD),
               NX_PTR_ERROR);
  CHECK_STATUS(nx_pop3_client_create(client, NX_FALSE, &fixture.ip, &fixture.pool, LOOPBACK, port,
                                     NULL, TEST_PASSWORD),
               NX_PTR_ERROR);
  CHECK_STATUS(nx_pop3_client_create(client, NX_FALSE, &fixture.ip, &fixture.pool, LOOPBACK, port,
                                     TEST_USER, NULL),
               NX_PTR_ERROR);

  CHECK_STATUS(nxd_pop3_client_create(NULL, NX_FALSE, &fixture.ip, &fixture.pool, &address, port,
                                      TEST_USER, TEST_PASSWORD),
               NX_PTR_ERROR);
  CHECK_STATUS(nxd_pop3_client_create(client, NX_FALSE, NULL, &fixture.pool, &address, port,
                                      TEST_USER, TEST_PASSWORD),
               NX_PTR_ERROR);
  CHECK_STATUS(nxd_pop3_client_create(client, NX_FALSE, &fixture.ip, NULL, &address, port,
                                      TEST_USER, TEST_PASSWORD),
               NX_PTR_ERROR);
  CHECK_STATUS(nxd_pop3_client_create(client, NX_FALSE, &fixture.ip, &fixture.pool, NULL, port,
                                      TEST_USER, TEST_PASSWORD),
               NX_PTR_ERROR);
  CHECK_STATUS(nxd_pop3_client_create(client, NX_FALSE, &fixture.ip, &fixture.pool, &address, port,
                                      NULL, TEST_PASSWORD),
               NX_PTR_ERROR);
  CHECK_STATUS(nxd_pop3_client_create(client, NX_FALSE, &fixture.ip, &fixture.pool, &address, port,
                                      TEST_USER, NULL),
               NX_PTR_ERROR);

  /* Pointers are checked before parameters: a NULL name with port 0 is a pointer error. */
  CHECK_STATUS(nx_pop3_client_create(client, NX_FALSE, &fixture.ip, &fixture.pool, LOOPBACK, 0,
                                     NULL, TEST_PASSWORD),
               NX_PTR_ERROR);
  CHECK_STATUS(nxd_pop3_client_create(client, NX_FALSE, &fixture.ip, &fixture.pool, NULL, 0,
                                      TEST_USER, TEST_PASSWORD),
               NX_PTR_ERROR);
  closed_port_close(&closed);
  fixture_teardown(&fixture);
}

/* nx_pop3_client_create with these arguments must return NX_POP3_PARAM_ERROR; then
   nx_pop3_client_delete must be safe. */
static void check_param_error(netx_fixture* fixture, NX_IP* ip, ULONG address, ULONG port,
                              const char* name, const char* password, int line) {
  UINT status = nx_pop3_client_create(&fixture->client, NX_FALSE, ip, &fixture->pool, address, port,
                                      (CHAR*)name, (CHAR*)password);
  if (status != NX_POP3_PARAM_ERROR)
    check_failed(__FILE__, line, "nx_pop3_client_create returned %s, expected %s",
                 status_name(status), "NX_POP3_PARAM_ERROR (0xB1)");
  CHECK_STATUS(nx_pop3_client_delete(&fixture->client), NX_SUCCESS);
}

#define CHECK_PARAM_ERROR(fixture, ip, address, port, name, password) \
  check_param_error(fixture, ip, address, port, name, password, __LINE__)

static void create_param_errors(void) {
  char long_name[NX_POP3_MAX_USERNAME + 2];
  char long_password[NX_POP3_MAX_PASSWORD + 2];
  netx_fixture fixture;
  NX_IP not_created;
  NXD_ADDRESS address;
  closed_port closed;
  ULONG port;
  fixture_setup(&fixture, DEFAULT_PAYLOAD_SIZE, DEFAULT_PACKET_COUNT);
  closed_port_open(&closed, AF_INET);
  port = closed.port;
  memset(&not_created, 0, sizeof(not_created));
  memset(long_name, 'n', sizeof(long_name) - 1);
  long_name[sizeof(long_name) - 1] = '\0';
  memset(long_password, 'p', sizeof(long_password) - 1);
  long_password[sizeof(long_password) - 1] = '\0';

  CHECK_PARAM_ERROR(&fixture, &not_created, LOOPBACK, port, TEST_USER, TEST_PASSWORD);
  CHECK_PARAM_ERROR(&fixture, &fixture.ip, 0, port, TEST_USER, TEST_PASSWORD);
  CHECK_PARAM_ERROR(&fixture, &fixture.ip, LOOPBACK, 0, TEST_USER, TEST_PASSWORD);
  CHECK_PARAM_ERROR(&fixture, &fixture.ip, LOOPBACK, port, long_name, TEST_PASSWORD);
  CHECK_PARAM_ERROR(&fixture, &fixture.ip, LOOPBACK, port, TEST_USER, long_password);
  CHECK_PARAM_ERROR(&fixture, &fixture.ip, LOOPBACK, port, "user\r", TEST_PASSWORD);
  CHECK_PARAM_ERROR(&fixture, &fixture.ip, LOOPBACK, port, "us\ner", TEST_PASSWORD);
  CHECK_PARAM_ERROR(&fixture, &fixture.ip, LOOPBACK, port, "user\r\nDELE 1", TEST_PASSWORD);
  CHECK_PARAM_ERROR(&fixture, &fixture.ip, LOOPBACK, port, TEST_USER, "pass\r");
  CHECK_PARAM_ERROR(&fixture, &fixture.ip, LOOPBACK, port, TEST_USER, "\npass");

  /* nxd: a bad IP instance, port 0, an address version that is neither 4 nor 6. */
  address.nxd_ip_version = NX_IP_VERSION_V4;
  address.nxd_ip_address.v4 = LOOPBACK;
  CHECK_STATUS(nxd_pop3_client_create(&fixture.client, NX_FALSE, &not_created, &fixture.pool,
                                      &address, port, TEST_USER, TEST_PASSWORD),
               NX_POP3_PARAM_ERROR);
  CHECK_STATUS(nxd_pop3_client_create(&fixture.client, NX_FALSE, &fixture.ip, &fixture.pool,
                                      &address, 0, TEST_USER, TEST_PASSWORD),
               NX_POP3_PARAM_ERROR);
  address.nxd_ip_version = 5;
  CHECK_STATUS(nxd_pop3_client_create(&fixture.client, NX_FALSE, &fixture.ip, &fixture.pool,
                                      &address, port, TEST_USER, TEST_PASSWORD),
               NX_POP3_PARAM_ERROR);
  address.nxd_ip_version = 0;
  CHECK_STATUS(nxd_pop3_client_create(&fixture.client, NX_FALSE, &fixture.ip, &fixture.pool,
                                      &address, port, TEST_USER, TEST_PASSWORD),
               NX_POP3_PARAM_ERROR);
  address.nxd_ip_version = NX_IP_VERSION_V4;
  CHECK_STATUS(nxd_pop3_client_create(&fixture.client, NX_FALSE, &fixture.ip, &fixture.pool,
                                      &address, port, long_name, TEST_PASSWORD),
               NX_POP3_PARAM_ERROR);
  CHECK_STATUS(nx_pop3_client_delete(&fixture.client), NX_SUCCESS);
  closed_port_close(&closed);
  fixture_teardown(&fixture);
}

/* A name or password that fills its buffer, one octet over the maximum, with no NUL: refused
 * after reading at most that many octets, as the original's check does (ASan builds catch a
 * read past the end). */
static void create_full_buffers_without_nul(void) {
  netx_fixture fixture;
  closed_port closed;
  char* name = malloc(NX_POP3_MAX_USERNAME + 1);
  char* password = malloc(NX_POP3_MAX_PASSWORD + 1);
  CHECK(name != NULL && password != NULL);
  memset(name, 'n', NX_POP3_MAX_USERNAME + 1);
  memset(password, 'p', NX_POP3_MAX_PASSWORD + 1);
  fixture_setup(&fixture, DEFAULT_PAYLOAD_SIZE, DEFAULT_PACKET_COUNT);
  closed_port_open(&closed, AF_INET);
  CHECK_PARAM_ERROR(&fixture, &fixture.ip, LOOPBACK, closed.port, name, TEST_PASSWORD);
  CHECK_PARAM_ERROR(&fixture, &fixture.ip, LOOPBACK, closed.port, TEST_USER, password);
  closed_port_close(&closed);
  fixture_teardown(&fixture);
  free(name);
  free(password);
}

/* A name of exactly NX_POP3_MAX_USERNAME characters and a password of exactly
   NX_POP3_MAX_PASSWORD are accepted and sent whole. */
static void create_name_and_password_of_maximum_length(void) {
  char name[NX_POP3_MAX_USERNAME + 1], password[NX_POP3_MAX_PASSWORD + 1];
  char user_command[NX_POP3_MAX_USERNAME + 8], pass_command[NX_POP3_MAX_PASSWORD + 8];
  netx_fixture fixture;
  script_server* server = script_server_create(AF_INET);
  memset(name, 'n', NX_POP3_MAX_USERNAME);
  name[NX_POP3_MAX_USERNAME] = '\0';
  memset(password, 'p', NX_POP3_MAX_PASSWORD);
  password[NX_POP3_MAX_PASSWORD] = '\0';
  strcat(strcat(strcpy(user_command, "USER "), name), "\r\n");
  strcat(strcat(strcpy(pass_command, "PASS "), password), "\r\n");
  script_send(server, TEST_GREETING);
  script_expect(server, user_command);
  script_send(server, "+OK\r\n");
  script_expect(server, pass_command);
  script_send(server, "+OK\r\n");
  script_quit(server);
  script_server_start(server);

  fixture_setup(&fixture, DEFAULT_PAYLOAD_SIZE, DEFAULT_PACKET_COUNT);
  CHECK_STATUS(fixture_create_client(&fixture, server, NX_FALSE, name, password), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_quit(&fixture.client), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_delete(&fixture.client), NX_SUCCESS);
  CHECK_SCRIPT(server);
  script_server_destroy(server);
  fixture_teardown(&fixture);
}

static void create_tcp_not_enabled(void) {
  netx_fixture fixture;
  closed_port closed;
  closed_port_open(&closed, AF_INET);
  fixture_setup_without_tcp(&fixture, DEFAULT_PAYLOAD_SIZE, DEFAULT_PACKET_COUNT);
  CHECK_STATUS(nx_pop3_client_create(&fixture.client, NX_FALSE, &fixture.ip, &fixture.pool,
                                     LOOPBACK, closed.port, TEST_USER, TEST_PASSWORD),
               NX_NOT_ENABLED);
  CHECK_STATUS(nx_pop3_client_delete(&fixture.client), NX_SUCCESS);
  closed_port_close(&closed);
  fixture_teardown(&fixture);
}

static void create_connection_refused(void) {
  netx_fixture fixture;
  closed_port closed;
  closed_port_open(&closed, AF_INET);
  fixture_setup(&fixture, DEFAULT_PAYLOAD_SIZE, DEFAULT_PACKET_COUNT);
  CHECK_STATUS(nx_pop3_client_create(&fixture.client, NX_FALSE, &fixture.ip, &fixture.pool,
                                     LOOPBACK, closed.port, TEST_USER, TEST_PASSWORD),
               NX_NOT_CONNECTED);
  CHECK_STATUS(nx_pop3_client_delete(&fixture.client), NX_SUCCESS);
  closed_port_close(&closed);
  fixture_teardown(&fixture);
}

/* The server accepts and closes at once: the connection is lost before the greeting. */
static void create_connection_closed_before_greeting(void) {
  netx_fixture fixture;
  script_server* server = script_server_create(AF_INET);
  script_close(server);
  script_server_start(server);
  fixture_setup(&fixture, DEFAULT_PAYLOAD_SIZE, DEFAULT_PACKET_COUNT);
  CHECK_STATUS(fixture_login(&fixture, server), NX_NOT_CONNECTED);
  CHECK_STATUS(nx_pop3_client_delete(&fixture.client), NX_SUCCESS);
  CHECK_SCRIPT(server);
  CHECK_RECEIVED(server, "");
  script_server_destroy(server);
  fixture_teardown(&fixture);
}

/* No greeting within NX_POP3_SERVER_REPLY_TIMEOUT. */
static void create_greeting_timeout(void) {
  netx_fixture fixture;
  script_server* server = script_server_create(AF_INET);
  script_wait_gate(server);
  script_expect_close(server);
  script_server_start(server);
  fixture_setup(&fixture, DEFAULT_PAYLOAD_SIZE, DEFAULT_PACKET_COUNT);
  CHECK_STATUS(fixture_login(&fixture, server), NX_NO_PACKET);
  script_server_open_gate(server);
  CHECK_STATUS(nx_pop3_client_delete(&fixture.client), NX_SUCCESS);
  CHECK_SCRIPT(server);
  CHECK_RECEIVED(server, "");
  script_server_destroy(server);
  fixture_teardown(&fixture);
}

/* The server's -ERR at each step of the login: create fails with
   NX_POP3_SERVER_ERROR_STATUS and closes the connection without another command. */
static void run_rejected_login(const char* const steps[], size_t count,
                               const char* expected_commands) {
  netx_fixture fixture;
  script_server* server = script_server_create(AF_INET);
  size_t i;
  for (i = 0; i < count; ++i) {
    if (i % 2 == 0)
      script_send(server, steps[i]);
    else
      script_expect(server, steps[i]);
  }
  script_expect_close(server);
  script_server_start(server);
  fixture_setup(&fixture, DEFAULT_PAYLOAD_SIZE, DEFAULT_PACKET_COUNT);
  CHECK_STATUS(fixture_login(&fixture, server), NX_POP3_SERVER_ERROR_STATUS);
  CHECK_STATUS(nx_pop3_client_delete(&fixture.client), NX_SUCCESS);
  CHECK_SCRIPT(server);
  CHECK_RECEIVED(server, expected_commands);
  script_server_destroy(server);
  fixture_teardown(&fixture);
}

static void create_greeting_rejected(void) {
  static const char* const steps[] = {"-ERR too busy\r\n"};
  run_rejected_login(steps, 1, "");
}

/* The check is case-sensitive: "+ok" is not "+OK". */
static void create_greeting_lowercase_ok(void) {
  static const char* const steps[] = {"+ok ready\r\n"};
  run_rejected_login(steps, 1, "");
}

static void create_user_rejected(void) {
  static const char* const steps[] = {TEST_GREETING, "USER " TEST_USER "\r\n",
                                      "-ERR no such user\r\n"};
  run_rejected_login(steps, 3, "USER " TEST_USER "\r\n");
}

/* The original returned NX_SUCCESS here. */
static void create_pass_rejected(void) {
  static const char* const steps[] = {TEST_GREETING, "USER " TEST_USER "\r\n", "+OK\r\n",
                                      "PASS " TEST_PASSWORD "\r\n", "-ERR invalid password\r\n"};
  run_rejected_login(steps, 5, TEST_LOGIN_COMMANDS);
}

/* "USER recipient@domain.com\r\n" is 27 bytes: with the 56 bytes NX_IPv4_TCP_PACKET reserves,
   it does not fit a payload of 83 or less (the original's check: room + length >= payload). */
static void run_insufficient_payload(ULONG payload_size) {
  netx_fixture fixture;
  script_server* server = script_server_create(AF_INET);
  script_send(server, TEST_GREETING);
  script_expect_close(server);
  script_server_start(server);
  fixture_setup(&fixture, payload_size, 4);
  CHECK_STATUS(fixture_login(&fixture, server), NX_POP3_INSUFFICIENT_PACKET_PAYLOAD);
  CHECK_STATUS(nx_pop3_client_delete(&fixture.client), NX_SUCCESS);
  CHECK_SCRIPT(server);
  CHECK_RECEIVED(server, "");
  script_server_destroy(server);
  fixture_teardown(&fixture);
}

static void create_insufficient_packet_payload(void) {
  CHECK_UINT(strlen("USER " TEST_USER "\r\n"), 27);
  run_insufficient_payload(60);
  run_insufficient_payload(NX_IPv4_TCP_PACKET + 26);
  run_insufficient_payload(NX_IPv4_TCP_PACKET + 27);
}

/* One byte more and the whole session works. */
static void create_command_fits_packet_payload(void) {
  netx_fixture fixture;
  script_server* server = script_server_create(AF_INET);
  UINT items = 0;
  ULONG total_size = 0;
  script_login(server);
  script_stat(server, 0, 0);
  script_quit(server);
  script_server_start(server);
  fixture_setup(&fixture, NX_IPv4_TCP_PACKET + 28, 4);
  CHECK_STATUS(fixture_login(&fixture, server), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_mail_items_get(&fixture.client, &items, &total_size), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_quit(&fixture.client), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_delete(&fixture.client), NX_SUCCESS);
  CHECK_SCRIPT(server);
  script_server_destroy(server);
  fixture_teardown(&fixture);
}

/* Every packet of the pool is held by the application: USER gets no packet within
   NX_POP3_CLIENT_PACKET_TIMEOUT. */
static void create_no_packet_for_command(void) {
  enum { packet_count = 3 };
  netx_fixture fixture;
  script_server* server = script_server_create(AF_INET);
  NX_PACKET* held[packet_count];
  size_t i;
  script_send(server, TEST_GREETING);
  script_expect_close(server);
  script_server_start(server);
  fixture_setup(&fixture, DEFAULT_PAYLOAD_SIZE, packet_count);
  for (i = 0; i < packet_count; ++i)
    CHECK_STATUS(nx_packet_allocate(&fixture.pool, &held[i], NX_RECEIVE_PACKET, NX_NO_WAIT),
                 NX_SUCCESS);
  CHECK_STATUS(fixture_login(&fixture, server), NX_NO_PACKET);
  CHECK_STATUS(nx_pop3_client_delete(&fixture.client), NX_SUCCESS);
  for (i = 0; i < packet_count; ++i)
    CHECK_STATUS(nx_packet_release(held[i]), NX_SUCCESS);
  CHECK_SCRIPT(server);
  CHECK_RECEIVED(server, "");
  script_server_destroy(server);
  fixture_teardown(&fixture);
}

static const netx_test tests[] = {
    NETX_TEST(create_null_pointers),
    NETX_TEST(create_param_errors),
    NETX_TEST(create_full_buffers_without_nul),
    NETX_TEST(create_name_and_password_of_maximum_length),
    NETX_TEST(create_tcp_not_enabled),
    NETX_TEST(create_connection_refused),
    NETX_TEST(create_connection_closed_before_greeting),
    NETX_TEST(create_greeting_timeout),
    NETX_TEST(create_greeting_rejected),
    NETX_TEST(create_greeting_lowercase_ok),
    NETX_TEST(create_user_rejected),
    NETX_TEST(create_pass_rejected),
    NETX_TEST(create_insufficient_packet_payload),
    NETX_TEST(create_command_fits_packet_payload),
    NETX_TEST(create_no_packet_for_command),
};

NETX_TEST_MAIN(tests)
