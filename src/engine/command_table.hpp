// Every legal command/state pair and every state transition of the engine, in one place.
#pragma once

#include <string_view>

#include "pop3/protocol.hpp"

namespace pop3::detail {

/// How a +OK reply to a command continues (RFC 1939, 2449, 6856; curl's pop3cmds[] idea).
enum class reply_shape : unsigned char {
  single,     ///< the status line is the whole reply
  multiline,  ///< lines follow, ended by "."
};

struct command_rule {
  command_kind kind;
  std::string_view keyword;
  bool in_authorization;  ///< allowed in AUTHORIZATION
  bool in_transaction;    ///< allowed in TRANSACTION
  reply_shape without_argument;
  reply_shape with_argument;
  /// Nothing else may await a reply together with it (STLS, AUTH): it changes how the bytes
  /// that follow are read.
  bool exclusive;
};

const command_rule& rule_for(command_kind kind) noexcept;

/// The protocol position that decides which commands are allowed next.
struct session_position {
  session_state state = session_state::greeting;
  bool user_accepted = false;  ///< the last command was a successful USER (PASS may follow)
  bool tls_active = false;     ///< TLS is up: STLS is no longer allowed
};

/// Whether `kind` may be sent at `position`.
bool is_allowed(const session_position& position, command_kind kind) noexcept;

/// The position after the server answered `kind` with +OK (`ok`) or -ERR. This is the only
/// function that changes a session_state.
session_position after_reply(session_position position, command_kind kind, bool ok) noexcept;

/// The position after the driver finished the TLS handshake that STLS asked for.
session_position after_tls_handshake(session_position position) noexcept;

/// The position after the connection ended.
session_position after_close(session_position position) noexcept;

}  // namespace pop3::detail
