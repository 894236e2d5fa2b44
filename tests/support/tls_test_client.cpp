#include "support/tls_test_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

namespace pop3::test {
namespace {

constexpr timeval io_timeout{5, 0};

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

bool is_ip_literal(const std::string& text) {
  unsigned char address[16];
  return ::inet_pton(AF_INET, text.c_str(), address) == 1 ||
         ::inet_pton(AF_INET6, text.c_str(), address) == 1;
}

// OpenSSL writes with write(2), which raises SIGPIPE when the server has gone. Blocked for the
// duration of one write (and a resulting pending SIGPIPE consumed), the write just fails with
// EPIPE, without changing the test program's signal handling.
class sigpipe_blocker {
 public:
  sigpipe_blocker() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &previous_);
  }
  ~sigpipe_blocker() {
    sigset_t pending;
    sigpending(&pending);
    if (!was_pending_ && sigismember(&pending, SIGPIPE) == 1) {
      const timespec no_wait{0, 0};
      sigtimedwait(&pipe_, nullptr, &no_wait);
    }
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }
  sigpipe_blocker(const sigpipe_blocker&) = delete;
  sigpipe_blocker& operator=(const sigpipe_blocker&) = delete;

 private:
  sigset_t pipe_{}, previous_{};
  bool was_pending_ = false;
};

ssl_ctx_ptr make_client_context(const tls_client_options& options) {
  ssl_ctx_ptr context(SSL_CTX_new(TLS_client_method()));
  if (!context) throw_openssl_error("SSL_CTX_new");
  SSL_CTX* ctx = context.get();
  if (options.legacy_security_level) {
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
  if (!options.ca_pem.empty()) {
    // Only the given certificates: the system trust store must not make a test pass.
    X509_STORE* store = SSL_CTX_get_cert_store(ctx);
    for (const x509_ptr& certificate : certificates_from_pem(options.ca_pem)) {
      if (X509_STORE_add_cert(store, certificate.get()) != 1) throw_openssl_error("CA");
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  }
  if (!options.identity.certificate_pem.empty()) {
    const x509_ptr certificate = certificate_from_pem(options.identity.certificate_pem);
    const evp_pkey_ptr key = private_key_from_pem(options.identity.key_pem);
    if (SSL_CTX_use_certificate(ctx, certificate.get()) != 1 ||
        SSL_CTX_use_PrivateKey(ctx, key.get()) != 1) {
      throw_openssl_error("client certificate");
    }
  }
  return context;
}

}  // namespace

tls_test_client::tls_test_client(const std::string& address, std::uint16_t port) {
  sockaddr_storage storage{};
  socklen_t size = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
  if (::inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    size = sizeof *v4;
  } else if (::inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    size = sizeof *v6;
  } else {
    throw std::runtime_error("tls_test_client: not an IP address: " + address);
  }
  fd_ = ::socket(storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw_errno("socket");
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &io_timeout, sizeof io_timeout);
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &io_timeout, sizeof io_timeout);
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&storage), size) != 0) {
    const int error = errno;
    ::close(fd_);
    errno = error;
    throw_errno("connect " + address + " port " + std::to_string(port));
  }
}

tls_test_client::~tls_test_client() {
  if (ssl_) {
    const sigpipe_blocker blocker;
    SSL_shutdown(ssl_.get());
  }
  ssl_.reset();
  ::close(fd_);
}

bool tls_test_client::start_tls(const tls_client_options& options) {
  buffer_.clear();
  context_ = make_client_context(options);
  ssl_.reset(SSL_new(context_.get()));
  if (!ssl_ || SSL_set_fd(ssl_.get(), fd_) != 1) throw_openssl_error("SSL_new");
  // SSL_set_tlsext_host_name spelled out: the macro's C cast trips -Wold-style-cast.
  if (!options.sni.empty() &&
      SSL_ctrl(ssl_.get(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               const_cast<char*>(options.sni.c_str())) != 1) {
    throw_openssl_error("SNI");
  }
  if (!options.verify_name.empty()) {
    const bool set = is_ip_literal(options.verify_name)
                         ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_.get()),
                                                         options.verify_name.c_str()) == 1
                         : SSL_set1_host(ssl_.get(), options.verify_name.c_str()) == 1;
    if (!set) throw_openssl_error("verify name");
  }
  ERR_clear_error();
  errno = 0;
  int result = 0;
  {
    const sigpipe_blocker blocker;
    result = SSL_connect(ssl_.get());
  }
  verify_result_ = SSL_get_verify_result(ssl_.get());
  if (result == 1) return true;
  error_ = take_openssl_errors();
  if (error_.empty()) error_ = errno != 0 ? std::strerror(errno) : "connection closed";
  ssl_.reset();
  return false;
}

std::string tls_test_client::protocol_version() const {
  return ssl_ ? SSL_get_version(ssl_.get()) : "";
}

void tls_test_client::send(std::string_view bytes) {
  if (ssl_) {
    const sigpipe_blocker blocker;
    std::size_t written = 0;
    if (!bytes.empty() && SSL_write_ex(ssl_.get(), bytes.data(), bytes.size(), &written) != 1) {
      throw_openssl_error("SSL_write");
    }
    return;
  }
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("send");
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::size_t tls_test_client::receive_some() {
  char chunk[16384];
  if (ssl_) {
    std::size_t got = 0;
    ERR_clear_error();
    if (SSL_read_ex(ssl_.get(), chunk, sizeof chunk, &got) != 1) {
      const int error = SSL_get_error(ssl_.get(), 0);
      if (error == SSL_ERROR_ZERO_RETURN) return 0;
      const std::string errors = take_openssl_errors();
      if (errors.empty() && errno == 0) return 0;  // EOF without close_notify
      throw std::runtime_error("SSL_read: " + (errors.empty() ? std::strerror(errno) : errors));
    }
    buffer_.append(chunk, got);
    return got;
  }
  for (;;) {
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("recv");
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return static_cast<std::size_t>(n);
  }
}

std::string tls_test_client::read_line() {
  for (;;) {
    const std::size_t end = buffer_.find("\r\n");
    if (end != std::string::npos) {
      std::string line = buffer_.substr(0, end);
      buffer_.erase(0, end + 2);
      return line;
    }
    errno = 0;
    if (receive_some() == 0) {
      throw std::runtime_error("connection closed mid-line; got '" + buffer_ + "'");
    }
  }
}

std::string tls_test_client::command(std::string_view line) {
  send(std::string(line) + "\r\n");
  return read_line();
}

std::string tls_test_client::read_multiline() {
  std::string body;
  for (;;) {
    const std::string line = read_line();
    if (line == ".") return body;
    if (!body.empty()) body += "\r\n";
    body.append(line, line.rfind('.', 0) == 0 ? 1 : 0);
  }
}

const std::string& tls_test_client::collect_for(std::chrono::milliseconds duration) {
  const auto deadline = std::chrono::steady_clock::now() + duration;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return buffer_;
    pollfd fd{fd_, POLLIN, 0};
    const int n = ::poll(&fd, 1, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return buffer_;
    errno = 0;
    if (receive_some() == 0) return buffer_;
  }
}

}  // namespace pop3::test
