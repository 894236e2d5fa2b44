// STLS on an open session: the command, the TLS handshake over the same connection, and the
// engine's fresh start in AUTHORIZATION.
#include "pop3/session.hpp"

namespace pop3 {

const tls_details* session::tls() const noexcept {
  return connection_ ? connection_->tls() : nullptr;
}

result<void> session::starttls(std::string_view server_name, const tls_options& options) {
  start_command_clock();
  POP3_TRY(submit(cmd::stls()));
  POP3_TRY(expect_status(command_kind::stls));
  last_capa_.reset();  // the engine forgets the capabilities too (RFC 2595 §4)
  // The engine follows the +OK with start_tls, or fails if any byte came after it.
  auto ev = next_event();
  if (!ev) return unexpected(ev.error());
  if (!std::holds_alternative<events::start_tls>(*ev))
    return fail(error(errc::unexpected_data, command_kind::stls));
  auto encrypted = tls_handshake(std::move(connection_), server_name, options, command_deadline_);
  if (!encrypted) return fail(encrypted.error());  // the connection went with the failed handshake
  connection_ = std::move(*encrypted);
  if (auto resumed = engine_.tls_established(); !resumed) return fail(resumed.error());
  return {};
}

}  // namespace pop3
