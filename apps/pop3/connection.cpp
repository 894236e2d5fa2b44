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

  connect_options& c = resolved_.connect;
  c.tls = resolved_.url.tls;
  const auto timeout =
      std::chrono::milliseconds(static_cast<std::int64_t>(options_.timeout_seconds * 1000));
  c.session.connect_timeout = timeout;
  c.session.idle_timeout = timeout;
  c.session.command_timeout = 10 * timeout;
  c.tls_settings.handshake_timeout = timeout;
  if (options_.verbose) c.session.engine.trace = &print_trace;
  c.tls_settings.verify = !options_.insecure;
  if (options_.ca_file) c.tls_settings.ca_file = *options_.ca_file;
  for (const std::string& text : options_.pins) {
    auto pin = parse_certificate_pin(text);
    if (!pin)
      return usage("--pin must be sha256: followed by 64 hex digits or 44 base64 characters");
    c.tls_settings.pins.push_back(*pin);
  }
  if (options_.client_certificate.has_value() != options_.client_key.has_value())
    return usage("--cert and --key go together");
  if (options_.client_certificate) {
    c.tls_settings.client_certificate_file = *options_.client_certificate;
    c.tls_settings.client_key_file = *options_.client_key;
  }

  auto mechanism = parse_auth_mechanism(options_.auth);
  if (!mechanism) return usage("unknown --auth method \"" + printable(options_.auth, 40) + "\"");
  resolved_.auth.mechanism = *mechanism;
  resolved_.auth.xoauth2_one_step = options_.xoauth2_one_step;
  resolved_.auth.host = resolved_.url.host;
  resolved_.auth.port = resolved_.url.port;
  resolved_.who.user = options_.user ? *options_.user : resolved_.url.user;
  return true;
}

bool connection::open(bool login) {
  if (!resolve()) return false;
  if (login && resolved_.who.user.empty() && resolved_.auth.mechanism != auth_mechanism::external)
    return usage("no user name: give it in the URL (pop3s://USER@HOST) or with --user");
  if (login) {
    std::string why;
    auto secret = read_password(options_.password, why);
    if (!secret && resolved_.auth.mechanism != auth_mechanism::external) {
      fmt::print(stderr, "pop3: {}\n", why);
      code_ = secret.error().code == errc::invalid_argument ? exit_usage : exit_config;
      return false;
    }
    if (secret) resolved_.who.secret = std::move(*secret);
  }
  if (options_.insecure)
    fmt::print(stderr,
               "pop3: warning: --insecure: the server's certificate is not checked; anyone on "
               "the network path can read and change this session, password included\n");
  if (resolved_.url.tls == tls_mode::none && login)
    fmt::print(stderr, "pop3: warning: --tls none: the session crosses the network unencrypted\n");

  server_reply refusal;  // the -ERR to the greeting or to STLS, if that is what failed
  auto s = open_session(resolved_.url.host, resolved_.url.port, resolved_.connect, &refusal);
  if (!s) {
    const std::string where = fmt::format("cannot open a session with {} port {}",
                                          resolved_.url.host, resolved_.url.port);
    return failed(where, s.error(), refusal);
  }
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
  auto used = authenticate(*session_, resolved_.who, resolved_.auth);
  if (used) {
    if (options_.verbose) fmt::print(stderr, "* logged in with {}\n", to_string(*used));
    return true;
  }
  if (used.error().code == errc::no_acceptable_mechanism && !session_->tls())
    return failed(
        "login refused without TLS (the password would cross the network in "
        "cleartext; choose a method with --auth to send it anyway)",
        used.error());
  return failed("login failed", used.error());
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
