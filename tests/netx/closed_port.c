/* closed_port.c — see closed_port.h. */
#include "closed_port.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"

void closed_port_open(closed_port* closed, int address_family) {
  struct sockaddr_storage address;
  socklen_t address_length;
  memset(&address, 0, sizeof(address));
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
  closed->fd = socket(address_family, SOCK_STREAM, 0);
  if (closed->fd < 0 || bind(closed->fd, (struct sockaddr*)&address, address_length) != 0 ||
      getsockname(closed->fd, (struct sockaddr*)&address, &address_length) != 0) {
    check_failed(__FILE__, __LINE__, "cannot bind a loopback port: %s", strerror(errno));
  }
  closed->port = ntohs(address_family == AF_INET6 ? ((struct sockaddr_in6*)&address)->sin6_port
                                                  : ((struct sockaddr_in*)&address)->sin_port);
}

void closed_port_close(closed_port* closed) {
  close(closed->fd);
  closed->fd = -1;
}
