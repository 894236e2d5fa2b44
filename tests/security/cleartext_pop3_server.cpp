#include "cleartext_pop3_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>
#include <system_error>

namespace pop3::test {
namespace {

constexpr int send_timeout_ms = 5000;
constexpr std::size_t max_line_length = 64 * 1024;

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

// True when FD is readable; false on timeout or when the stop pipe was written.
bool readable(int fd, int stop, int timeout_ms) {
  pollfd fds[2] = {{fd, POLLIN, 0}, {stop, POLLIN, 0}};
  int n;
  while ((n = ::poll(fds, 2, timeout_ms)) < 0 && errno == EINTR) {
  }
  return n > 0 && fds[1].revents == 0;
}

bool matches(const std::string& expect, const std::string& line) {
  if (!expect.empty() && expect.back() == '*')
    return line.compare(0, expect.size() - 1, expect, 0, expect.size() - 1) == 0;
  return line == expect;
}

// True when bytes of the client are waiting to be read: it sent more before this reply.
bool more_waiting(int fd) {
  int waiting = 0;
  return ::ioctl(fd, FIONREAD, &waiting) == 0 && waiting > 0;
}

}  // namespace

cleartext_pop3_server::cleartext_pop3_server(cleartext_server_options options)
    : options_(std::move(options)) {
  if (::pipe2(stop_pipe_, O_CLOEXEC) != 0) throw_errno("pipe2");
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener_ < 0) throw_errno("socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
      ::listen(listener_, 4) != 0 ||
      ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    throw_errno("bind/listen 127.0.0.1");
  }
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { run(); });
}

cleartext_pop3_server::~cleartext_pop3_server() {
  const char stop = 1;
  [[maybe_unused]] const ssize_t ignored = ::write(stop_pipe_[1], &stop, 1);
  thread_.join();
  ::close(listener_);
  ::close(stop_pipe_[0]);
  ::close(stop_pipe_[1]);
}

void cleartext_pop3_server::run() {
  // Waits for the client as long as the test lives: a client that never connects (refused
  // locally) is a normal outcome.
  if (readable(listener_, stop_pipe_[0], -1)) {
    const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) {
      {
        const std::lock_guard lock(mutex_);
        ++accepted_;
      }
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      // A client that stops reading must not block a send() for ever.
      const timeval limit{send_timeout_ms / 1000, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
      serve(fd);
      ::close(fd);
    }
  }
  const std::lock_guard lock(mutex_);
  done_ = true;
  done_changed_.notify_all();
}

void cleartext_pop3_server::serve(int fd) {
  if (!send_all(fd, options_.greeting, false)) return;
  if (options_.close_after_greeting) return read_until_client_closes(fd);
  used_.assign(options_.script.size(), false);
  std::string line;
  for (;;) {
    if (!readable(fd, stop_pipe_[0], idle_ms())) return;
    char byte = 0;
    if (::recv(fd, &byte, 1, 0) != 1) return;
    record(byte);
    if (byte != '\n') {
      if (line.size() > max_line_length) return;
      line += byte;
      continue;
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (more_waiting(fd)) {
      const std::lock_guard lock(mutex_);
      pipelined_ = true;
    }
    if (const cleartext_step* s = take_step(line)) {
      const bool misbehave = s->reply_once_pipelined && saw_pipelining();
      if (!send_all(fd, misbehave ? *s->reply_once_pipelined : s->reply, s->trickle)) return;
      if (s->close_after) return read_until_client_closes(fd);
    } else if (line == "QUIT") {
      send_all(fd, "+OK bye\r\n", false);
      return;
    } else if (!send_all(fd, "-ERR unexpected command\r\n", false)) {
      return;
    }
    line.clear();
  }
}

int cleartext_pop3_server::idle_ms() const {
  return static_cast<int>(options_.idle_timeout.count());
}

const cleartext_step* cleartext_pop3_server::take_step(const std::string& line) {
  for (std::size_t i = 0; i < options_.script.size(); ++i) {
    if (used_[i]) continue;
    if (matches(options_.script[i].expect, line)) {
      used_[i] = true;
      return &options_.script[i];
    }
    if (!options_.any_order) return nullptr;  // only the next step may match
  }
  return nullptr;
}

void cleartext_pop3_server::record(char byte) {
  const std::lock_guard lock(mutex_);
  received_ += byte;
}

void cleartext_pop3_server::read_until_client_closes(int fd) {
  ::shutdown(fd, SHUT_WR);
  char buffer[4096];
  while (readable(fd, stop_pipe_[0], idle_ms())) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    const std::lock_guard lock(mutex_);
    received_.append(buffer, static_cast<std::size_t>(n));
  }
}

bool cleartext_pop3_server::send_all(int fd, const std::string& bytes, bool trickle) {
  std::string_view rest = bytes;
  while (!rest.empty()) {
    const std::size_t piece = trickle ? 1 : rest.size();
    const ssize_t n = ::send(fd, rest.data(), piece, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

void cleartext_pop3_server::serve_again(cleartext_server_options options) {
  thread_.join();
  options_ = std::move(options);
  {
    const std::lock_guard lock(mutex_);
    done_ = false;
    received_.clear();
    pipelined_ = false;
  }
  thread_ = std::thread([this] { run(); });
}

bool cleartext_pop3_server::wait_until_done(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return done_changed_.wait_for(lock, timeout, [this] { return done_; });
}

std::size_t cleartext_pop3_server::connections_accepted() const {
  const std::lock_guard lock(mutex_);
  return accepted_;
}

std::string cleartext_pop3_server::received() const {
  const std::lock_guard lock(mutex_);
  return received_;
}

bool cleartext_pop3_server::saw_pipelining() const {
  const std::lock_guard lock(mutex_);
  return pipelined_;
}

}  // namespace pop3::test
