/* script_server.c — see script_server.h. */
#include "script_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

enum { read_timeout_ms = 5000, gate_timeout_s = 60, default_pause_ms = 20 };

/* The step number of the implicit accept that starts every script. */
static const size_t first_accept = (size_t)-1;

typedef enum step_kind {
  step_accept,
  step_expect,
  step_send,
  step_close,
  step_expect_close,
  step_wait_gate
} step_kind;

typedef struct script_step {
  step_kind kind;
  unsigned char* bytes; /* step_expect, step_send */
  size_t length;
  size_t split_at;   /* step_send: offset of the second send(), 0 for none */
  size_t piece_size; /* step_send: bytes per send(), 0 for all at once */
  unsigned pause_ms; /* step_send: after each send() */
} script_step;

struct script_server {
  int listen_fd;
  int connection_fd; /* -1 when there is none */
  unsigned short port;
  unsigned pause_ms;
  script_step* steps;
  size_t step_count, step_capacity;
  pthread_t thread;
  int started, finished;
  unsigned char* received;
  size_t received_length, received_capacity;
  char mismatches[8192];
  size_t mismatches_length;
  unsigned mismatch_count;
  unsigned connections;
  pthread_mutex_t gate_mutex;
  pthread_cond_t gate_changed;
  unsigned gates_opened, gates_passed;
};

static void* checked_realloc(void* memory, size_t size) {
  void* resized = realloc(memory, size);
  if (resized == NULL) check_failed(__FILE__, __LINE__, "out of memory (%zu bytes)", size);
  return resized;
}

static void record_mismatch(script_server* server, size_t step, const char* format, ...)
    __attribute__((format(printf, 3, 4)));

static void record_mismatch(script_server* server, size_t step, const char* format, ...) {
  char* out = server->mismatches + server->mismatches_length;
  size_t room = sizeof(server->mismatches) - server->mismatches_length;
  int written;
  va_list arguments;
  ++server->mismatch_count;
  if (room < 2) return;
  if (step == first_accept)
    written = snprintf(out, room, "  first connection: ");
  else
    written = snprintf(out, room, "  step %zu: ", step + 1);
  if (written > 0 && (size_t)written < room) {
    va_start(arguments, format);
    written += vsnprintf(out + written, room - (size_t)written, format, arguments);
    va_end(arguments);
  }
  if (written < 0) return;
  if ((size_t)written >= room - 1) written = (int)(room - 2);
  out[written] = '\n';
  out[written + 1] = '\0';
  server->mismatches_length += (size_t)written + 1;
}

static void record_received(script_server* server, const unsigned char* bytes, size_t length) {
  if (server->received_length + length > server->received_capacity) {
    server->received_capacity = (server->received_length + length) * 2 + 256;
    server->received = checked_realloc(server->received, server->received_capacity);
  }
  memcpy(server->received + server->received_length, bytes, length);
  server->received_length += length;
}

static void sleep_ms(unsigned milliseconds) {
  struct timespec pause;
  pause.tv_sec = milliseconds / 1000;
  pause.tv_nsec = (long)(milliseconds % 1000) * 1000000L;
  while (nanosleep(&pause, &pause) != 0 && errno == EINTR) {
  }
}

static long long now_ms(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* Waits until fd is readable or the deadline passes: 1 readable, 0 timed out. */
static int wait_readable(int fd, long long deadline_ms) {
  for (;;) {
    struct pollfd poll_fd;
    long long remaining = deadline_ms - now_ms();
    int ready;
    if (remaining < 0) remaining = 0;
    poll_fd.fd = fd;
    poll_fd.events = POLLIN;
    poll_fd.revents = 0;
    ready = poll(&poll_fd, 1, (int)remaining);
    if (ready > 0) return 1;
    if (ready == 0) return 0;
    if (errno != EINTR) return 1; /* let the read report it */
  }
}

static void close_connection(script_server* server) {
  if (server->connection_fd >= 0) close(server->connection_fd);
  server->connection_fd = -1;
}

/* Reads up to `length` bytes (recording them) until `length` arrived, the client closed, or
   the deadline passed. Returns the count; *closed tells whether the client closed. */
static size_t read_some(script_server* server, unsigned char* into, size_t length, int* closed) {
  long long deadline = now_ms() + read_timeout_ms;
  size_t have = 0;
  *closed = 0;
  while (have < length) {
    ssize_t got;
    if (!wait_readable(server->connection_fd, deadline)) break;
    got = recv(server->connection_fd, into + have, length - have, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      *closed = 1;
      break;
    }
    record_received(server, into + have, (size_t)got);
    have += (size_t)got;
  }
  return have;
}

static void run_accept(script_server* server, size_t step) {
  int one = 1;
  close_connection(server);
  if (!wait_readable(server->listen_fd, now_ms() + read_timeout_ms)) {
    record_mismatch(server, step, "the client did not connect within %d ms", read_timeout_ms);
    return;
  }
  server->connection_fd = accept(server->listen_fd, NULL, NULL);
  if (server->connection_fd < 0) {
    record_mismatch(server, step, "accept failed: %s", strerror(errno));
    return;
  }
  /* Each send() leaves as its own segment. */
  setsockopt(server->connection_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  ++server->connections;
}

static void run_expect(script_server* server, size_t step, const script_step* expected) {
  unsigned char* got = checked_realloc(NULL, expected->length + 1);
  int closed;
  size_t have = read_some(server, got, expected->length, &closed);
  if (have != expected->length || memcmp(got, expected->bytes, have) != 0) {
    static char want_text[1024], got_text[1024];
    record_mismatch(server, step, "expected \"%s\", the client sent \"%s\"%s",
                    escape_bytes(expected->bytes, expected->length, want_text, sizeof(want_text)),
                    escape_bytes(got, have, got_text, sizeof(got_text)),
                    closed ? " and closed the connection"
                           : (have < expected->length ? " and nothing more" : ""));
  }
  if (closed) close_connection(server);
  free(got);
}

static void run_send(script_server* server, size_t step, const script_step* send_step) {
  size_t offset = 0;
  while (offset < send_step->length) {
    size_t piece = send_step->length - offset;
    if (send_step->piece_size != 0 && piece > send_step->piece_size) piece = send_step->piece_size;
    if (send_step->split_at != 0 && offset < send_step->split_at)
      piece = send_step->split_at - offset;
    while (piece > 0) {
      ssize_t sent = send(server->connection_fd, send_step->bytes + offset, piece, MSG_NOSIGNAL);
      if (sent < 0 && errno == EINTR) continue;
      if (sent < 0) {
        record_mismatch(server, step, "send failed: %s", strerror(errno));
        close_connection(server);
        return;
      }
      offset += (size_t)sent;
      piece -= (size_t)sent;
    }
    if (send_step->pause_ms != 0) sleep_ms(send_step->pause_ms);
  }
}

/* Reads until the client closes; anything it sends meanwhile is a mismatch. */
static void run_expect_close(script_server* server, size_t step, const char* when) {
  unsigned char got[512];
  static char got_text[1024];
  int closed = 0;
  while (!closed) {
    size_t have = read_some(server, got, sizeof(got), &closed);
    if (have > 0) {
      record_mismatch(server, step, "the client sent \"%s\" %s",
                      escape_bytes(got, have, got_text, sizeof(got_text)), when);
    }
    if (!closed && have < sizeof(got)) {
      record_mismatch(server, step, "the client did not close the connection %s", when);
      break;
    }
  }
  close_connection(server);
}

static void run_wait_gate(script_server* server, size_t step) {
  struct timespec deadline;
  int timed_out = 0;
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += gate_timeout_s;
  pthread_mutex_lock(&server->gate_mutex);
  while (server->gates_opened <= server->gates_passed && !timed_out)
    timed_out =
        pthread_cond_timedwait(&server->gate_changed, &server->gate_mutex, &deadline) == ETIMEDOUT;
  if (!timed_out) ++server->gates_passed;
  pthread_mutex_unlock(&server->gate_mutex);
  if (timed_out) record_mismatch(server, step, "the test never opened the gate");
}

static void* run_script(void* argument) {
  script_server* server = (script_server*)argument;
  size_t i;
  run_accept(server, first_accept);
  for (i = 0; i < server->step_count; ++i) {
    const script_step* step = &server->steps[i];
    if (step->kind == step_accept) {
      run_accept(server, i);
      continue;
    }
    if (step->kind == step_wait_gate) {
      run_wait_gate(server, i);
      continue;
    }
    if (server->connection_fd < 0) {
      record_mismatch(server, i, "no connection (the client closed it earlier)");
      continue;
    }
    switch (step->kind) {
      case step_expect:
        run_expect(server, i, step);
        break;
      case step_send:
        run_send(server, i, step);
        break;
      case step_close:
        close_connection(server);
        break;
      case step_expect_close:
        run_expect_close(server, i, "instead of closing");
        break;
      default:
        break;
    }
  }
  if (server->connection_fd >= 0)
    run_expect_close(server, server->step_count, "after the end of the script");
  return NULL;
}

static script_step* add_step(script_server* server, step_kind kind, const void* bytes,
                             size_t length) {
  script_step* step;
  if (server->started) check_failed(__FILE__, __LINE__, "script step added after the start");
  if (server->step_count == server->step_capacity) {
    server->step_capacity = server->step_capacity * 2 + 16;
    server->steps = checked_realloc(server->steps, server->step_capacity * sizeof(*step));
  }
  step = &server->steps[server->step_count++];
  memset(step, 0, sizeof(*step));
  step->kind = kind;
  step->pause_ms = server->pause_ms;
  if (bytes != NULL) {
    step->bytes = checked_realloc(NULL, length + 1);
    memcpy(step->bytes, bytes, length);
    step->length = length;
  }
  return step;
}

script_server* script_server_create(int address_family) {
  script_server* server = checked_realloc(NULL, sizeof(*server));
  struct sockaddr_storage address;
  socklen_t address_length;
  memset(server, 0, sizeof(*server));
  memset(&address, 0, sizeof(address));
  server->connection_fd = -1;
  server->pause_ms = default_pause_ms;
  pthread_mutex_init(&server->gate_mutex, NULL);
  pthread_cond_init(&server->gate_changed, NULL);
  if (address_family == AF_INET6) {
    struct sockaddr_in6* v6 = (struct sockaddr_in6*)&address;
    v6->sin6_family = AF_INET6;
    v6->sin6_addr = in6addr_loopback;
    address_length = sizeof(*v6);
  } else {
    struct sockaddr_in* v4 = (struct sockaddr_in*)&address;
    v4->sin_family = AF_INET;
    v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address_length = sizeof(*v4);
  }
  server->listen_fd = socket(address_family, SOCK_STREAM, 0);
  if (server->listen_fd < 0 ||
      bind(server->listen_fd, (struct sockaddr*)&address, address_length) != 0 ||
      listen(server->listen_fd, 8) != 0 ||
      getsockname(server->listen_fd, (struct sockaddr*)&address, &address_length) != 0) {
    check_failed(__FILE__, __LINE__, "cannot listen on %s: %s",
                 address_family == AF_INET6 ? "[::1]" : "127.0.0.1", strerror(errno));
  }
  server->port = ntohs(address_family == AF_INET6 ? ((struct sockaddr_in6*)&address)->sin6_port
                                                  : ((struct sockaddr_in*)&address)->sin_port);
  return server;
}

unsigned short script_server_port(const script_server* server) {
  return server->port;
}

void script_server_set_pause_ms(script_server* server, unsigned milliseconds) {
  server->pause_ms = milliseconds;
}

void script_expect(script_server* server, const char* text) {
  add_step(server, step_expect, text, strlen(text));
}

void script_send(script_server* server, const char* text) {
  add_step(server, step_send, text, strlen(text));
}

void script_send_split(script_server* server, const void* bytes, size_t length, size_t split_at) {
  add_step(server, step_send, bytes, length)->split_at = split_at < length ? split_at : 0;
}

void script_send_pieces(script_server* server, const void* bytes, size_t length,
                        size_t piece_size) {
  add_step(server, step_send, bytes, length)->piece_size = piece_size;
}

void script_close(script_server* server) {
  add_step(server, step_close, NULL, 0);
}

void script_expect_close(script_server* server) {
  add_step(server, step_expect_close, NULL, 0);
}

void script_accept(script_server* server) {
  add_step(server, step_accept, NULL, 0);
}

void script_wait_gate(script_server* server) {
  add_step(server, step_wait_gate, NULL, 0);
}

void script_server_start(script_server* server) {
  if (pthread_create(&server->thread, NULL, run_script, server) != 0)
    check_failed(__FILE__, __LINE__, "cannot start the script thread");
  server->started = 1;
}

void script_server_open_gate(script_server* server) {
  pthread_mutex_lock(&server->gate_mutex);
  ++server->gates_opened;
  pthread_cond_broadcast(&server->gate_changed);
  pthread_mutex_unlock(&server->gate_mutex);
}

unsigned script_server_finish(script_server* server) {
  if (server->started && !server->finished) {
    pthread_join(server->thread, NULL);
    server->finished = 1;
  }
  return server->mismatch_count;
}

const char* script_server_mismatches(const script_server* server) {
  return server->mismatches;
}

const unsigned char* script_server_received(const script_server* server, size_t* length) {
  *length = server->received_length;
  return server->received != NULL ? server->received : (const unsigned char*)"";
}

unsigned script_server_connections(const script_server* server) {
  return server->connections;
}

void script_server_destroy(script_server* server) {
  size_t i;
  script_server_finish(server);
  close_connection(server);
  close(server->listen_fd);
  for (i = 0; i < server->step_count; ++i)
    free(server->steps[i].bytes);
  free(server->steps);
  free(server->received);
  pthread_mutex_destroy(&server->gate_mutex);
  pthread_cond_destroy(&server->gate_changed);
  free(server);
}
