// A minimal POP3-over-TLS client made of plain OpenSSL and POSIX sockets, for proving the test
// servers (tls_test_server, the private Dovecot) without the project's own TLS code. Blocking,
// with 5 s timeouts on every read and write; failures throw std::runtime_error.
#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "support/openssl_handles.hpp"
#include "support/test_certificates.hpp"

namespace pop3::test {

struct tls_client_options {
  // Trusted certificates (PEM, one or more). Empty: no verification at all (SSL_VERIFY_NONE).
  std::string ca_pem;
  // The name the certificate must match, checked by OpenSSL: an IP literal is checked against
  // iPAddress entries (X509_VERIFY_PARAM_set1_ip_asc), anything else as a DNS name
  // (SSL_set1_host). Empty: chain only.
  std::string verify_name;
  // The SNI to send; empty: none.
  std::string sni;
  int min_protocol = TLS1_2_VERSION;
  int max_protocol = 0;  // 0: the newest OpenSSL supports
  // Security level 0 and "DEFAULT:@SECLEVEL=0", which OpenSSL 3 needs for TLS 1.0/1.1.
  bool legacy_security_level = false;
  // A client certificate to present when the server asks; empty: none.
  key_and_certificate identity;
};

class tls_test_client {
 public:
  // Connects to ADDRESS (an IPv4 or IPv6 literal) on PORT. Nothing is read yet.
  tls_test_client(const std::string& address, std::uint16_t port);
  ~tls_test_client();
  tls_test_client(const tls_test_client&) = delete;
  tls_test_client& operator=(const tls_test_client&) = delete;

  // Runs the TLS handshake on the connection (right after connecting for POP3S, after "+OK" to
  // STLS otherwise). Plaintext bytes already buffered are discarded (see buffered()). Returns
  // false when the handshake failed; error() and verify_result() then say why.
  bool start_tls(const tls_client_options& options);
  bool tls_active() const { return ssl_ != nullptr; }
  // SSL_get_verify_result after start_tls: X509_V_OK, X509_V_ERR_HOSTNAME_MISMATCH, ...
  long verify_result() const { return verify_result_; }
  const std::string& error() const { return error_; }
  std::string protocol_version() const;  // "TLSv1.3"; empty before a handshake

  // Line I/O, over TLS once started, plaintext before.
  void send(std::string_view bytes);
  // The next line without its CRLF; throws on EOF, timeout or TLS error.
  std::string read_line();
  std::string command(std::string_view line);  // send(line + CRLF), then read_line()
  // The rest of a multi-line reply: lines joined with CRLF, dot-unstuffed, terminator removed.
  std::string read_multiline();
  // Bytes received beyond the last line returned (plaintext phase), e.g. injected after STLS.
  const std::string& buffered() const { return buffer_; }
  // Plaintext: whatever arrives within DURATION is appended to buffered(); returns it all.
  const std::string& collect_for(std::chrono::milliseconds duration);

 private:
  std::size_t receive_some();

  int fd_ = -1;
  ssl_ctx_ptr context_;
  ssl_ptr ssl_;
  long verify_result_ = X509_V_OK;
  std::string error_;
  std::string buffer_;
};

}  // namespace pop3::test
