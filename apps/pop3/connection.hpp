// A session as the CLI opens it: options resolved into the TLS policy and credentials,
// connected, logged in, and every failure reported as one line with its exit code.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "commands.hpp"
#include "fetch/account_session.hpp"
#include "pop3/auth.hpp"
#include "pop3/connect.hpp"
#include "pop3/session.hpp"
#include "report.hpp"
#include "url.hpp"

namespace pop3::cli {

/// What the command line asks for, checked: as an account (the same settings a
/// configuration file gives `pop3 fetch`), and the connect options made from it.
struct resolved_options {
  server_url url;  // port and tls resolved
  agent::account_config account;
  connect_options connect;
};

class connection {
 public:
  explicit connection(const common_options& options) : options_(options) {}

  /// Checks the URL and options (usage errors are reported). Called by open().
  bool resolve();
  /// Connects under the TLS policy, then logs in if `login`. Reports failures.
  bool open(bool login);

  const resolved_options& resolved() const { return resolved_; }
  session& operator*() { return *session_; }
  session* operator->() { return &*session_; }
  bool has_session() const { return session_.has_value(); }
  void adopt(session s) { session_.emplace(std::move(s)); }

  /// Reports a failure of `what` and remembers its exit code; returns false.
  bool failed(std::string_view what, const error& e);
  /// Ends the session with QUIT (reporting a failure) and returns the exit code.
  int finish();
  int code() const { return code_; }

 private:
  bool failed(std::string_view what, const error& e, const server_reply& reply);
  bool failed(const agent::session_failure& f) { return failed(f.what, f.cause, f.reply); }
  bool usage(const std::string& why);
  bool log_in();

  const common_options& options_;
  resolved_options resolved_;
  std::string secret_;  // read by open(), handed to the login
  std::optional<session> session_;
  int code_ = exit_ok;
};

}  // namespace pop3::cli
