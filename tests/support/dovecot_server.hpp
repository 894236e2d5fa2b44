// RAII fixture for real-server tests: a private Dovecot POP3 server on loopback, started by
// scripts/private-dovecot in a fresh temporary directory and stopped (and removed) again on
// destruction. By default it speaks TLS with a certificate from its own CA: STLS on port(),
// implicit TLS (POP3S) on pop3s_port().
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "support/sample_mail.hpp"

namespace pop3::test {

class dovecot_server {
 public:
  struct user {
    std::string name, password;
  };

  enum class tls { enabled, disabled };

  // Creates /tmp/p3d-XXXXXX and starts Dovecot there on a free port with these users (plain
  // passwords, so APOP and the SASL mechanisms work). If the server cannot start, the current
  // test gets a failure (ADD_FAILURE) with the script's output and the tail of the Dovecot log,
  // and std::runtime_error is thrown: a missing server never turns into a skipped test.
  // With tls::enabled (the default) the server has a certificate for localhost, 127.0.0.1 and
  // ::1 signed by a CA made for this instance (ca_file()), offers STLS on port() and listens
  // for POP3S on pop3s_port(). TLS 1.2 is its minimum. Cleartext logins stay allowed on port()
  // so that tests can check cleartext paths too. tls::disabled gives a plaintext-only server
  // (no STLS, no POP3S port).
  explicit dovecot_server(std::vector<user> users, tls mode = tls::enabled);
  // Makes dovecot_server server({{"alice", "secret"}}) unambiguous.
  explicit dovecot_server(std::initializer_list<user> users, tls mode = tls::enabled)
      : dovecot_server(std::vector<user>(users), mode) {}
  // Stops the server and removes the directory. Keeps the directory (and says where) when the
  // environment variable POP3_TEST_KEEP_DIR is set; prints the Dovecot log tail on stderr when the
  // current test has failed.
  ~dovecot_server();

  dovecot_server(const dovecot_server&) = delete;
  dovecot_server& operator=(const dovecot_server&) = delete;

  // The POP3 port (STLS offered there unless TLS is disabled).
  std::uint16_t port() const { return port_; }
  // The POP3S port (TLS from the first byte); 0 when TLS is disabled.
  std::uint16_t pop3s_port() const { return pop3s_port_; }
  // The PEM file of the CA that signed the server certificate, for --cafile; an empty path when
  // TLS is disabled. The certificate names DNS localhost, IP 127.0.0.1 and IP ::1 (not
  // "127.0.0.1" as a DNS name).
  std::filesystem::path ca_file() const;
  std::string host() const { return "127.0.0.1"; }
  std::filesystem::path dir() const { return dir_; }
  std::filesystem::path maildir(const std::string& user_name) const;

  // Appends messages to the user's Maildir; POP3 numbers them in vector order after those
  // already there (see write_maildir).
  void deliver(const std::string& user_name, const std::vector<sample_message>& messages) const;
  // Files in cur/ and new/, e.g. to check that DELE + QUIT removed messages.
  std::size_t maildir_message_count(const std::string& user_name) const;

  // Adds (or re-passwords) a user while the server runs; usable as soon as this returns (which
  // can take up to a second, see scripts/private-dovecot). Throws std::runtime_error on failure.
  void add_user(const user& u) const;
  // Stops the server now (idempotent); the directory stays until destruction. Afterwards the
  // port no longer accepts connections.
  void stop();

 private:
  std::filesystem::path dir_;
  std::uint16_t port_ = 0;
  std::uint16_t pop3s_port_ = 0;
  std::pair<unsigned, unsigned> mail_owner_{0, 0};
  bool running_ = false;
};

}  // namespace pop3::test
