/*
 * closed_port.h — a loopback port where nothing listens, for "connection refused".
 *
 * The port is bound by a socket that never listens, so that no other program can start
 * listening on it while the test runs: a connection to it is refused.
 */
#ifndef NETX_TEST_CLOSED_PORT_H
#define NETX_TEST_CLOSED_PORT_H

typedef struct closed_port {
  int fd;
  unsigned short port;
} closed_port;

/* address_family: AF_INET (127.0.0.1) or AF_INET6 (::1). */
void closed_port_open(closed_port* closed, int address_family);
void closed_port_close(closed_port* closed);

#endif /* NETX_TEST_CLOSED_PORT_H */
