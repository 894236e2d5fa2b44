// Opening an account's session: its settings turned into the client's connect and login
// options, and every failure described in the words the user sees. Used by `pop3 fetch` and
// by the one-shot commands (which build an account_config from their command line).
#pragma once

#include <string>

#include "config/config.hpp"
#include "pop3/auth.hpp"
#include "pop3/connect.hpp"
#include "pop3/session.hpp"

namespace pop3::agent {

/// Why opening or logging in failed: `what` is the step in words ("cannot open a session
/// with pop.example.org port 995", "login failed"), `cause` the library's error, `reply` the
/// server's status line when it said -ERR.
struct session_failure {
  std::string what;
  error cause;
  server_reply reply;
};

/// The connect options of an account: its TLS mode and settings, timeouts (idle and connect
/// = timeout, a command = 10 x timeout), pipelining. `trace` (may be null) gets the exchange.
connect_options connection_settings(const account_config& account, trace_function trace);

/// Connects under the account's TLS policy and reads the greeting and CAPA.
result<session> open_account_session(const account_config& account, trace_function trace,
                                     session_failure& failure);

/// Logs in with the account's method and `secret`. Returns the method used.
result<auth_mechanism> log_in(session& s, const account_config& account, std::string secret,
                              session_failure& failure);

}  // namespace pop3::agent
