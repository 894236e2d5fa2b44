/* message_download.c — see message_download.h. */
#include "message_download.h"

#include <string.h>

#include "check.h"

#define END_OF_MESSAGE "\r\n.\r\n"

void message_download_start(message_download* download, body_mode mode, ULONG payload_size) {
  memset(download, 0, sizeof(*download));
  download->mode = mode;
  download->payload_size = payload_size;
}

static int ends_with(const UCHAR* data, ULONG length, const char* suffix) {
  size_t suffix_length = strlen(suffix);
  return length >= suffix_length &&
         memcmp(data + length - suffix_length, suffix, suffix_length) == 0;
}

static void check_final_raw_packet(const message_download* download, const UCHAR* data,
                                   ULONG length, ULONG bytes_retrieved) {
  /* An empty message is just ".\r\n" after the status line. */
  int empty_message = download->length == 0 && length == 3 && memcmp(data, ".\r\n", 3) == 0;
  int terminator_only = empty_message || (length == 5 && memcmp(data, END_OF_MESSAGE, 5) == 0);
  if (!empty_message && !ends_with(data, length, END_OF_MESSAGE)) {
    char text[256];
    check_failed(__FILE__, __LINE__,
                 "packet %u is final but does not end with the whole \"\\r\\n.\\r\\n\": "
                 "\"%s\" (%lu bytes)",
                 download->packets + 1, escape_bytes(data, length, text, sizeof(text)), length);
  }
  CHECK_UINT(bytes_retrieved, terminator_only ? 0 : length);
}

UINT message_download_step(message_download* download, NX_POP3_CLIENT* client) {
  NX_PACKET* packet = NULL;
  ULONG bytes_retrieved = 12345, copied = 0;
  UINT final_packet = 12345;
  UINT status;
  CHECK(!download->finished);
  status = nx_pop3_client_mail_item_message_get(client, &packet, &bytes_retrieved, &final_packet);
  if (status != NX_SUCCESS) {
    /* The outputs are zeroed first, whatever the outcome. */
    CHECK_UINT(bytes_retrieved, 0);
    CHECK_UINT(final_packet, NX_FALSE);
    return status;
  }
  CHECK(packet != NULL);
  CHECK(final_packet == NX_TRUE || final_packet == NX_FALSE);
  CHECK(packet->nx_packet_next == NULL);
  CHECK(packet->nx_packet_length <= download->payload_size);
  CHECK(download->length + packet->nx_packet_length <= sizeof(download->data));
  CHECK_UINT(packet->nx_packet_length,
             (ULONG)(packet->nx_packet_append_ptr - packet->nx_packet_prepend_ptr));
  CHECK_STATUS(nx_packet_data_retrieve(packet, download->data + download->length, &copied),
               NX_SUCCESS);
  CHECK_UINT(copied, packet->nx_packet_length);
  if (final_packet && download->mode == body_raw) {
    check_final_raw_packet(download, download->data + download->length, copied, bytes_retrieved);
  } else {
    CHECK_UINT(bytes_retrieved, copied);
  }
  download->length += copied;
  ++download->packets;
  if (final_packet) {
    download->finished = NX_TRUE;
    download->final_packet_length = copied;
    download->final_bytes_retrieved = bytes_retrieved;
  }
  CHECK_STATUS(nx_packet_release(packet), NX_SUCCESS);
  return NX_SUCCESS;
}

UINT message_download_all(message_download* download, NX_POP3_CLIENT* client) {
  for (;;) {
    UINT status = message_download_step(download, client);
    if (status != NX_SUCCESS || download->finished) return status;
  }
}
