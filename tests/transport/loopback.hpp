// The server side of the TCP transport tests: plain sockets on loopback addresses. Failures
// throw std::runtime_error, which GoogleTest reports as a failed test (never a skip).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pop3::test {

/// An owned socket descriptor with the few blocking operations the tests need.
class test_socket {
 public:
  explicit test_socket(int fd = -1) noexcept : fd_(fd) {}
  test_socket(test_socket&& other) noexcept;
  test_socket& operator=(test_socket&& other) noexcept;
  ~test_socket();

  int fd() const noexcept { return fd_; }

  /// Sends all of `data` (MSG_NOSIGNAL); returns false if the peer is gone.
  bool send_all(std::string_view data);
  /// Receives exactly `count` bytes, waiting at most 10 s in all.
  std::string receive_exactly(std::size_t count);
  /// Closes so that the peer gets an RST instead of a FIN (SO_LINGER with a zero timeout).
  void reset();
  void close() noexcept;

 private:
  int fd_;
};

/// A TCP socket listening on `address` ("127.0.0.1" or "::1"), on a port the kernel chose.
class loopback_listener {
 public:
  /// `receive_buffer` > 0 sets SO_RCVBUF before listen(), so accepted sockets inherit it.
  explicit loopback_listener(std::string_view address, int backlog = 16, int receive_buffer = 0);

  std::uint16_t port() const noexcept { return port_; }
  /// Accepts one connection, waiting at most 10 s.
  test_socket accept();
  /// Connects sockets to this listener without accepting them until one connection no longer
  /// completes: from then on the accept queue is full and the kernel drops new SYNs, so a
  /// connect() to this listener hangs until its caller's timeout. The sockets are kept open.
  void fill_accept_queue();

 private:
  std::string address_;
  std::uint16_t port_{0};  // before socket_: the socket's initializer stores the port here
  test_socket socket_;
  std::vector<test_socket> queued_;
};

/// A port on `address` that nothing listens on: bound by a socket that is then closed.
std::uint16_t closed_port(std::string_view address);

}  // namespace pop3::test
