/* single_retrieval.c — see single_retrieval.h. */
#include "single_retrieval.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "check.h"
#include "netx_fixture.h"
#include "script_server.h"

#define SHORT_USER "u"
#define SHORT_PASSWORD "p"

static void script_retrieval(script_server* server, const retrieval* retrieval) {
  char status_line[1024];
  size_t i = 0;
  script_send(server, TEST_GREETING);
  script_expect(server, "USER " SHORT_USER "\r\n");
  script_send(server, "+OK\r\n");
  script_expect(server, "PASS " SHORT_PASSWORD "\r\n");
  script_send(server, "+OK\r\n");
  script_stat(server, 1, 100);
  script_expect(server, "RETR 1\r\n");
  snprintf(status_line, sizeof(status_line), "+OK 100 octets\r\n%s",
           retrieval->first_segment_with_status_line ? retrieval->segments[i++] : "");
  script_send(server, status_line);
  for (; i < retrieval->segment_count; ++i)
    script_send(server, retrieval->segments[i]);
  script_quit(server);
}

void run_retrieval(const retrieval* retrieval) {
  netx_fixture fixture;
  message_download download;
  script_server* server = script_server_create(AF_INET);
  UINT items;
  ULONG total, item_size;
  script_retrieval(server, retrieval);
  script_server_start(server);
  fixture_setup(&fixture, retrieval->payload_size, 4);
  CHECK_STATUS(fixture_create_client(&fixture, server, NX_FALSE, SHORT_USER, SHORT_PASSWORD),
               NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_mail_items_get(&fixture.client, &items, &total), NX_SUCCESS);
  CHECK_STATUS(retrieval->retr(&fixture.client, 1, &item_size), NX_SUCCESS);
  CHECK_UINT(item_size, 100);
  message_download_start(&download, retrieval->mode, retrieval->payload_size);
  CHECK_STATUS(message_download_all(&download, &fixture.client), NX_SUCCESS);
  CHECK_TEXT(download.data, download.length, retrieval->expected);
  CHECK_STATUS(nx_pop3_client_quit(&fixture.client), NX_SUCCESS);
  CHECK_STATUS(nx_pop3_client_delete(&fixture.client), NX_SUCCESS);
  CHECK_SCRIPT(server);
  CHECK_RECEIVED(server,
                 "USER " SHORT_USER "\r\nPASS " SHORT_PASSWORD "\r\nSTAT\r\nRETR 1\r\nQUIT\r\n");
  script_server_destroy(server);
  fixture_teardown(&fixture);
}
