/*
 * check.h — the checks and the runner of the C tests of the NetX POP3 Client API.
 *
 * A test is a void function listed in its file's table with NETX_TEST(name); the executable
 * runs the test named in argv[1] (CMake registers each as the ctest test netx.<name>, by
 * scanning the file for NETX_TEST(...)). A failing check prints file:line and the values,
 * and ends the process with status 1: the first failure stops the test, so later checks never
 * run against a state that is already wrong.
 */
#ifndef NETX_TEST_CHECK_H
#define NETX_TEST_CHECK_H

#include <stddef.h>
#include <string.h>

typedef struct netx_test {
  const char* name;
  void (*run)(void);
} netx_test;

#define NETX_TEST(function) \
  { #function, function }

/* argv[1]: the test to run; "--list": print the names; no argument: run them all. */
int netx_test_main(int argc, char** argv, const netx_test* tests, size_t count);

#define NETX_TEST_MAIN(table)                                                     \
  int main(int argc, char** argv) {                                               \
    return netx_test_main(argc, argv, table, sizeof(table) / sizeof((table)[0])); \
  }

/* Prints "file:line: message" and exits with status 1. */
void check_failed(const char* file, int line, const char* format, ...)
    __attribute__((noreturn, format(printf, 3, 4)));

/* What the test is doing, printed with any failure until changed (a loop's parameters, for
   example); NULL clears it. */
void check_set_context(const char* format, ...) __attribute__((format(printf, 1, 2)));

/* "NX_NO_PACKET (0x01)" for the status values of nx_api.h and nxd_pop3_client.h. */
const char* status_name(unsigned long status);

void check_uint(const char* file, int line, const char* actual_text, unsigned long actual,
                const char* expected_text, unsigned long expected);
void check_status(const char* file, int line, const char* actual_text, unsigned long actual,
                  unsigned long expected);
void check_bytes(const char* file, int line, const char* actual_text, const void* actual,
                 size_t actual_length, const void* expected, size_t expected_length);

#define CHECK(condition)                                                                \
  do {                                                                                  \
    if (!(condition)) check_failed(__FILE__, __LINE__, "CHECK(%s) failed", #condition); \
  } while (0)

#define CHECK_UINT(actual, expected)                                          \
  check_uint(__FILE__, __LINE__, #actual, (unsigned long)(actual), #expected, \
             (unsigned long)(expected))

#define CHECK_STATUS(actual, expected) \
  check_status(__FILE__, __LINE__, #actual, (unsigned long)(actual), (unsigned long)(expected))

/* The bytes of a string, without its NUL. */
#define CHECK_TEXT(actual, actual_length, expected_text)                         \
  check_bytes(__FILE__, __LINE__, #actual, actual, actual_length, expected_text, \
              strlen(expected_text))

/* Appends bytes to out[0, capacity) as C-escaped text ("\r\n" for CR LF), NUL-terminated,
   cut with "..." when it does not fit; returns out. */
char* escape_bytes(const void* bytes, size_t length, char* out, size_t capacity);

#endif /* NETX_TEST_CHECK_H */
