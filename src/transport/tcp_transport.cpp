#include "pop3/tcp_transport.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "transport_error.hpp"
#include "wait_ready.hpp"

namespace pop3 {

using detail::transport_failure;

tcp_transport::tcp_transport(int fd, std::string peer_address) noexcept
    : fd_(fd), peer_address_(std::move(peer_address)) {}

tcp_transport::~tcp_transport() {
  close();
}

result<std::size_t> tcp_transport::read(std::span<char> buffer, deadline until) {
  if (fd_ < 0) return transport_failure(errc::io_error, EBADF);
  if (buffer.empty()) return std::size_t{0};
  for (;;) {
    // recv() first: when data is already there this saves the poll() round trip, and data
    // that arrived just before the deadline is still delivered.
    const ssize_t received = ::recv(fd_, buffer.data(), buffer.size(), 0);
    if (received >= 0) return static_cast<std::size_t>(received);
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return transport_failure(errc::io_error, errno);
    if (auto ready = detail::wait_ready(fd_, POLLIN, until); !ready)
      return unexpected(ready.error());
  }
}

result<void> tcp_transport::write(std::span<const char> data, deadline until) {
  if (fd_ < 0) return transport_failure(errc::io_error, EBADF);
  while (!data.empty()) {
    // MSG_NOSIGNAL: a reset connection must surface as EPIPE, not kill the process.
    const ssize_t sent = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (sent >= 0) {
      data = data.subspan(static_cast<std::size_t>(sent));
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return transport_failure(errc::io_error, errno);
    if (auto ready = detail::wait_ready(fd_, POLLOUT, until); !ready)
      return unexpected(ready.error());
  }
  return {};
}

void tcp_transport::close() noexcept {
  // Not retried on EINTR: Linux releases the descriptor even then (see unique_fd).
  if (fd_ >= 0) ::close(std::exchange(fd_, -1));
}

}  // namespace pop3
