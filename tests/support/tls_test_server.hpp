// A scripted POP3 server with TLS for client tests: plain OpenSSL and POSIX sockets on its own
// thread, so that the project's TLS client is tested against something that is not itself.
// It speaks implicit TLS (POP3S) or STLS, can be limited to old protocol versions, injects bytes
// after the STLS reply, and records what the client did: SNI, handshake outcome, every byte.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/openssl_handles.hpp"
#include "support/test_certificates.hpp"

namespace pop3::test {

// One exchange of a script. Steps are consumed in order: a received line that matches the next
// step gets that step's reply; other lines get the built-in answers (see tls_test_server).
struct script_step {
  // The whole line without CRLF, case-sensitive; a trailing '*' makes the rest a prefix ("*"
  // alone matches any line, e.g. a SASL continuation).
  std::string expect;
  // Sent as is: include the CRLF (and several lines if wanted).
  std::string reply;
  // When set, computes the reply from the received line instead (e.g. a SCRAM server).
  std::function<std::string(const std::string& line)> respond;
};

enum class tls_start {
  implicit,  // handshake first, then the greeting (POP3S)
  stls,      // plaintext greeting, CAPA and STLS, then the handshake (RFC 2595)
};

// How options.injection is sent after the STLS reply (security-cases.md case 7).
enum class injection_timing {
  same_segment,  // in the same send() as the STLS reply
  byte_by_byte,  // one send() per byte, 10 ms apart, the first right after the reply
  delayed,       // injection_delay after the reply, in one send()
};

struct tls_test_server_options {
  key_and_certificate identity;  // the server's key and certificate
  tls_start start = tls_start::implicit;
  // TLS1_VERSION, TLS1_1_VERSION, ...; 0 leaves OpenSSL's default. A minimum below TLS 1.2
  // also lowers the security level to 0, without which OpenSSL 3 refuses TLS 1.0/1.1.
  int min_protocol = 0;
  int max_protocol = 0;
  // Also listen on [::1] (same port). Throws if there is no IPv6 loopback.
  bool also_ipv6 = false;
  // Connections accepted one after the other before the server thread ends.
  std::size_t connections = 1;
  // Bound on every wait for the client (accepting excepted): a broken client never hangs a test.
  std::chrono::milliseconds read_timeout{5000};

  std::string greeting = "+OK test server ready\r\n";
  std::vector<std::string> capabilities_before_tls{"USER", "SASL PLAIN", "STLS"};
  std::vector<std::string> capabilities_after_tls{"USER", "SASL PLAIN"};
  std::vector<script_step> script_before_tls;
  std::vector<script_step> script_after_tls;

  // The reply to STLS. Anything else than "+OK..." is a refusal: the plaintext dialogue goes on.
  std::string stls_reply = "+OK Begin TLS\r\n";
  // Sent right after the STLS reply (either reply), before any handshake.
  std::string injection;
  injection_timing timing = injection_timing::same_segment;
  std::chrono::milliseconds injection_delay{50};
  // Waits this long after TCP accept (implicit) or the STLS reply before answering the
  // ClientHello: a server that stalls the handshake.
  std::chrono::milliseconds handshake_delay{0};

  // Non-empty: ask for a client certificate and verify it against these PEM certificates
  // (an absent or bad certificate does not fail the handshake; see tls_connection_record).
  std::string client_ca_pem;
};

// What one connection did. Strings are empty when the step never happened.
struct tls_connection_record {
  // Every byte the client sent before the handshake, in STLS mode (commands, and anything sent
  // after STLS instead of a ClientHello).
  std::string plaintext_received;
  bool handshake_attempted = false;
  bool handshake_succeeded = false;
  std::string handshake_error;   // OpenSSL's reason or "timeout" / "closed"
  std::string client_sni;        // the server name the client sent; empty if none
  std::string protocol_version;  // "TLSv1.3", ... after a successful handshake
  // Every application byte received after the handshake, CRLFs included.
  std::string received_after_handshake;
  std::string client_certificate_subject;  // one-line subject, if the client sent a certificate
  bool client_certificate_verified = false;
  // How the conversation ended: "quit", "closed", "timeout", "stopped" (destructor),
  // "handshake failed", "plaintext instead of a TLS handshake after STLS", or an error text.
  std::string end;
};

// Built-in answers, used when no script step matches: CAPA gets the phase's capability list,
// STLS (before TLS, STLS mode) gets stls_reply and starts the handshake, QUIT gets "+OK bye"
// and ends the connection, any other line gets "-ERR unexpected command". Before the handshake
// the server reads one byte at a time, so bytes sent after "STLS\r\n" are never swallowed: they
// reach the TLS handshake (a ClientHello) or, if they are not a TLS record, plaintext_received.
class tls_test_server {
 public:
  // Binds 127.0.0.1 (and [::1]) on an ephemeral port, ready to accept when this returns.
  // Throws std::runtime_error on socket or OpenSSL failures (e.g. a bad key).
  explicit tls_test_server(tls_test_server_options options);
  // Stops accepting, cuts a connection in progress and joins the thread.
  ~tls_test_server();

  tls_test_server(const tls_test_server&) = delete;
  tls_test_server& operator=(const tls_test_server&) = delete;

  std::uint16_t port() const { return port_; }

  // Waits until all options.connections connections have ended (client closed, QUIT, timeout);
  // false if that did not happen within TIMEOUT. Call it before asserting on the results.
  bool wait_until_done(std::chrono::milliseconds timeout = std::chrono::seconds(15));

  // Connections accepted so far.
  std::size_t connections_accepted() const;
  // A copy of what connection INDEX (0-based, in accept order) did; a default record if it has
  // not been accepted.
  tls_connection_record record(std::size_t index = 0) const;

  // Shorthands for record(index).
  bool handshake_succeeded(std::size_t index = 0) const;
  std::string client_sni(std::size_t index = 0) const;
  std::string received_after_handshake(std::size_t index = 0) const;
  std::string plaintext_received(std::size_t index = 0) const;

 private:
  class connection;

  void run();
  int accept_next();
  void serve(int fd, std::size_t index);
  void update(std::size_t index, const std::function<void(tls_connection_record&)>& change);

  tls_test_server_options options_;
  ssl_ctx_ptr context_;
  std::vector<int> listeners_;
  int stop_event_ = -1;  // eventfd: the destructor's wake-up call
  std::uint16_t port_ = 0;

  mutable std::mutex mutex_;
  std::condition_variable done_changed_;
  std::vector<tls_connection_record> records_;
  int active_fd_ = -1;  // the connection being served, for the destructor to cut
  bool done_ = false;
  std::thread thread_;
};

}  // namespace pop3::test
