/* session_grind.c — see session_grind.h. */
#include "session_grind.h"

#include <string.h>
#include <sys/socket.h>

#include "check.h"
#include "netx_fixture.h"
#include "script_server.h"

/* The message as the server sends it: dot-stuffed lines (a line starting with "." gets
   another), lines that are only dots, then the terminator line. */
#define RAW_BODY               \
  "Subject: dots\r\n"          \
  "\r\n"                       \
  "..leading dot\r\n"          \
  "...\r\n"                    \
  "..\r\n"                     \
  "a line with a . in it.\r\n" \
  "..\r\n"                     \
  "\r\n"                       \
  "end\r\n"                    \
  ".\r\n"
/* The same message unstuffed, without the terminator line. */
#define DECODED_BODY           \
  "Subject: dots\r\n"          \
  "\r\n"                       \
  ".leading dot\r\n"           \
  "..\r\n"                     \
  ".\r\n"                      \
  "a line with a . in it.\r\n" \
  ".\r\n"                      \
  "\r\n"                       \
  "end\r\n"
/* RFC 1939 counts the octets of the message as stored: the decoded size. */
#define MESSAGE_SIZE "72"

static const char* const replies[] = {
    "+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n",
    "+OK\r\n",
    "+OK maildrop locked and ready\r\n",
    "+OK 1 " MESSAGE_SIZE "\r\n",
    "+OK 1 " MESSAGE_SIZE "\r\n",
    "+OK " MESSAGE_SIZE " octets\r\n" RAW_BODY,
    "+OK message 1 deleted\r\n",
    "+OK bye\r\n",
};
/* What the client sends before each reply (none before the greeting). */
static const char* const commands[] = {
    NULL,
    "USER " TEST_USER "\r\n",
    "PASS " TEST_PASSWORD "\r\n",
    "STAT\r\n",
    "LIST 1\r\n",
    "RETR 1\r\n",
    "DELE 1\r\n",
    "QUIT\r\n",
};
enum { reply_count = sizeof(replies) / sizeof(replies[0]) };

static void script_session(script_server* server, const grind_cut* cut) {
  size_t i;
  script_server_set_pause_ms(server, cut->pause_ms);
  for (i = 0; i < reply_count; ++i) {
    size_t length = strlen(replies[i]);
    if (commands[i] != NULL) script_expect(server, commands[i]);
    if (cut->piece_size != 0)
      script_send_pieces(server, replies[i], length, cut->piece_size);
    else
      script_send_split(server, replies[i], length, i == cut->split_reply ? cut->split_at : 0);
  }
  script_expect_close(server);
}

void grind_session(retr_service retr, body_mode mode, const grind_cut* cut) {
  netx_fixture fixture;
  message_download download;
  script_server* server = script_server_create(AF_INET);
  UINT items = 0;
  ULONG total_size = 0, size = 0, item_size = 0;
  CHECK_UINT(strlen(DECODED_BODY), 72);
  script_session(server, cut);
  script_server_start(server);

  fixture_setup(&fixture, DEFAULT_PAYLOAD_SIZE, DEFAULT_PACKET_COUNT);
  CHECK_STATUS(fixture_login(&fixture, server), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_mail_items_get(&fixture.client, &items, &total_size), NX_SUCCESS);
  CHECK_UINT(items, 1);
  CHECK_UINT(total_size, 72);
  CHECK_STATUS(nx_pop3_client_mail_item_size_get(&fixture.client, 1, &size), NX_SUCCESS);
  CHECK_UINT(size, 72);
  CHECK_STATUS(retr(&fixture.client, 1, &item_size), NX_SUCCESS);
  CHECK_UINT(item_size, 72);
  message_download_start(&download, mode, fixture.payload_size);
  CHECK_STATUS(message_download_all(&download, &fixture.client), NX_SUCCESS);
  if (mode == body_raw)
    CHECK_TEXT(download.data, download.length, RAW_BODY);
  else
    CHECK_TEXT(download.data, download.length, DECODED_BODY);
  CHECK_STATUS(nx_pop3_client_mail_item_delete(&fixture.client, 1), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_quit(&fixture.client), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_delete(&fixture.client), NX_SUCCESS);
  CHECK_SCRIPT(server);
  CHECK_RECEIVED(server, TEST_LOGIN_COMMANDS "STAT\r\nLIST 1\r\nRETR 1\r\nDELE 1\r\nQUIT\r\n");
  script_server_destroy(server);
  fixture_teardown(&fixture);
}

void grind_every_cut(retr_service retr, body_mode mode) {
  grind_cut cut;
  size_t reply, split_at;
  memset(&cut, 0, sizeof(cut));
  /* A short pause is enough on loopback for the client to read the pieces apart. */
  cut.pause_ms = 2;
  for (reply = 0; reply < reply_count; ++reply) {
    for (split_at = 1; split_at < strlen(replies[reply]); ++split_at) {
      check_set_context("reply %zu split in two at byte %zu", reply + 1, split_at);
      cut.split_reply = reply;
      cut.split_at = split_at;
      grind_session(retr, mode, &cut);
    }
  }
  check_set_context("every reply sent one byte per send()");
  memset(&cut, 0, sizeof(cut));
  cut.piece_size = 1;
  cut.pause_ms = 1;
  grind_session(retr, mode, &cut);
  check_set_context(NULL);
}
