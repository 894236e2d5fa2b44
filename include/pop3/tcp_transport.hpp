/// \file
/// TCP connections: name resolution, connecting with timeouts, and a transport over a connected
/// socket. POSIX only (getaddrinfo, poll).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "pop3/result.hpp"
#include "pop3/transport.hpp"

namespace pop3 {

/// Which addresses of a host tcp_connect() tries.
enum class address_family : std::uint8_t {
  any,   ///< every address getaddrinfo returns, in its order (RFC 6724 preference)
  ipv4,  ///< IPv4 only; an IPv6 literal then fails with errc::host_not_found
  ipv6,  ///< IPv6 only; an IPv4 literal then fails with errc::host_not_found
};

/// How tcp_connect() connects.
struct tcp_options {
  /// Bound on each address's connection attempt; zero or less means "no per-address bound",
  /// only the caller's deadline applies.
  std::chrono::milliseconds connect_timeout{30000};
  address_family family{address_family::any};  ///< which addresses are tried
};

/// A transport over a connected TCP socket (TCP_NODELAY, close-on-exec, non-blocking; every
/// wait is a poll() bounded by the operation's deadline).
///
/// read() performs at most one recv() that returns data: it returns as soon as any bytes are
/// available, so a peer that trickles bytes is cut off by the caller's deadline, not by an idle
/// timer. write() sends with MSG_NOSIGNAL: a write to a reset connection fails with
/// errc::io_error (EPIPE or ECONNRESET) and never raises SIGPIPE. EINTR is retried.
///
/// An empty read buffer returns 0 without touching the socket; callers must not read into an
/// empty buffer, since 0 otherwise means end of stream.
class tcp_transport final : public transport {
 public:
  /// Same as tcp_connect(), keeping the concrete type so that peer_address() is reachable.
  static result<std::unique_ptr<tcp_transport>> connect(std::string_view host, std::uint16_t port,
                                                        const tcp_options& options, deadline until);

  ~tcp_transport() override;
  tcp_transport(const tcp_transport&) = delete;
  tcp_transport& operator=(const tcp_transport&) = delete;

  /// See transport::read(). Errors: errc::timeout, errc::io_error (ECONNRESET, ...), and
  /// errc::io_error with EBADF after close().
  result<std::size_t> read(std::span<char> buffer, deadline until) override;

  /// See transport::write(). Errors: errc::timeout (some bytes may have been sent),
  /// errc::io_error (EPIPE, ECONNRESET, ...), and errc::io_error with EBADF after close().
  result<void> write(std::span<const char> data, deadline until) override;

  /// Closes the socket. Idempotent.
  void close() noexcept override;

  /// The numeric address actually connected to, with its port, for verbose output:
  /// "192.0.2.1:110", "[2001:db8::1]:995" (IPv6 in brackets, with a "%scope" zone if any).
  /// Still available after close().
  const std::string& peer_address() const noexcept { return peer_address_; }

 private:
  tcp_transport(int fd, std::string peer_address) noexcept;

  int fd_;
  std::string peer_address_;
};

/// Resolves `host` (a name, an IPv4 literal, or an IPv6 literal without brackets, optionally
/// with a "%zone") with getaddrinfo and tries every address in turn with a non-blocking
/// connect, each attempt bounded by `options.connect_timeout` and all of them by `until`.
/// Returns the first connection that succeeds.
///
/// Name resolution itself is a blocking getaddrinfo() call: it is bounded by the system
/// resolver's own timeouts (resolv.conf), not by `until`.
///
/// Errors:
/// - errc::host_not_found: resolution failed (unknown name, no address of the requested
///   family, a NUL inside `host`); system_error carries errno only for EAI_SYSTEM.
/// - when every address failed, the most meaningful of their outcomes, ranked
///   connection_refused > network_unreachable > timeout > io_error (ties: the first address
///   in getaddrinfo's order), with that attempt's errno in system_error:
///   - errc::connection_refused: ECONNREFUSED (the host is up, nothing listens on the port);
///   - errc::network_unreachable: ENETUNREACH, EHOSTUNREACH, ENETDOWN or EHOSTDOWN;
///   - errc::timeout: the attempt's bound or `until` passed (system_error 0), or the kernel
///     gave up (ETIMEDOUT); addresses not tried because `until` passed add nothing, and if
///     `until` passed before the first attempt the error is errc::timeout;
///   - errc::io_error: any other errno (e.g. EAFNOSUPPORT when IPv6 is disabled).
/// Allocates (the transport, the resolver's list).
result<std::unique_ptr<transport>> tcp_connect(std::string_view host, std::uint16_t port,
                                               const tcp_options& options, deadline until);

}  // namespace pop3
