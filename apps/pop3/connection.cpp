#include "connection.hpp"

#include <fmt/core.h>

#include "report.hpp"

namespace pop3::cli {

bool connection::resolve() {
  std::string why;
  auto url = parse_url(options_.url, why);
  if (!url) return usage(why);
  resolved_.url = *url;
  if (options_.tls) {
    resolved_.url.tls = *options_.tls == "none"       ? tls_mode::none
                        : *options_.tls == "starttls" ? tls_mode::starttls
                                                      : tls_mode::implicit;
  }
  if (resolved_.url.port == 0) resolved_.url.port = default_port(resolved_.url.tls);

  agent::account_config& a = resolved_.account;
  a.host = resolved_.url.host;
  a.port = resolved_.url.port;
  a.tls = resolved_.url.tls;
  a.user = options_.user ? *options_.user : resolved_.url.user;
  a.timeout_seconds = options_.timeout_seconds;
  a.insecure = options_.insecure;
  if (options_.ca_file) a.ca_file = *options_.ca_file;
  for (const std::string& text : options_.pins) {
    auto pin = parse_certificate_pin(text);
    if (!pin)
      return usage("--pin must be sha256: followed by 64 hex digits or 44 base64 characters");
    a.pins.push_back(*pin);
  }
  if (options_.client_certificate.has_value() != options_.client_key.has_value())
    return usage("--cert and --key go together");
  if (options_.client_certificate) {
    a.client_certificate = *options_.client_certificate;
    a.client_key = *options_.client_key;
  }
  auto mechanism = parse_auth_mechanism(options_.auth);
  if (!mechanism) return usage("unknown --auth method \"" + printable(options_.auth, 40) + "\"");
  a.auth = *mechanism;
  a.xoauth2_one_step = options_.xoauth2_one_step;
  resolved_.connect =
      agent::connection_settings(a, options_.verbose ? &print_trace : trace_function{});
  return true;
}

bool connection::open(bool login) {
  if (!resolve()) return false;
  const agent::account_config& account = resolved_.account;
  if (login && account.user.empty() && account.auth != auth_mechanism::external)
    return usage("no user name: give it in the URL (pop3s://USER@HOST) or with --user");
  if (login) {
    std::string why;
    auto secret = read_password(options_.password, why);
    if (!secret && account.auth != auth_mechanism::external) {
      fmt::print(stderr, "pop3: {}\n", why);
      code_ = secret.error().code == errc::invalid_argument ? exit_usage : exit_config;
      return false;
    }
    if (secret) secret_ = std::move(*secret);
  }
  if (options_.insecure)
    fmt::print(stderr,
               "pop3: warning: --insecure: the server's certificate is not checked; anyone on "
               "the network path can read and change this session, password included\n");
  if (account.tls == tls_mode::none && login)
    fmt::print(stderr, "pop3: warning: --tls none: the session crosses the network unencrypted\n");

  agent::session_failure failure;
  auto s = agent::open_account_session(account, options_.verbose ? &print_trace : trace_function{},
                                       failure);
  if (!s) return failed(failure);
  session_.emplace(std::move(*s));
  if (options_.verbose) {
    fmt::print(stderr, "* connected to {}", session_->peer());
    if (const tls_details* tls = session_->tls())
      fmt::print(stderr, " with {} {}{}", tls->version, tls->cipher,
                 tls->verified ? "" : " (certificate NOT verified)");
    fmt::print(stderr, "\n");
  }
  return login ? log_in() : true;
}

bool connection::log_in() {
  agent::session_failure failure;
  auto used = agent::log_in(*session_, resolved_.account, std::move(secret_), failure);
  if (!used) return failed(failure);
  if (options_.verbose) fmt::print(stderr, "* logged in with {}\n", to_string(*used));
  return true;
}

bool connection::failed(std::string_view what, const error& e) {
  return failed(what, e, session_ ? session_->last_reply() : server_reply{});
}

int connection::finish() {
  if (code_ == exit_ok && session_) {
    if (auto q = session_->quit(); !q) failed("QUIT failed", q.error());
  }
  return code_;
}

bool connection::failed(std::string_view what, const error& e, const server_reply& reply) {
  fmt::print(stderr, "{}\n", failure_line(what, e, reply));
  code_ = exit_code_for(e);
  return false;
}

bool connection::usage(const std::string& why) {
  fmt::print(stderr, "pop3: {}\n", why);
  code_ = exit_usage;
  return false;
}

}  // namespace pop3::cli
