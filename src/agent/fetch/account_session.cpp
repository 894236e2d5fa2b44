#include "account_session.hpp"

#include <chrono>

namespace pop3::agent {

connect_options connection_settings(const account_config& account, trace_function trace) {
  connect_options c;
  c.tls = account.tls;
  const auto timeout =
      std::chrono::milliseconds(static_cast<std::int64_t>(account.timeout_seconds * 1000));
  c.session.connect_timeout = timeout;
  c.session.idle_timeout = timeout;
  c.session.command_timeout = 10 * timeout;
  c.session.pipelining = account.pipelining;
  c.session.engine.trace = trace;
  c.tls_settings.handshake_timeout = timeout;
  c.tls_settings.verify = !account.insecure;
  if (account.ca_file) c.tls_settings.ca_file = account.ca_file->string();
  c.tls_settings.pins = account.pins;
  if (account.client_certificate && account.client_key) {
    c.tls_settings.client_certificate_file = account.client_certificate->string();
    c.tls_settings.client_key_file = account.client_key->string();
  }
  return c;
}

result<session> open_account_session(const account_config& account, trace_function trace,
                                     session_failure& failure) {
  server_reply refusal;  // the -ERR to the greeting or to STLS, if that is what failed
  auto s = open_session(account.host, account.port, connection_settings(account, trace), &refusal);
  if (!s) {
    failure = {
        "cannot open a session with " + account.host + " port " + std::to_string(account.port),
        s.error(), refusal};
  }
  return s;
}

result<auth_mechanism> log_in(session& s, const account_config& account, std::string secret,
                              session_failure& failure) {
  auth_options options;
  options.mechanism = account.auth;
  options.xoauth2_one_step = account.xoauth2_one_step;
  options.host = account.host;
  options.port = account.port;
  const credentials who{account.user, std::move(secret), {}};
  auto used = authenticate(s, who, options);
  if (used) return used;
  if (used.error().code == errc::no_acceptable_mechanism && !s.tls())
    failure.what =
        "login refused without TLS (the password would cross the network in cleartext; "
        "choose a method with --auth to send it anyway)";
  else if (used.error().code == errc::no_acceptable_mechanism && !s.tls()->verified)
    failure.what =
        "login refused: the server's certificate was not checked (insecure), so the password "
        "could go to an impostor; choose a method with --auth to send it anyway";
  else
    failure.what = "login failed";
  failure.cause = used.error();
  failure.reply = s.last_reply();
  return used;
}

}  // namespace pop3::agent
