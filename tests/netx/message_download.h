/*
 * message_download.h — drains a message with nx_pop3_client_mail_item_message_get and checks
 * every packet against the header's contract on the way.
 *
 * Every packet: no larger than the pool's payload, not chained, bytes_retrieved equal to its
 * length. Raw mode (the default): the final packet ends with the whole "\r\n.\r\n" (or is the
 * ".\r\n" of an empty message), and reports 0 bytes when it holds nothing else; no earlier
 * packet is final. Decoded mode: the final packet may be empty.
 */
#ifndef NETX_TEST_MESSAGE_DOWNLOAD_H
#define NETX_TEST_MESSAGE_DOWNLOAD_H

#include "nxd_pop3_client.h"

typedef enum body_mode { body_raw, body_decoded } body_mode;

/* nx_pop3_client_mail_item_get as the including file maps it (raw, or decoded with
   NX_POP3_CLIENT_DECODED_BODY), for helpers that start downloads in either mode. */
typedef UINT (*retr_service)(NX_POP3_CLIENT* client_ptr, UINT mail_item, ULONG* item_size);

typedef struct message_download {
  body_mode mode;
  ULONG payload_size;
  UCHAR data[16384]; /* the packets' data, concatenated */
  ULONG length;
  UINT packets;
  UINT finished; /* the final packet came */
  ULONG final_packet_length;
  ULONG final_bytes_retrieved;
} message_download;

void message_download_start(message_download* download, body_mode mode, ULONG payload_size);

/* One message_get: on NX_SUCCESS the packet is checked, appended and released. Returns the
   status. */
UINT message_download_step(message_download* download, NX_POP3_CLIENT* client);

/* message_get until the final packet or an error; returns the last status. */
UINT message_download_all(message_download* download, NX_POP3_CLIENT* client);

#endif /* NETX_TEST_MESSAGE_DOWNLOAD_H */
