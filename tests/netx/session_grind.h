/*
 * session_grind.h — one whole session (greeting, USER/PASS, STAT, LIST 1, RETR 1 of a message
 * with dot-stuffed lines, DELE 1, QUIT) replayed with the server's bytes cut into send() calls
 * in different ways ("parsegrind"): whatever the cut, every status, every number and the
 * message data must be the same.
 *
 * Used by split_session_test.c (raw data) and decoded_body_test.c (decoded data), each passing
 * its own nx_pop3_client_mail_item_get, which NX_POP3_CLIENT_DECODED_BODY maps.
 */
#ifndef NETX_TEST_SESSION_GRIND_H
#define NETX_TEST_SESSION_GRIND_H

#include <stddef.h>

#include "message_download.h"
#include "nxd_pop3_client.h"

/* How the server cuts its replies: reply `split_reply` (0: the greeting) in two at `split_at` (0:
 * no split), or every reply in pieces of piece_size (0: whole). */
typedef struct grind_cut {
  size_t split_reply;
  size_t split_at;
  size_t piece_size;
  unsigned pause_ms; /* after each send() */
} grind_cut;

/* Runs the session against a server cutting its bytes as told; checks everything. */
void grind_session(retr_service retr, body_mode mode, const grind_cut* cut);

/* Runs it split at every offset of every reply, then one byte per send(). */
void grind_every_cut(retr_service retr, body_mode mode);

#endif /* NETX_TEST_SESSION_GRIND_H */
