/* check.c — see check.h. */
#include "check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "nxd_pop3_client.h"

static char context[512];

void check_set_context(const char* format, ...) {
  va_list arguments;
  context[0] = '\0';
  if (format == NULL) return;
  va_start(arguments, format);
  vsnprintf(context, sizeof(context), format, arguments);
  va_end(arguments);
}

void check_failed(const char* file, int line, const char* format, ...) {
  va_list arguments;
  fprintf(stderr, "%s:%d: ", file, line);
  va_start(arguments, format);
  vfprintf(stderr, format, arguments);
  va_end(arguments);
  fputc('\n', stderr);
  if (context[0] != '\0') fprintf(stderr, "  while: %s\n", context);
  fflush(stderr);
  exit(1);
}

const char* status_name(unsigned long status) {
  static const struct {
    unsigned long value;
    const char* name;
  } names[] = {
      {NX_SUCCESS, "NX_SUCCESS"},
      {NX_NO_PACKET, "NX_NO_PACKET"},
      {NX_UNDERFLOW, "NX_UNDERFLOW"},
      {NX_OVERFLOW, "NX_OVERFLOW"},
      {NX_POOL_ERROR, "NX_POOL_ERROR"},
      {NX_PTR_ERROR, "NX_PTR_ERROR"},
      {NX_WAIT_ERROR, "NX_WAIT_ERROR"},
      {NX_SIZE_ERROR, "NX_SIZE_ERROR"},
      {NX_OPTION_ERROR, "NX_OPTION_ERROR"},
      {NX_DELETE_ERROR, "NX_DELETE_ERROR"},
      {NX_CALLER_ERROR, "NX_CALLER_ERROR"},
      {NX_INVALID_PACKET, "NX_INVALID_PACKET"},
      {NX_INVALID_SOCKET, "NX_INVALID_SOCKET"},
      {NX_NOT_ENABLED, "NX_NOT_ENABLED"},
      {NX_ALREADY_ENABLED, "NX_ALREADY_ENABLED"},
      {NX_IP_ADDRESS_ERROR, "NX_IP_ADDRESS_ERROR"},
      {NX_PORT_UNAVAILABLE, "NX_PORT_UNAVAILABLE"},
      {NX_NOT_BOUND, "NX_NOT_BOUND"},
      {NX_ALREADY_RELEASED, "NX_ALREADY_RELEASED"},
      {NX_NOT_CLOSED, "NX_NOT_CLOSED"},
      {NX_IN_PROGRESS, "NX_IN_PROGRESS"},
      {NX_NOT_CONNECTED, "NX_NOT_CONNECTED"},
      {NX_NO_FREE_PORTS, "NX_NO_FREE_PORTS"},
      {NX_NOT_IMPLEMENTED, "NX_NOT_IMPLEMENTED"},
      {NX_NOT_SUPPORTED, "NX_NOT_SUPPORTED"},
      {NX_INVALID_PARAMETERS, "NX_INVALID_PARAMETERS"},
      {NX_POP3_PARAM_ERROR, "NX_POP3_PARAM_ERROR"},
      {NX_POP3_INVALID_MAIL_ITEM, "NX_POP3_INVALID_MAIL_ITEM"},
      {NX_POP3_APOP_FAILED_MD5_DIGEST, "NX_POP3_APOP_FAILED_MD5_DIGEST"},
      {NX_POP3_SERVER_ERROR_STATUS, "NX_POP3_SERVER_ERROR_STATUS"},
      {NX_POP3_MAIL_BUFFER_OVERFLOW, "NX_POP3_MAIL_BUFFER_OVERFLOW"},
      {NX_POP3_INSUFFICIENT_PACKET_PAYLOAD, "NX_POP3_INSUFFICIENT_PACKET_PAYLOAD"},
      {NX_POP3_CLIENT_INVALID_STATE, "NX_POP3_CLIENT_INVALID_STATE"},
      {NX_POP3_CLIENT_INVALID_INDEX, "NX_POP3_CLIENT_INVALID_INDEX"},
  };
  static char text[64];
  size_t i;
  for (i = 0; i < sizeof(names) / sizeof(names[0]); ++i) {
    if (names[i].value == status) {
      snprintf(text, sizeof(text), "%s (0x%02lX)", names[i].name, status);
      return text;
    }
  }
  snprintf(text, sizeof(text), "an unknown status (0x%02lX)", status);
  return text;
}

void check_uint(const char* file, int line, const char* actual_text, unsigned long actual,
                const char* expected_text, unsigned long expected) {
  if (actual == expected) return;
  check_failed(file, line, "%s is %lu (0x%lX), expected %s = %lu (0x%lX)", actual_text, actual,
               actual, expected_text, expected, expected);
}

void check_status(const char* file, int line, const char* actual_text, unsigned long actual,
                  unsigned long expected) {
  char actual_name[64];
  if (actual == expected) return;
  /* status_name reuses one buffer: keep the first answer. */
  snprintf(actual_name, sizeof(actual_name), "%s", status_name(actual));
  check_failed(file, line, "%s returned %s, expected %s", actual_text, actual_name,
               status_name(expected));
}

char* escape_bytes(const void* bytes, size_t length, char* out, size_t capacity) {
  const unsigned char* in = (const unsigned char*)bytes;
  size_t used = 0, i;
  if (capacity == 0) return out;
  for (i = 0; i < length; ++i) {
    char piece[8];
    size_t piece_length;
    switch (in[i]) {
      case '\r':
        strcpy(piece, "\\r");
        break;
      case '\n':
        strcpy(piece, "\\n");
        break;
      case '\t':
        strcpy(piece, "\\t");
        break;
      case '\\':
        strcpy(piece, "\\\\");
        break;
      case '"':
        strcpy(piece, "\\\"");
        break;
      default:
        if (in[i] >= 0x20 && in[i] < 0x7F) {
          piece[0] = (char)in[i];
          piece[1] = '\0';
        } else {
          snprintf(piece, sizeof(piece), "\\x%02X", in[i]);
        }
    }
    piece_length = strlen(piece);
    if (used + piece_length + 4 > capacity) {
      if (used + 4 <= capacity) {
        memcpy(out + used, "...", 3);
        used += 3;
      }
      break;
    }
    memcpy(out + used, piece, piece_length);
    used += piece_length;
  }
  out[used < capacity ? used : capacity - 1] = '\0';
  return out;
}

void check_bytes(const char* file, int line, const char* actual_text, const void* actual,
                 size_t actual_length, const void* expected, size_t expected_length) {
  enum { context = 48 };
  static char actual_escaped[4096], expected_escaped[4096];
  const unsigned char* a = (const unsigned char*)actual;
  const unsigned char* e = (const unsigned char*)expected;
  size_t first_difference = 0, from;
  if (actual_length == expected_length && (actual_length == 0 || memcmp(a, e, actual_length) == 0))
    return;
  while (first_difference < actual_length && first_difference < expected_length &&
         a[first_difference] == e[first_difference])
    ++first_difference;
  /* Show the bytes around the first difference; the whole texts when they are short. */
  from = first_difference > context ? first_difference - context : 0;
  escape_bytes(a + from, actual_length - from, actual_escaped, sizeof(actual_escaped));
  escape_bytes(e + from, expected_length - from, expected_escaped, sizeof(expected_escaped));
  check_failed(file, line,
               "%s differs at byte %zu (%zu bytes, expected %zu); from byte %zu:\n"
               "  actual:   \"%s\"\n  expected: \"%s\"",
               actual_text, first_difference, actual_length, expected_length, from, actual_escaped,
               expected_escaped);
}

int netx_test_main(int argc, char** argv, const netx_test* tests, size_t count) {
  size_t i;
  if (argc < 2) {
    for (i = 0; i < count; ++i) {
      printf("[ RUN  ] %s\n", tests[i].name);
      fflush(stdout);
      tests[i].run();
      printf("[  OK  ] %s\n", tests[i].name);
    }
    return 0;
  }
  if (strcmp(argv[1], "--list") == 0) {
    for (i = 0; i < count; ++i)
      printf("%s\n", tests[i].name);
    return 0;
  }
  for (i = 0; i < count; ++i) {
    if (strcmp(argv[1], tests[i].name) == 0) {
      tests[i].run();
      printf("%s: passed\n", tests[i].name);
      return 0;
    }
  }
  fprintf(stderr, "%s: no test named %s (--list shows them)\n", argv[0], argv[1]);
  return 2;
}
