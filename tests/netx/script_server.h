/*
 * script_server.h — a scripted POP3 server on loopback for the NetX API tests.
 *
 * The test writes the script first (what the client must send, what the server answers, and
 * how the answer is cut into send() calls), then starts the server, which runs the script on
 * its own thread against the client under test. The first step of every script is an implicit
 * accept of the first connection. Every byte the client sent is recorded, and every way the
 * client departed from the script (other bytes, too few, a close too early or not at all) is
 * recorded as a mismatch, which CHECK_SCRIPT turns into a test failure.
 *
 * Each send() is followed by a pause (20 ms unless set otherwise), so that a client reading in
 * between sees the pieces as separate segments. Reads give up after 5 s.
 */
#ifndef NETX_TEST_SCRIPT_SERVER_H
#define NETX_TEST_SCRIPT_SERVER_H

#include <stddef.h>

typedef struct script_server script_server;

/* Listens on 127.0.0.1 (AF_INET) or ::1 (AF_INET6), on a port the system chooses. The test
   fails (it does not skip) when the address cannot be bound. */
script_server* script_server_create(int address_family);
unsigned short script_server_port(const script_server* server);
/* The pause after each send(), for the steps added after this call. */
void script_server_set_pause_ms(script_server* server, unsigned milliseconds);

/* ---- Script steps, run in the order they were added ----------------------------------- */
/* The client must send exactly these bytes next. */
void script_expect(script_server* server, const char* text);
/* One send() of these bytes. */
void script_send(script_server* server, const char* text);
/* Two send() calls: bytes [0, split_at) and [split_at, length); split_at 0 or length: one. */
void script_send_split(script_server* server, const void* bytes, size_t length, size_t split_at);
/* One send() per piece_size bytes (1: byte by byte). */
void script_send_pieces(script_server* server, const void* bytes, size_t length, size_t piece_size);
/* The server closes the connection. */
void script_close(script_server* server);
/* The client must close the connection next, without sending anything. */
void script_expect_close(script_server* server);
/* Accepts the next connection (after closing the current one, if still open). */
void script_accept(script_server* server);
/* Waits until the test calls script_server_open_gate (once per gate step). */
void script_wait_gate(script_server* server);

/* ---- Running -------------------------------------------------------------------------- */
void script_server_start(script_server* server);
void script_server_open_gate(script_server* server);
/* Waits for the script to end. After the last step the server waits for the client to close
   the connection (anything it still sends is a mismatch), so call this after
   nx_pop3_client_delete. Returns the number of mismatches. */
unsigned script_server_finish(script_server* server);
/* The mismatches, one per line ("" when none). */
const char* script_server_mismatches(const script_server* server);
/* Everything the client sent, on every connection, in order. */
const unsigned char* script_server_received(const script_server* server, size_t* length);
/* The number of connections accepted. */
unsigned script_server_connections(const script_server* server);
void script_server_destroy(script_server* server);

/* Finishes the script and fails the test if the client departed from it. */
#define CHECK_SCRIPT(server)                                                       \
  do {                                                                             \
    if (script_server_finish(server) != 0)                                         \
      check_failed(__FILE__, __LINE__, "the client departed from the script:\n%s", \
                   script_server_mismatches(server));                              \
  } while (0)

/* Checks everything the client sent against a string. */
#define CHECK_RECEIVED(server, expected_text)                                           \
  do {                                                                                  \
    size_t received_length_;                                                            \
    const unsigned char* received_ = script_server_received(server, &received_length_); \
    CHECK_TEXT(received_, received_length_, expected_text);                             \
  } while (0)

#endif /* NETX_TEST_SCRIPT_SERVER_H */
