/*
 * single_retrieval.h — a session retrieving one message whose data the server sends in given
 * segments, checked against the expected data: login (short name and password, so that
 * commands fit payloads down to 65 bytes: 56 reserved + "USER u\r\n"), STAT, RETR 1, every
 * packet, QUIT.
 */
#ifndef NETX_TEST_SINGLE_RETRIEVAL_H
#define NETX_TEST_SINGLE_RETRIEVAL_H

#include <stddef.h>

#include "message_download.h"

typedef struct retrieval {
  retr_service retr;
  body_mode mode;
  ULONG payload_size;
  /* The data after the status line, one send() per segment (20 ms apart). */
  const char* const* segments;
  size_t segment_count;
  /* Send the first segment in the same send() as the status line. */
  int first_segment_with_status_line;
  const char* expected;
} retrieval;

void run_retrieval(const retrieval* retrieval);

#endif /* NETX_TEST_SINGLE_RETRIEVAL_H */
