#include "pop3/connect.hpp"

#include "pop3/tcp_transport.hpp"

namespace pop3 {

std::string_view to_string(tls_mode mode) noexcept {
  switch (mode) {
    case tls_mode::implicit:
      return "implicit";
    case tls_mode::starttls:
      return "starttls";
    case tls_mode::none:
      return "none";
  }
  return "";
}

namespace {

/// CAPA that may fail with -ERR (servers without RFC 2449); other errors are real.
result<void> learn_capabilities(session& s) {
  if (auto caps = s.capa(); !caps && caps.error().code != errc::server_error)
    return unexpected(caps.error());
  return {};
}

}  // namespace

result<session> open_session(std::string_view host, std::uint16_t port,
                             const connect_options& options, server_reply* refusal) {
  if (port == 0) port = default_port(options.tls);
  tcp_options tcp;
  tcp.connect_timeout = options.session.connect_timeout;
  auto connected = tcp_transport::connect(host, port, tcp, no_deadline);
  if (!connected) return unexpected(connected.error());
  std::string peer = (*connected)->peer_address();
  return open_session(std::unique_ptr<transport>(std::move(*connected)), host, options,
                      std::move(peer), refusal);
}

result<session> open_session(std::unique_ptr<transport> connection, std::string_view host,
                             const connect_options& options, std::string peer,
                             server_reply* refusal) {
  if (options.tls == tls_mode::implicit) {
    auto encrypted = tls_handshake(std::move(connection), host, options.tls_settings, no_deadline);
    if (!encrypted) return unexpected(encrypted.error());
    connection = std::move(*encrypted);
  }
  auto started = session::start(std::move(connection), options.session, std::move(peer), refusal);
  if (!started) return unexpected(started.error());
  session& s = *started;

  if (options.tls == tls_mode::starttls) {
    // Nothing but CAPA and STLS may be sent before TLS (security-cases.md §1).
    auto caps = s.capa();
    if (!caps && caps.error().code != errc::server_error) return unexpected(caps.error());
    if (!caps) {
      if (refusal) *refusal = s.last_reply();
      return unexpected(errc::tls_not_available, command_kind::capa);
    }
    if (!s.protocol().server_capabilities().stls)
      return unexpected(errc::tls_not_available, command_kind::stls);
    if (auto tls = s.starttls(host, options.tls_settings); !tls) {
      if (tls.error().code != errc::server_error) return unexpected(tls.error());
      if (refusal) *refusal = s.last_reply();
      return unexpected(error(errc::tls_not_available, command_kind::stls, tls.error().response));
    }
  }
  POP3_TRY(learn_capabilities(s));  // RFC 2595 §4: again after TLS
  return started;
}

}  // namespace pop3
