// tcp_connect(): resolve, then try each address with a non-blocking connect.
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <optional>
#include <string>

#include "pop3/tcp_transport.hpp"
#include "resolve.hpp"
#include "transport_error.hpp"
#include "unique_fd.hpp"
#include "wait_ready.hpp"

namespace pop3 {

namespace {

using detail::transport_failure;
using detail::unique_fd;

errc classify_connect_errno(int system_errno) noexcept {
  switch (system_errno) {
    case ECONNREFUSED:
      return errc::connection_refused;
    case ENETUNREACH:
    case EHOSTUNREACH:
    case ENETDOWN:
    case EHOSTDOWN:
      return errc::network_unreachable;
    case ETIMEDOUT:
      return errc::timeout;
    default:
      return errc::io_error;
  }
}

// When several addresses fail, the one to report is the one that tells the user the most:
// "refused" proves the host is up and nothing listens, "unreachable" points at routing, a
// timeout only says that packets went unanswered, and other errors are mostly about this
// machine (e.g. IPv6 disabled) rather than the server.
int meaningfulness(errc code) noexcept {
  switch (code) {
    case errc::connection_refused:
      return 3;
    case errc::network_unreachable:
      return 2;
    case errc::timeout:
      return 1;
    default:
      return 0;
  }
}

deadline attempt_deadline(deadline until, std::chrono::milliseconds per_address) noexcept {
  if (per_address <= std::chrono::milliseconds::zero()) return until;
  const auto now = steady_clock::now();
  // Compared in milliseconds: adding a huge per-address bound to `now` would overflow the
  // clock's nanosecond representation.
  if (per_address >= std::chrono::duration_cast<std::chrono::milliseconds>(until - now))
    return until;
  return now + per_address;
}

result<unique_fd> connect_one(const addrinfo& address, deadline until) {
  unique_fd fd(::socket(address.ai_family, address.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                        address.ai_protocol));
  if (fd.get() < 0) return transport_failure(classify_connect_errno(errno), errno);

  if (::connect(fd.get(), address.ai_addr, address.ai_addrlen) != 0) {
    // An interrupted non-blocking connect carries on in the background, exactly like
    // EINPROGRESS; its outcome is read from SO_ERROR either way.
    if (errno != EINPROGRESS && errno != EINTR)
      return transport_failure(classify_connect_errno(errno), errno);
    if (auto ready = detail::wait_ready(fd.get(), POLLOUT, until); !ready)
      return unexpected(ready.error());
    int so_error = 0;
    socklen_t length = sizeof so_error;
    if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &so_error, &length) != 0)
      return transport_failure(errc::io_error, errno);
    if (so_error != 0) return transport_failure(classify_connect_errno(so_error), so_error);
  }

  // Nagle's algorithm would hold back a pipelined command behind an unacknowledged one.
  // Failing to disable it costs latency only, so its result is deliberately not checked.
  const int on = 1;
  (void)::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  return fd;
}

std::string format_peer_address(const addrinfo& address) {
  char host[NI_MAXHOST];
  char service[NI_MAXSERV];
  if (::getnameinfo(address.ai_addr, address.ai_addrlen, host, sizeof host, service, sizeof service,
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0)
    return {};
  if (address.ai_family == AF_INET6) return "[" + std::string(host) + "]:" + service;
  return std::string(host) + ":" + service;
}

}  // namespace

result<std::unique_ptr<tcp_transport>> tcp_transport::connect(std::string_view host,
                                                              std::uint16_t port,
                                                              const tcp_options& options,
                                                              deadline until) {
  auto addresses = detail::resolve(host, port, options.family);
  if (!addresses) return unexpected(addresses.error());

  std::optional<error> most_meaningful;
  for (const addrinfo* address = addresses->get(); address != nullptr; address = address->ai_next) {
    if (steady_clock::now() >= until) break;
    auto connected = connect_one(*address, attempt_deadline(until, options.connect_timeout));
    if (connected) {
      // The constructor is private, so make_unique cannot reach it.
      return std::unique_ptr<tcp_transport>(
          new tcp_transport(connected->release(), format_peer_address(*address)));
    }
    if (!most_meaningful ||
        meaningfulness(connected.error().code) > meaningfulness(most_meaningful->code))
      most_meaningful = connected.error();
  }
  if (!most_meaningful) return transport_failure(errc::timeout);
  return unexpected(*most_meaningful);
}

result<std::unique_ptr<transport>> tcp_connect(std::string_view host, std::uint16_t port,
                                               const tcp_options& options, deadline until) {
  auto connected = tcp_transport::connect(host, port, options, until);
  if (!connected) return unexpected(connected.error());
  return std::unique_ptr<transport>(std::move(*connected));
}

}  // namespace pop3
