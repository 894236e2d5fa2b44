#include "loopback.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace pop3::test {

namespace {

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

struct socket_address {
  sockaddr_storage storage{};
  socklen_t length{0};
  int family{0};
};

socket_address parse(std::string_view address, std::uint16_t port) {
  socket_address parsed;
  const std::string text(address);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&parsed.storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&parsed.storage);
  if (::inet_pton(AF_INET, text.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    parsed.length = sizeof(sockaddr_in);
    parsed.family = AF_INET;
  } else if (::inet_pton(AF_INET6, text.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    parsed.length = sizeof(sockaddr_in6);
    parsed.family = AF_INET6;
  } else {
    throw std::runtime_error("not an IP literal: " + text);
  }
  return parsed;
}

test_socket bound_socket(std::string_view address, std::uint16_t* port) {
  socket_address parsed = parse(address, 0);
  test_socket bound(::socket(parsed.family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (bound.fd() < 0) fail("socket(" + std::string(address) + ")");
  if (::bind(bound.fd(), reinterpret_cast<sockaddr*>(&parsed.storage), parsed.length) != 0)
    fail("bind(" + std::string(address) + ")");
  socket_address local;
  local.length = sizeof local.storage;
  if (::getsockname(bound.fd(), reinterpret_cast<sockaddr*>(&local.storage), &local.length) != 0)
    fail("getsockname");
  *port =
      ntohs(parsed.family == AF_INET ? reinterpret_cast<sockaddr_in*>(&local.storage)->sin_port
                                     : reinterpret_cast<sockaddr_in6*>(&local.storage)->sin6_port);
  return bound;
}

bool wait_for(int fd, short events, int milliseconds) {
  pollfd entry{fd, events, 0};
  int ready;
  do
    ready = ::poll(&entry, 1, milliseconds);
  while (ready < 0 && errno == EINTR);
  if (ready < 0) fail("poll");
  return ready > 0;
}

}  // namespace

test_socket::test_socket(test_socket&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

test_socket& test_socket::operator=(test_socket&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

test_socket::~test_socket() {
  close();
}

bool test_socket::send_all(std::string_view data) {
  while (!data.empty()) {
    const ssize_t sent = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(sent));
  }
  return true;
}

std::string test_socket::receive_exactly(std::size_t count) {
  std::string data(count, '\0');
  std::size_t have = 0;
  while (have < count) {
    if (!wait_for(fd_, POLLIN, 10000)) throw std::runtime_error("receive_exactly: timed out");
    const ssize_t got = ::recv(fd_, data.data() + have, count - have, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) fail("recv");
    if (got == 0) throw std::runtime_error("receive_exactly: end of stream");
    have += static_cast<std::size_t>(got);
  }
  return data;
}

void test_socket::reset() {
  const linger abort_on_close{1, 0};
  if (::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close) != 0)
    fail("setsockopt(SO_LINGER)");
  close();
}

void test_socket::close() noexcept {
  if (fd_ >= 0) ::close(std::exchange(fd_, -1));
}

loopback_listener::loopback_listener(std::string_view address, int backlog, int receive_buffer)
    : address_(address), socket_(bound_socket(address, &port_)) {
  if (receive_buffer > 0 && ::setsockopt(socket_.fd(), SOL_SOCKET, SO_RCVBUF, &receive_buffer,
                                         sizeof receive_buffer) != 0)
    fail("setsockopt(SO_RCVBUF)");
  if (::listen(socket_.fd(), backlog) != 0) fail("listen");
}

test_socket loopback_listener::accept() {
  if (!wait_for(socket_.fd(), POLLIN, 10000)) throw std::runtime_error("accept: timed out");
  test_socket accepted(::accept4(socket_.fd(), nullptr, nullptr, SOCK_CLOEXEC));
  if (accepted.fd() < 0) fail("accept");
  return accepted;
}

void loopback_listener::fill_accept_queue() {
  for (int attempt = 0; attempt < 64; ++attempt) {
    socket_address target = parse(address_, port_);
    test_socket client(::socket(target.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (client.fd() < 0) fail("socket");
    const bool immediate =
        ::connect(client.fd(), reinterpret_cast<sockaddr*>(&target.storage), target.length) == 0;
    if (!immediate && errno != EINPROGRESS) fail("connect");
    const bool completed = immediate || wait_for(client.fd(), POLLOUT, 300);
    queued_.push_back(std::move(client));
    if (!completed) return;
  }
  throw std::runtime_error("fill_accept_queue: every connection completed");
}

std::uint16_t closed_port(std::string_view address) {
  std::uint16_t port = 0;
  bound_socket(address, &port);  // the socket closes here, leaving the port unused
  return port;
}

}  // namespace pop3::test
