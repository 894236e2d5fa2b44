/*
 * command_errors_test.c — the statuses of the services after login: pointer checks, index 0,
 * indexes above the STAT count, the server's -ERR or a malformed reply to each command,
 * message_get out of a download, and the services once the connection is gone.
 */
#include <string.h>
#include <sys/socket.h>

#include "check.h"
#include "message_download.h"
#include "netx_fixture.h"
#include "script_server.h"

/* A logged-in client whose server then runs the rest of the script. */
typedef struct session {
  netx_fixture fixture;
  script_server* server;
} session;

static void session_script(session* s) {
  s->server = script_server_create(AF_INET);
  script_login(s->server);
}

static NX_POP3_CLIENT* session_start(session* s) {
  script_server_start(s->server);
  fixture_setup(&s->fixture, DEFAULT_PAYLOAD_SIZE, DEFAULT_PACKET_COUNT);
  CHECK_STATUS(fixture_login(&s->fixture, s->server), NX_SUCCESS);
  return &s->fixture.client;
}

/* Deletes the client and checks the script; expected_commands: everything the client sent,
   or NULL. The client never connects a second time here. */
static void session_end(session* s, const char* expected_commands) {
  CHECK_STATUS(nx_pop3_client_delete(&s->fixture.client), NX_SUCCESS);
  CHECK_SCRIPT(s->server);
  CHECK_UINT(script_server_connections(s->server), 1);
  if (expected_commands != NULL) CHECK_RECEIVED(s->server, expected_commands);
  script_server_destroy(s->server);
  fixture_teardown(&s->fixture);
}

/* NULL for each pointer parameter of each service (checking forms): NX_PTR_ERROR, nothing
   sent, and the session goes on. */
static void services_null_pointers(void) {
  session s;
  NX_POP3_CLIENT* client;
  NX_PACKET* packet;
  UINT items, final_packet;
  ULONG size, bytes;
  session_script(&s);
  script_stat(s.server, 1, 100);
  script_quit(s.server);
  client = session_start(&s);

  CHECK_STATUS(nx_pop3_client_mail_items_get(NULL, &items, &size), NX_PTR_ERROR);
  CHECK_STATUS(nx_pop3_client_mail_items_get(client, NULL, &size), NX_PTR_ERROR);
  CHECK_STATUS(nx_pop3_client_mail_items_get(client, &items, NULL), NX_PTR_ERROR);
  CHECK_STATUS(nx_pop3_client_mail_item_size_get(NULL, 1, &size), NX_PTR_ERROR);
  CHECK_STATUS(nx_pop3_client_mail_item_size_get(client, 1, NULL), NX_PTR_ERROR);
  CHECK_STATUS(nx_pop3_client_mail_item_get(NULL, 1, &size), NX_PTR_ERROR);
  CHECK_STATUS(nx_pop3_client_mail_item_get(client, 1, NULL), NX_PTR_ERROR);
  CHECK_STATUS(_nxe_pop3_client_mail_item_decoded_get(NULL, 1, &size), NX_PTR_ERROR);
  CHECK_STATUS(_nxe_pop3_client_mail_item_decoded_get(client, 1, NULL), NX_PTR_ERROR);
  CHECK_STATUS(nx_pop3_client_mail_item_message_get(NULL, &packet, &bytes, &final_packet),
               NX_PTR_ERROR);
  CHECK_STATUS(nx_pop3_client_mail_item_message_get(client, NULL, &bytes, &final_packet),
               NX_PTR_ERROR);
  CHECK_STATUS(nx_pop3_client_mail_item_message_get(client, &packet, NULL, &final_packet),
               NX_PTR_ERROR);
  CHECK_STATUS(nx_pop3_client_mail_item_message_get(client, &packet, &bytes, NULL), NX_PTR_ERROR);
  CHECK_STATUS(nx_pop3_client_mail_item_delete(NULL, 1), NX_PTR_ERROR);
  CHECK_STATUS(nx_pop3_client_quit(NULL), NX_PTR_ERROR);
  CHECK_STATUS(nx_pop3_client_delete(NULL), NX_PTR_ERROR);
  /* Pointers first, then the index. */
  CHECK_STATUS(nx_pop3_client_mail_item_size_get(client, 0, NULL), NX_PTR_ERROR);
  CHECK_STATUS(nx_pop3_client_mail_item_get(client, 0, NULL), NX_PTR_ERROR);
  CHECK_STATUS(nx_pop3_client_mail_item_delete(NULL, 0), NX_PTR_ERROR);

  CHECK_STATUS(nx_pop3_client_mail_items_get(client, &items, &size), NX_SUCCESS);
  CHECK_UINT(items, 1);
  CHECK_UINT(size, 100);
  CHECK_STATUS(nx_pop3_client_quit(client), NX_SUCCESS);
  session_end(&s, TEST_LOGIN_COMMANDS "STAT\r\nQUIT\r\n");
}

/* Index 0 (checking forms): NX_POP3_CLIENT_INVALID_INDEX, before and after STAT. */
static void services_index_zero(void) {
  session s;
  NX_POP3_CLIENT* client;
  UINT items;
  ULONG size = 99;
  session_script(&s);
  script_stat(s.server, 3, 300);
  script_quit(s.server);
  client = session_start(&s);
  CHECK_STATUS(nx_pop3_client_mail_item_size_get(client, 0, &size), NX_POP3_CLIENT_INVALID_INDEX);
  CHECK_UINT(size, 0); /* "*size is 0 unless NX_SUCCESS" */
  CHECK_STATUS(nx_pop3_client_mail_item_get(client, 0, &size), NX_POP3_CLIENT_INVALID_INDEX);
  CHECK_STATUS(_nxe_pop3_client_mail_item_decoded_get(client, 0, &size),
               NX_POP3_CLIENT_INVALID_INDEX);
  CHECK_STATUS(nx_pop3_client_mail_item_delete(client, 0), NX_POP3_CLIENT_INVALID_INDEX);
  CHECK_STATUS(nx_pop3_client_mail_items_get(client, &items, &size), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_mail_item_size_get(client, 0, &size), NX_POP3_CLIENT_INVALID_INDEX);
  CHECK_STATUS(nx_pop3_client_mail_item_get(client, 0, &size), NX_POP3_CLIENT_INVALID_INDEX);
  CHECK_STATUS(nx_pop3_client_mail_item_delete(client, 0), NX_POP3_CLIENT_INVALID_INDEX);
  CHECK_STATUS(nx_pop3_client_quit(client), NX_SUCCESS);
  session_end(&s, TEST_LOGIN_COMMANDS "STAT\r\nQUIT\r\n");
}

/* Before any STAT the count is 0: index 1 is above it, and nothing is sent. */
static void services_invalid_mail_item_before_stat(void) {
  session s;
  NX_POP3_CLIENT* client;
  ULONG size = 99, item_size = 99;
  session_script(&s);
  script_quit(s.server);
  client = session_start(&s);
  CHECK_STATUS(nx_pop3_client_mail_item_size_get(client, 1, &size), NX_POP3_INVALID_MAIL_ITEM);
  CHECK_UINT(size, 0);
  CHECK_STATUS(nx_pop3_client_mail_item_get(client, 1, &item_size), NX_POP3_INVALID_MAIL_ITEM);
  CHECK_STATUS(_nxe_pop3_client_mail_item_decoded_get(client, 1, &item_size),
               NX_POP3_INVALID_MAIL_ITEM);
  CHECK_STATUS(nx_pop3_client_mail_item_delete(client, 1), NX_POP3_INVALID_MAIL_ITEM);
  CHECK_STATUS(nx_pop3_client_quit(client), NX_SUCCESS);
  session_end(&s, TEST_LOGIN_COMMANDS "QUIT\r\n");
}

/* Above the STAT count (DELE included, which the original sent anyway); at the count the
   commands go out. */
static void services_invalid_mail_item_above_count(void) {
  session s;
  NX_POP3_CLIENT* client;
  UINT items;
  ULONG size = 99, total;
  session_script(&s);
  script_stat(s.server, 2, 300);
  script_expect(s.server, "LIST 2\r\n");
  script_send(s.server, "+OK 2 120\r\n");
  script_expect(s.server, "DELE 2\r\n");
  script_send(s.server, "+OK deleted\r\n");
  script_quit(s.server);
  client = session_start(&s);
  CHECK_STATUS(nx_pop3_client_mail_items_get(client, &items, &total), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_mail_item_size_get(client, 3, &size), NX_POP3_INVALID_MAIL_ITEM);
  CHECK_UINT(size, 0);
  CHECK_STATUS(nx_pop3_client_mail_item_get(client, 3, &size), NX_POP3_INVALID_MAIL_ITEM);
  CHECK_STATUS(nx_pop3_client_mail_item_delete(client, 3), NX_POP3_INVALID_MAIL_ITEM);
  CHECK_STATUS(nx_pop3_client_mail_item_delete(client, 1000000000), NX_POP3_INVALID_MAIL_ITEM);
  CHECK_STATUS(nx_pop3_client_mail_item_size_get(client, 2, &size), NX_SUCCESS);
  CHECK_UINT(size, 120);
  CHECK_STATUS(nx_pop3_client_mail_item_delete(client, 2), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_quit(client), NX_SUCCESS);
  session_end(&s, TEST_LOGIN_COMMANDS "STAT\r\nLIST 2\r\nDELE 2\r\nQUIT\r\n");
}

/* Multi-digit indexes go out in full. (65536: the implementation takes a larger STAT count
   for a malformed reply, which the header does not say.) */
static void large_indexes_on_the_wire(void) {
  session s;
  NX_POP3_CLIENT* client;
  UINT items;
  ULONG total, size;
  session_script(&s);
  script_stat(s.server, 65536, 4000000000UL);
  script_expect(s.server, "LIST 65536\r\n");
  script_send(s.server, "+OK 65536 4000000000\r\n");
  script_expect(s.server, "DELE 65535\r\n");
  script_send(s.server, "+OK\r\n");
  script_quit(s.server);
  client = session_start(&s);
  CHECK_STATUS(nx_pop3_client_mail_items_get(client, &items, &total), NX_SUCCESS);
  CHECK_UINT(items, 65536);
  CHECK_UINT(total, 4000000000UL);
  CHECK_STATUS(nx_pop3_client_mail_item_size_get(client, 65536, &size), NX_SUCCESS);
  CHECK_UINT(size, 4000000000UL);
  CHECK_STATUS(nx_pop3_client_mail_item_delete(client, 65535), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_quit(client), NX_SUCCESS);
  session_end(&s, NULL);
}

/* STAT -ERR: NX_POP3_SERVER_ERROR_STATUS, both outputs 0, and the remembered count is 0 (index
   1 is then above it); the session goes on. */
static void stat_rejected(void) {
  session s;
  NX_POP3_CLIENT* client;
  UINT items = 99;
  ULONG total = 99, size = 99;
  session_script(&s);
  script_stat(s.server, 2, 200);
  script_expect(s.server, "STAT\r\n");
  script_send(s.server, "-ERR maildrop busy\r\n");
  script_stat(s.server, 2, 200);
  script_quit(s.server);
  client = session_start(&s);
  CHECK_STATUS(nx_pop3_client_mail_items_get(client, &items, &total), NX_SUCCESS);
  CHECK_UINT(items, 2);
  CHECK_UINT(total, 200);
  CHECK_STATUS(nx_pop3_client_mail_items_get(client, &items, &total), NX_POP3_SERVER_ERROR_STATUS);
  CHECK_UINT(items, 0);
  CHECK_UINT(total, 0);
  CHECK_STATUS(nx_pop3_client_mail_item_size_get(client, 1, &size), NX_POP3_INVALID_MAIL_ITEM);
  CHECK_STATUS(nx_pop3_client_mail_items_get(client, &items, &total), NX_SUCCESS);
  CHECK_UINT(items, 2);
  CHECK_STATUS(nx_pop3_client_quit(client), NX_SUCCESS);
  session_end(&s, TEST_LOGIN_COMMANDS "STAT\r\nSTAT\r\nSTAT\r\nQUIT\r\n");
}

/* Malformed STAT replies, each in a session of its own (what the client does with the
   connection afterwards is not specified): NX_POP3_SERVER_ERROR_STATUS, both outputs 0. */
static void stat_malformed(void) {
  static const char* const bad_replies[] = {
      "+OK 4\r\n",
      "+OK\r\n",
      "+OK four 100\r\n",
      "+OK 4 size\r\n",
      "+OK 99999999999999999999999 100\r\n",
      "+OK 4 99999999999999999999999\r\n",
      "OK 4 100\r\n",
  };
  size_t i;
  for (i = 0; i < sizeof(bad_replies) / sizeof(bad_replies[0]); ++i) {
    session s;
    NX_POP3_CLIENT* client;
    UINT items = 99;
    ULONG total = 99;
    char text[128];
    check_set_context("STAT answered \"%s\"",
                      escape_bytes(bad_replies[i], strlen(bad_replies[i]), text, sizeof(text)));
    session_script(&s);
    script_expect(s.server, "STAT\r\n");
    script_send(s.server, bad_replies[i]);
    client = session_start(&s);
    CHECK_STATUS(nx_pop3_client_mail_items_get(client, &items, &total),
                 NX_POP3_SERVER_ERROR_STATUS);
    CHECK_UINT(items, 0);
    CHECK_UINT(total, 0);
    session_end(&s, TEST_LOGIN_COMMANDS "STAT\r\n");
  }
  check_set_context(NULL);
}

/* LIST n -ERR: NX_POP3_SERVER_ERROR_STATUS with *size 0; the session goes on. */
static void list_rejected(void) {
  session s;
  NX_POP3_CLIENT* client;
  UINT items;
  ULONG total, size = 99;
  session_script(&s);
  script_stat(s.server, 2, 200);
  script_expect(s.server, "LIST 1\r\n");
  script_send(s.server, "-ERR no such message\r\n");
  script_expect(s.server, "LIST 1\r\n");
  script_send(s.server, "+OK 1 120\r\n");
  script_quit(s.server);
  client = session_start(&s);
  CHECK_STATUS(nx_pop3_client_mail_items_get(client, &items, &total), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_mail_item_size_get(client, 1, &size), NX_POP3_SERVER_ERROR_STATUS);
  CHECK_UINT(size, 0);
  CHECK_STATUS(nx_pop3_client_mail_item_size_get(client, 1, &size), NX_SUCCESS);
  CHECK_UINT(size, 120);
  CHECK_STATUS(nx_pop3_client_quit(client), NX_SUCCESS);
  session_end(&s, TEST_LOGIN_COMMANDS "STAT\r\nLIST 1\r\nLIST 1\r\nQUIT\r\n");
}

/* LIST 1 answered with another index, no size or a bad one: NX_POP3_SERVER_ERROR_STATUS with
 *size 0, each in a session of its own. */
static void list_malformed(void) {
  static const char* const bad_replies[] = {
      "+OK 2 120\r\n",
      "+OK 1\r\n",
      "+OK 1 big\r\n",
      "+OK 1 99999999999999999999999\r\n",
  };
  size_t i;
  for (i = 0; i < sizeof(bad_replies) / sizeof(bad_replies[0]); ++i) {
    session s;
    NX_POP3_CLIENT* client;
    UINT items;
    ULONG total, size = 99;
    char text[128];
    check_set_context("LIST 1 answered \"%s\"",
                      escape_bytes(bad_replies[i], strlen(bad_replies[i]), text, sizeof(text)));
    session_script(&s);
    script_stat(s.server, 2, 200);
    script_expect(s.server, "LIST 1\r\n");
    script_send(s.server, bad_replies[i]);
    client = session_start(&s);
    CHECK_STATUS(nx_pop3_client_mail_items_get(client, &items, &total), NX_SUCCESS);
    CHECK_STATUS(nx_pop3_client_mail_item_size_get(client, 1, &size), NX_POP3_SERVER_ERROR_STATUS);
    CHECK_UINT(size, 0);
    session_end(&s, TEST_LOGIN_COMMANDS "STAT\r\nLIST 1\r\n");
  }
  check_set_context(NULL);
}

/* RETR -ERR: no download starts (message_get: NX_POP3_CLIENT_INVALID_STATE); the same for the
   decoded form. */
static void retr_rejected(void) {
  session s;
  NX_POP3_CLIENT* client;
  message_download download;
  UINT items;
  ULONG total, item_size;
  session_script(&s);
  script_stat(s.server, 2, 200);
  script_expect(s.server, "RETR 1\r\n");
  script_send(s.server, "-ERR no such message\r\n");
  script_expect(s.server, "RETR 2\r\n");
  script_send(s.server, "-ERR no such message\r\n");
  script_quit(s.server);
  client = session_start(&s);
  CHECK_STATUS(nx_pop3_client_mail_items_get(client, &items, &total), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_mail_item_get(client, 1, &item_size), NX_POP3_SERVER_ERROR_STATUS);
  message_download_start(&download, body_raw, s.fixture.payload_size);
  CHECK_STATUS(message_download_step(&download, client), NX_POP3_CLIENT_INVALID_STATE);
  CHECK_STATUS(_nxe_pop3_client_mail_item_decoded_get(client, 2, &item_size),
               NX_POP3_SERVER_ERROR_STATUS);
  CHECK_STATUS(message_download_step(&download, client), NX_POP3_CLIENT_INVALID_STATE);
  CHECK_STATUS(nx_pop3_client_quit(client), NX_SUCCESS);
  session_end(&s, NULL);
}

/* The octets of RETR's +OK: "+OK 120 octets" -> 120, "+OK" alone -> 0. */
static void retr_announced_size(void) {
  session s;
  NX_POP3_CLIENT* client;
  message_download download;
  UINT items;
  ULONG total, item_size = 99;
  session_script(&s);
  script_stat(s.server, 2, 200);
  script_expect(s.server, "RETR 1\r\n");
  script_send(s.server, "+OK 120 octets\r\nhello\r\n.\r\n");
  script_expect(s.server, "RETR 2\r\n");
  script_send(s.server, "+OK\r\nhello\r\n.\r\n");
  script_quit(s.server);
  client = session_start(&s);
  CHECK_STATUS(nx_pop3_client_mail_items_get(client, &items, &total), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_mail_item_get(client, 1, &item_size), NX_SUCCESS);
  CHECK_UINT(item_size, 120);
  message_download_start(&download, body_raw, s.fixture.payload_size);
  CHECK_STATUS(message_download_all(&download, client), NX_SUCCESS);
  CHECK_TEXT(download.data, download.length, "hello\r\n.\r\n");
  CHECK_STATUS(nx_pop3_client_mail_item_get(client, 2, &item_size), NX_SUCCESS);
  CHECK_UINT(item_size, 0);
  message_download_start(&download, body_raw, s.fixture.payload_size);
  CHECK_STATUS(message_download_all(&download, client), NX_SUCCESS);
  CHECK_TEXT(download.data, download.length, "hello\r\n.\r\n");
  CHECK_STATUS(nx_pop3_client_quit(client), NX_SUCCESS);
  session_end(&s, NULL);
}

/* DELE -ERR, then the session goes on. */
static void dele_rejected(void) {
  session s;
  NX_POP3_CLIENT* client;
  UINT items;
  ULONG total;
  session_script(&s);
  script_stat(s.server, 2, 200);
  script_expect(s.server, "DELE 1\r\n");
  script_send(s.server, "-ERR message 1 already deleted\r\n");
  script_stat(s.server, 2, 200);
  script_quit(s.server);
  client = session_start(&s);
  CHECK_STATUS(nx_pop3_client_mail_items_get(client, &items, &total), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_mail_item_delete(client, 1), NX_POP3_SERVER_ERROR_STATUS);
  CHECK_STATUS(nx_pop3_client_mail_items_get(client, &items, &total), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_quit(client), NX_SUCCESS);
  session_end(&s, NULL);
}

static void quit_rejected(void) {
  session s;
  NX_POP3_CLIENT* client;
  session_script(&s);
  script_expect(s.server, "QUIT\r\n");
  script_send(s.server, "-ERR some deleted messages not removed\r\n");
  client = session_start(&s);
  CHECK_STATUS(nx_pop3_client_quit(client), NX_POP3_SERVER_ERROR_STATUS);
  session_end(&s, TEST_LOGIN_COMMANDS "QUIT\r\n");
}

/* message_get with no RETR, and again after the final packet. */
static void message_get_out_of_download(void) {
  session s;
  NX_POP3_CLIENT* client;
  message_download download;
  UINT items;
  ULONG total, item_size;
  session_script(&s);
  script_stat(s.server, 1, 100);
  script_expect(s.server, "RETR 1\r\n");
  script_send(s.server, "+OK 7 octets\r\nHello\r\n.\r\n");
  script_quit(s.server);
  client = session_start(&s);
  message_download_start(&download, body_raw, s.fixture.payload_size);
  CHECK_STATUS(message_download_step(&download, client), NX_POP3_CLIENT_INVALID_STATE);
  CHECK_STATUS(nx_pop3_client_mail_items_get(client, &items, &total), NX_SUCCESS);
  CHECK_STATUS(message_download_step(&download, client), NX_POP3_CLIENT_INVALID_STATE);
  CHECK_STATUS(nx_pop3_client_mail_item_get(client, 1, &item_size), NX_SUCCESS);
  CHECK_STATUS(message_download_all(&download, client), NX_SUCCESS);
  CHECK_TEXT(download.data, download.length, "Hello\r\n.\r\n");
  message_download_start(&download, body_raw, s.fixture.payload_size);
  CHECK_STATUS(message_download_step(&download, client), NX_POP3_CLIENT_INVALID_STATE);
  CHECK_STATUS(nx_pop3_client_quit(client), NX_SUCCESS);
  session_end(&s, NULL);
}

/* "Outputs are zeroed first": on an error *recv_packet_ptr is NULL too, so that an
   application never releases a stale packet pointer. */
static void message_get_zeroes_outputs_on_error(void) {
  session s;
  NX_POP3_CLIENT* client;
  NX_PACKET stale;
  NX_PACKET* packet = &stale;
  ULONG bytes = 99;
  UINT final_packet = 99;
  session_script(&s);
  script_quit(s.server);
  client = session_start(&s);
  CHECK_STATUS(nx_pop3_client_mail_item_message_get(client, &packet, &bytes, &final_packet),
               NX_POP3_CLIENT_INVALID_STATE);
  CHECK_UINT(bytes, 0);
  CHECK_UINT(final_packet, NX_FALSE);
  CHECK(packet == NULL);
  CHECK_STATUS(nx_pop3_client_quit(client), NX_SUCCESS);
  session_end(&s, TEST_LOGIN_COMMANDS "QUIT\r\n");
}

/* After quit the services other than mail_items_get return NX_NOT_CONNECTED without
   connecting again. */
static void services_after_quit(void) {
  session s;
  NX_POP3_CLIENT* client;
  UINT items;
  ULONG total, size;
  session_script(&s);
  script_stat(s.server, 2, 200);
  script_quit(s.server);
  client = session_start(&s);
  CHECK_STATUS(nx_pop3_client_mail_items_get(client, &items, &total), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_quit(client), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_mail_item_size_get(client, 1, &size), NX_NOT_CONNECTED);
  CHECK_STATUS(nx_pop3_client_mail_item_get(client, 1, &size), NX_NOT_CONNECTED);
  CHECK_STATUS(nx_pop3_client_mail_item_delete(client, 1), NX_NOT_CONNECTED);
  CHECK_STATUS(nx_pop3_client_quit(client), NX_NOT_CONNECTED);
  session_end(&s, TEST_LOGIN_COMMANDS "STAT\r\nQUIT\r\n");
}

/* The server closes instead of answering LIST: NX_NOT_CONNECTED, then also for the next
   services (no I/O). */
static void server_closes_mid_session(void) {
  session s;
  NX_POP3_CLIENT* client;
  UINT items;
  ULONG total, size;
  session_script(&s);
  script_stat(s.server, 2, 200);
  script_expect(s.server, "LIST 1\r\n");
  script_close(s.server);
  client = session_start(&s);
  CHECK_STATUS(nx_pop3_client_mail_items_get(client, &items, &total), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_mail_item_size_get(client, 1, &size), NX_NOT_CONNECTED);
  CHECK_UINT(size, 0);
  CHECK_STATUS(nx_pop3_client_mail_item_get(client, 1, &size), NX_NOT_CONNECTED);
  CHECK_STATUS(nx_pop3_client_mail_item_delete(client, 2), NX_NOT_CONNECTED);
  CHECK_STATUS(nx_pop3_client_quit(client), NX_NOT_CONNECTED);
  session_end(&s, TEST_LOGIN_COMMANDS "STAT\r\nLIST 1\r\n");
}

/* The server closes in the middle of a message: NX_NOT_CONNECTED, and the download ends. */
static void server_closes_mid_message(void) {
  session s;
  NX_POP3_CLIENT* client;
  message_download download;
  UINT items, status;
  ULONG total, item_size;
  session_script(&s);
  script_stat(s.server, 1, 100);
  script_expect(s.server, "RETR 1\r\n");
  script_send(s.server, "+OK 100 octets\r\nSubject: cut\r\n\r\nthe first line\r\nthe se");
  script_close(s.server);
  client = session_start(&s);
  CHECK_STATUS(nx_pop3_client_mail_items_get(client, &items, &total), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_mail_item_get(client, 1, &item_size), NX_SUCCESS);
  message_download_start(&download, body_raw, s.fixture.payload_size);
  status = message_download_all(&download, client);
  CHECK_STATUS(status, NX_NOT_CONNECTED);
  CHECK(!download.finished);
  /* Whatever came before the loss is data that did arrive. */
  CHECK(download.length <= strlen("Subject: cut\r\n\r\nthe first line\r\nthe se"));
  CHECK(memcmp(download.data, "Subject: cut\r\n\r\nthe first line\r\nthe se", download.length) ==
        0);
  CHECK_STATUS(message_download_step(&download, client), NX_POP3_CLIENT_INVALID_STATE);
  session_end(&s, NULL);
}

static const netx_test tests[] = {
    NETX_TEST(services_null_pointers),
    NETX_TEST(services_index_zero),
    NETX_TEST(services_invalid_mail_item_before_stat),
    NETX_TEST(services_invalid_mail_item_above_count),
    NETX_TEST(large_indexes_on_the_wire),
    NETX_TEST(stat_rejected),
    NETX_TEST(stat_malformed),
    NETX_TEST(list_rejected),
    NETX_TEST(list_malformed),
    NETX_TEST(retr_rejected),
    NETX_TEST(retr_announced_size),
    NETX_TEST(dele_rejected),
    NETX_TEST(quit_rejected),
    NETX_TEST(message_get_out_of_download),
    NETX_TEST(message_get_zeroes_outputs_on_error),
    NETX_TEST(services_after_quit),
    NETX_TEST(server_closes_mid_session),
    NETX_TEST(server_closes_mid_message),
};

NETX_TEST_MAIN(tests)
