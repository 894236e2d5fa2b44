#include "support/tls_test_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <utility>

namespace pop3::test {
namespace {

using std::chrono::milliseconds;

constexpr std::size_t max_line_length = 64 * 1024;
constexpr unsigned char tls_handshake_record = 0x16;
constexpr milliseconds injection_byte_gap{10};
// After a client sent plaintext where a ClientHello belonged, keep reading until it has been
// quiet this long, so that a whole leaked command ends up in plaintext_received.
constexpr milliseconds plaintext_quiet_time{200};

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

enum class wait_result { ready, timeout, stopped };

wait_result wait_readable(int fd, int stop_event, milliseconds timeout) {
  pollfd fds[2] = {{fd, POLLIN, 0}, {stop_event, POLLIN, 0}};
  for (;;) {
    const int n = ::poll(fds, 2, static_cast<int>(timeout.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("poll");
    if (n == 0) return wait_result::timeout;
    return fds[1].revents != 0 ? wait_result::stopped : wait_result::ready;
  }
}

// A sleep that the destructor can cut short; false when it did.
bool pause_unless_stopped(int stop_event, milliseconds duration) {
  if (duration.count() <= 0) return true;
  pollfd fd{stop_event, POLLIN, 0};
  int n;
  while ((n = ::poll(&fd, 1, static_cast<int>(duration.count()))) < 0 && errno == EINTR) {
  }
  return n == 0;
}

void set_socket_timeouts(int fd, milliseconds timeout) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(timeout).count();
  const timeval value{static_cast<time_t>(us / 1000000), static_cast<suseconds_t>(us % 1000000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, sizeof value);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &value, sizeof value);
}

bool line_matches(const std::string& expect, const std::string& line) {
  if (!expect.empty() && expect.back() == '*') {
    return std::string_view(line).substr(0, expect.size() - 1) ==
           std::string_view(expect).substr(0, expect.size() - 1);
  }
  return line == expect;
}

bool is_command(const std::string& line, std::string_view name) {
  return line.size() == name.size() &&
         std::equal(line.begin(), line.end(), name.begin(), [](char a, char b) {
           return std::toupper(static_cast<unsigned char>(a)) == b;
         });
}

std::string capability_reply(const std::vector<std::string>& capabilities) {
  std::string reply = "+OK Capability list follows\r\n";
  for (const std::string& capability : capabilities)
    reply += capability + "\r\n";
  return reply + ".\r\n";
}

int record_server_name(SSL* ssl, int*, void*) {
  auto* sni = static_cast<std::string*>(SSL_get_app_data(ssl));
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (sni != nullptr && name != nullptr) *sni = name;
  return SSL_TLSEXT_ERR_OK;
}

// Client certificates are verified and the result recorded, but never fail the handshake: the
// test decides what a bad one means.
int accept_any_client_certificate(int, X509_STORE_CTX*) {
  return 1;
}

std::string one_line_name(X509_NAME* name) {
  const bio_ptr bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_ONELINE) < 0) return {};
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

ssl_ctx_ptr make_server_context(const tls_test_server_options& options) {
  ssl_ctx_ptr context(SSL_CTX_new(TLS_server_method()));
  if (!context) throw_openssl_error("SSL_CTX_new");
  SSL_CTX* ctx = context.get();
  const x509_ptr certificate = certificate_from_pem(options.identity.certificate_pem);
  const evp_pkey_ptr key = private_key_from_pem(options.identity.key_pem);
  if (SSL_CTX_use_certificate(ctx, certificate.get()) != 1 ||
      SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    throw_openssl_error("server key and certificate");
  }
  // OpenSSL 3 allows TLS 1.0/1.1 (SHA-1 signatures) only at security level 0; Debian builds
  // with level 2 as the default.
  const auto below_tls12 = [](int version) { return version != 0 && version < TLS1_2_VERSION; };
  if (below_tls12(options.min_protocol) || below_tls12(options.max_protocol)) {
    SSL_CTX_set_security_level(ctx, 0);
    if (SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0") != 1) {
      throw_openssl_error("SSL_CTX_set_cipher_list");
    }
  }
  if ((options.min_protocol != 0 &&
       SSL_CTX_set_min_proto_version(ctx, options.min_protocol) != 1) ||
      (options.max_protocol != 0 &&
       SSL_CTX_set_max_proto_version(ctx, options.max_protocol) != 1)) {
    throw_openssl_error("protocol version range");
  }
  // SSL_CTX_set_tlsext_servername_callback spelled out: the macro's C cast trips
  // -Wold-style-cast.
  SSL_CTX_callback_ctrl(ctx, SSL_CTRL_SET_TLSEXT_SERVERNAME_CB,
                        reinterpret_cast<void (*)()>(record_server_name));
  if (!options.client_ca_pem.empty()) {
    X509_STORE* store = SSL_CTX_get_cert_store(ctx);
    for (const x509_ptr& ca : certificates_from_pem(options.client_ca_pem)) {
      if (X509_STORE_add_cert(store, ca.get()) != 1 || SSL_CTX_add_client_CA(ctx, ca.get()) != 1) {
        throw_openssl_error("client CA");
      }
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, accept_any_client_certificate);
  }
  return context;
}

int listen_on(int family, std::uint16_t port) {
  const int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw_errno("socket");
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_storage storage{};
  socklen_t size = 0;
  if (family == AF_INET) {
    auto* address = reinterpret_cast<sockaddr_in*>(&storage);
    address->sin_family = AF_INET;
    address->sin_port = htons(port);
    address->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    size = sizeof *address;
  } else {
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    auto* address = reinterpret_cast<sockaddr_in6*>(&storage);
    address->sin6_family = AF_INET6;
    address->sin6_port = htons(port);
    address->sin6_addr = in6addr_loopback;
    size = sizeof *address;
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&storage), size) != 0 || ::listen(fd, 16) != 0) {
    const int error = errno;
    ::close(fd);
    errno = error;
    return -1;
  }
  return fd;
}

std::uint16_t local_port(int fd) {
  sockaddr_in address{};
  socklen_t size = sizeof address;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    throw_errno("getsockname");
  }
  return ntohs(address.sin_port);
}

}  // namespace

// One client, start to end. Reading failures end the dialogue (end_ says why); writing
// failures throw and are recorded by serve().
class tls_test_server::connection {
 public:
  connection(tls_test_server& server, int fd, std::size_t index)
      : server_(server), options_(server.options_), fd_(fd), index_(index) {}

  void run() {
    if (options_.start == tls_start::stls && !plaintext_phase()) return;
    if (options_.start == tls_start::implicit &&
        !pause_unless_stopped(server_.stop_event_, options_.handshake_delay)) {
      return finish("stopped");
    }
    if (!handshake()) return;
    if (options_.start == tls_start::implicit) send_tls(options_.greeting);
    tls_phase();
  }

  void finish(std::string end) {
    server_.update(index_, [&](tls_connection_record& r) { r.end = std::move(end); });
  }

 private:
  // False when the connection ended before a handshake.
  bool plaintext_phase() {
    send_plain(options_.greeting);
    std::size_t step = 0;
    for (;;) {
      const std::optional<std::string> line = read_plain_line();
      if (!line) return false;
      if (const script_step* s = next_step(options_.script_before_tls, step, *line)) {
        send_plain(s->respond ? s->respond(*line) : s->reply);
      } else if (is_command(*line, "CAPA")) {
        send_plain(capability_reply(options_.capabilities_before_tls));
      } else if (is_command(*line, "QUIT")) {
        send_plain("+OK bye\r\n");
        finish("quit");
        return false;
      } else if (is_command(*line, "STLS")) {
        send_stls_reply();
        if (options_.stls_reply.rfind("+OK", 0) == 0) return client_hello_follows();
      } else {
        send_plain("-ERR unexpected command\r\n");
      }
    }
  }

  void send_stls_reply() {
    switch (options_.timing) {
      case injection_timing::same_segment:
        send_plain(options_.stls_reply + options_.injection);
        break;
      case injection_timing::byte_by_byte:
        send_plain(options_.stls_reply);
        for (const char byte : options_.injection) {
          send_plain(std::string(1, byte));
          if (!pause_unless_stopped(server_.stop_event_, injection_byte_gap)) return;
        }
        break;
      case injection_timing::delayed:
        send_plain(options_.stls_reply);
        if (!options_.injection.empty() &&
            pause_unless_stopped(server_.stop_event_, options_.injection_delay)) {
          send_plain(options_.injection);
        }
        break;
    }
  }

  // Peeks at what the client sends after the STLS reply: a TLS handshake record goes on to the
  // handshake; anything else is plaintext the client should not have sent, and is recorded.
  bool client_hello_follows() {
    if (!pause_unless_stopped(server_.stop_event_, options_.handshake_delay)) {
      finish("stopped");
      return false;
    }
    if (!wait_for_client()) return false;
    unsigned char first = 0;
    const ssize_t n = ::recv(fd_, &first, 1, MSG_PEEK);
    if (n <= 0) {
      finish(n == 0 ? "closed" : std::string("recv: ") + std::strerror(errno));
      return false;
    }
    if (first == tls_handshake_record) return true;
    char chunk[4096];
    while (wait_readable(fd_, server_.stop_event_, plaintext_quiet_time) == wait_result::ready) {
      const ssize_t got = ::recv(fd_, chunk, sizeof chunk, 0);
      if (got <= 0) break;
      record_plaintext(std::string_view(chunk, static_cast<std::size_t>(got)));
    }
    finish("plaintext instead of a TLS handshake after STLS");
    return false;
  }

  bool handshake() {
    ssl_.reset(SSL_new(server_.context_.get()));
    if (!ssl_ || SSL_set_fd(ssl_.get(), fd_) != 1) throw_openssl_error("SSL_new");
    std::string sni;
    SSL_set_app_data(ssl_.get(), &sni);
    server_.update(index_, [](tls_connection_record& r) { r.handshake_attempted = true; });
    ERR_clear_error();
    errno = 0;
    const int result = SSL_accept(ssl_.get());
    const int error = SSL_get_error(ssl_.get(), result);
    const int saved_errno = errno;
    SSL_set_app_data(ssl_.get(), nullptr);
    server_.update(index_, [&](tls_connection_record& r) { r.client_sni = sni; });
    if (result != 1) {
      std::string why = take_openssl_errors();
      if (why.empty()) {
        // SO_RCVTIMEO expiring shows as EAGAIN (SSL_ERROR_WANT_READ on a blocking socket).
        why = saved_errno == EAGAIN || saved_errno == EWOULDBLOCK ? "timeout"
              : error == SSL_ERROR_SYSCALL && saved_errno != 0
                  ? std::string(std::strerror(saved_errno))
                  : "closed";
      }
      server_.update(index_, [&](tls_connection_record& r) { r.handshake_error = why; });
      finish("handshake failed");
      return false;
    }
    std::string subject;
    if (X509* peer = SSL_get0_peer_certificate(ssl_.get())) {
      subject = one_line_name(X509_get_subject_name(peer));
    }
    const bool verified = !subject.empty() && SSL_get_verify_result(ssl_.get()) == X509_V_OK;
    server_.update(index_, [&](tls_connection_record& r) {
      r.handshake_succeeded = true;
      r.protocol_version = SSL_get_version(ssl_.get());
      r.client_certificate_subject = subject;
      r.client_certificate_verified = verified;
    });
    return true;
  }

  void tls_phase() {
    std::size_t step = 0;
    for (;;) {
      const std::optional<std::string> line = read_tls_line();
      if (!line) return;
      if (const script_step* s = next_step(options_.script_after_tls, step, *line)) {
        send_tls(s->respond ? s->respond(*line) : s->reply);
      } else if (is_command(*line, "CAPA")) {
        send_tls(capability_reply(options_.capabilities_after_tls));
      } else if (is_command(*line, "QUIT")) {
        send_tls("+OK bye\r\n");
        SSL_shutdown(ssl_.get());
        return finish("quit");
      } else {
        send_tls("-ERR unexpected command\r\n");
      }
    }
  }

  static const script_step* next_step(const std::vector<script_step>& script, std::size_t& step,
                                      const std::string& line) {
    if (step >= script.size() || !line_matches(script[step].expect, line)) return nullptr;
    return &script[step++];
  }

  // False (and the connection's end recorded) on timeout or stop.
  bool wait_for_client() {
    switch (wait_readable(fd_, server_.stop_event_, options_.read_timeout)) {
      case wait_result::ready:
        return true;
      case wait_result::timeout:
        finish("timeout");
        return false;
      case wait_result::stopped:
        finish("stopped");
        return false;
    }
    return false;
  }

  // One byte per recv(), so that nothing after a line (e.g. a ClientHello after STLS) is taken
  // from the socket.
  std::optional<std::string> read_plain_line() {
    std::string line;
    while (line.size() < max_line_length) {
      if (!wait_for_client()) return std::nullopt;
      char byte = 0;
      const ssize_t n = ::recv(fd_, &byte, 1, 0);
      if (n <= 0) {
        finish(n == 0 ? "closed" : std::string("recv: ") + std::strerror(errno));
        return std::nullopt;
      }
      record_plaintext(std::string_view(&byte, 1));
      if (byte == '\n') {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        return line;
      }
      line += byte;
    }
    finish("line too long");
    return std::nullopt;
  }

  std::optional<std::string> read_tls_line() {
    for (;;) {
      const std::size_t end = buffer_.find('\n');
      if (end != std::string::npos) {
        std::string line = buffer_.substr(0, end);
        buffer_.erase(0, end + 1);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        return line;
      }
      if (buffer_.size() > max_line_length) {
        finish("line too long");
        return std::nullopt;
      }
      if (SSL_pending(ssl_.get()) == 0 && !wait_for_client()) return std::nullopt;
      char chunk[16384];
      ERR_clear_error();
      const int n = SSL_read(ssl_.get(), chunk, sizeof chunk);
      if (n <= 0) {
        const int error = SSL_get_error(ssl_.get(), n);
        const std::string errors = take_openssl_errors();
        finish(error == SSL_ERROR_ZERO_RETURN || errors.empty() ? "closed" : errors);
        return std::nullopt;
      }
      const std::string_view received(chunk, static_cast<std::size_t>(n));
      buffer_.append(received);
      server_.update(index_,
                     [&](tls_connection_record& r) { r.received_after_handshake += received; });
    }
  }

  void record_plaintext(std::string_view bytes) {
    server_.update(index_, [&](tls_connection_record& r) { r.plaintext_received += bytes; });
  }

  void send_plain(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw_errno("send");
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  void send_tls(std::string_view bytes) {
    if (bytes.empty()) return;
    std::size_t written = 0;
    if (SSL_write_ex(ssl_.get(), bytes.data(), bytes.size(), &written) != 1) {
      throw_openssl_error("SSL_write");
    }
  }

  tls_test_server& server_;
  const tls_test_server_options& options_;
  int fd_;
  std::size_t index_;
  ssl_ptr ssl_;
  std::string buffer_;
};

tls_test_server::tls_test_server(tls_test_server_options options)
    : options_(std::move(options)), context_(make_server_context(options_)) {
  stop_event_ = ::eventfd(0, EFD_CLOEXEC);
  if (stop_event_ < 0) throw_errno("eventfd");
  // The IPv6 socket takes the port the kernel chose for IPv4; if another socket already holds
  // it on ::1, try again with a new one.
  for (int attempt = 0; attempt < 20 && listeners_.empty(); ++attempt) {
    const int ipv4 = listen_on(AF_INET, 0);
    if (ipv4 < 0) throw_errno("bind 127.0.0.1");
    port_ = local_port(ipv4);
    listeners_.push_back(ipv4);
    if (!options_.also_ipv6) break;
    const int ipv6 = listen_on(AF_INET6, port_);
    if (ipv6 >= 0) {
      listeners_.push_back(ipv6);
    } else if (errno == EADDRINUSE) {
      ::close(ipv4);
      listeners_.clear();
    } else {
      throw_errno("bind [::1]");
    }
  }
  if (listeners_.empty()) throw std::runtime_error("no port free on both 127.0.0.1 and [::1]");
  thread_ = std::thread([this] { run(); });
}

tls_test_server::~tls_test_server() {
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t ignored = ::write(stop_event_, &one, sizeof one);
  {
    const std::lock_guard lock(mutex_);
    if (active_fd_ >= 0) ::shutdown(active_fd_, SHUT_RDWR);
  }
  if (thread_.joinable()) thread_.join();
  for (const int fd : listeners_)
    ::close(fd);
  ::close(stop_event_);
}

void tls_test_server::run() {
  // OpenSSL writes with write(2): a client that has gone would raise SIGPIPE, which must end
  // the connection (EPIPE), not the test program.
  sigset_t pipe_signal;
  sigemptyset(&pipe_signal);
  sigaddset(&pipe_signal, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_signal, nullptr);

  for (std::size_t index = 0; index < options_.connections; ++index) {
    const int fd = accept_next();
    if (fd < 0) break;
    {
      const std::lock_guard lock(mutex_);
      records_.emplace_back();
      active_fd_ = fd;
    }
    serve(fd, index);
    const std::lock_guard lock(mutex_);
    active_fd_ = -1;
    ::close(fd);
  }
  const std::lock_guard lock(mutex_);
  done_ = true;
  done_changed_.notify_all();
}

int tls_test_server::accept_next() {
  std::vector<pollfd> fds;
  for (const int fd : listeners_)
    fds.push_back({fd, POLLIN, 0});
  fds.push_back({stop_event_, POLLIN, 0});
  for (;;) {
    const int n = ::poll(fds.data(), fds.size(), -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || fds.back().revents != 0) return -1;
    for (std::size_t i = 0; i + 1 < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      const int fd = ::accept4(fds[i].fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      // SO_RCVTIMEO bounds the blocking reads inside SSL_accept and SSL_read too.
      set_socket_timeouts(fd, options_.read_timeout);
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      return fd;
    }
  }
}

void tls_test_server::serve(int fd, std::size_t index) {
  connection client(*this, fd, index);
  try {
    client.run();
  } catch (const std::exception& e) {
    client.finish(e.what());
  }
}

void tls_test_server::update(std::size_t index,
                             const std::function<void(tls_connection_record&)>& change) {
  const std::lock_guard lock(mutex_);
  change(records_.at(index));
}

bool tls_test_server::wait_until_done(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return done_changed_.wait_for(lock, timeout, [this] { return done_; });
}

std::size_t tls_test_server::connections_accepted() const {
  const std::lock_guard lock(mutex_);
  return records_.size();
}

tls_connection_record tls_test_server::record(std::size_t index) const {
  const std::lock_guard lock(mutex_);
  return index < records_.size() ? records_[index] : tls_connection_record{};
}

bool tls_test_server::handshake_succeeded(std::size_t index) const {
  return record(index).handshake_succeeded;
}

std::string tls_test_server::client_sni(std::size_t index) const {
  return record(index).client_sni;
}

std::string tls_test_server::received_after_handshake(std::size_t index) const {
  return record(index).received_after_handshake;
}

std::string tls_test_server::plaintext_received(std::size_t index) const {
  return record(index).plaintext_received;
}

}  // namespace pop3::test
