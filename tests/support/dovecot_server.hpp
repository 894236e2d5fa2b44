// RAII fixture for real-server tests: a private Dovecot POP3 server on loopback, started by
// scripts/private-dovecot in a fresh temporary directory and stopped (and removed) again on
// destruction.
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

  // Creates /tmp/p3d-XXXXXX and starts Dovecot there on a free port with these users (plain
  // passwords, so APOP and the SASL mechanisms work). If the server cannot start, the current
  // test gets a failure (ADD_FAILURE) with the script's output and the tail of the Dovecot log,
  // and std::runtime_error is thrown: a missing server never turns into a skipped test.
  explicit dovecot_server(std::vector<user> users);
  // Makes dovecot_server server({{"alice", "secret"}}) unambiguous.
  explicit dovecot_server(std::initializer_list<user> users)
      : dovecot_server(std::vector<user>(users)) {}
  // Stops the server and removes the directory. Keeps the directory (and says where) when the
  // environment variable POP3_TEST_KEEP_DIR is set; prints the Dovecot log tail on stderr when the
  // current test has failed.
  ~dovecot_server();

  dovecot_server(const dovecot_server&) = delete;
  dovecot_server& operator=(const dovecot_server&) = delete;

  std::uint16_t port() const { return port_; }
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
  std::pair<unsigned, unsigned> mail_owner_{0, 0};
  bool running_ = false;
};

}  // namespace pop3::test
