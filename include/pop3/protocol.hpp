/// \file
/// Vocabulary of the POP3 protocol shared by every layer: commands, session states and the
/// RFC 2449 / RFC 3206 response codes. No behaviour lives here.
#pragma once

#include <cstdint>
#include <string_view>

/// The POP3 client library: the sans-I/O engine, the blocking session and everything they
/// share. Fallible calls return pop3::result; nothing throws.
namespace pop3 {

/// Every command the engine can send, plus `greeting` for the server's first line (it is
/// answered like a command that nobody sent) and `sasl_response` for a line sent in answer to
/// an AUTH continuation.
enum class command_kind : std::uint8_t {
  none,      ///< no command (a default value)
  greeting,  ///< the server's greeting (a pseudo-command)
  user,
  pass,
  apop,
  auth,
  sasl_response,  ///< a line answering an AUTH continuation, or "*" to cancel (pseudo-command)
  stls,
  capa,
  stat,
  list,
  uidl,
  top,
  retr,
  dele,
  rset,
  noop,
  quit,
  utf8,
  lang,
};

/// The command's keyword as sent on the wire ("RETR"); "greeting" and "(response)" for the two
/// pseudo-commands, "" for none. The view is a static string; does not allocate.
std::string_view keyword(command_kind kind) noexcept;

/// RFC 1939 §3 session states, plus the phases around them that a client sees.
enum class session_state : std::uint8_t {
  greeting,       ///< connected, waiting for the server's first line
  authorization,  ///< RFC 1939 AUTHORIZATION
  transaction,    ///< RFC 1939 TRANSACTION
  update,         ///< QUIT was sent from TRANSACTION; waiting for its reply
  tls_handshake,  ///< STLS was accepted; the driver must run the TLS handshake now
  closed,         ///< the session is over (QUIT answered, greeting refused, or EOF)
};

/// The enumerator's name ("authorization", "tls_handshake"). The view is a static string;
/// does not allocate.
std::string_view to_string(session_state state) noexcept;

/// Response codes of RFC 2449 §8 and RFC 3206 (and RFC 6856's UTF8), taken from the bracketed
/// prefix of a status line's text: `-ERR [IN-USE] mailbox locked`. Levels of detail below a
/// known code are ignored, as RFC 2449 §8 requires: `[SYS/TEMP/QUOTA]` is sys_temp (the text
/// as sent stays available where the reply is).
enum class resp_code : std::uint8_t {
  none,         ///< the reply carried no code
  auth,         ///< [AUTH]: the credentials were wrong (permanent)
  sys_temp,     ///< [SYS/TEMP]: a temporary system problem
  sys_perm,     ///< [SYS/PERM]: a permanent system problem
  in_use,       ///< [IN-USE]: the maildrop is locked by another session (temporary)
  login_delay,  ///< [LOGIN-DELAY]: logged in too recently (temporary)
  utf8,         ///< [UTF8]: RFC 6856
  other,        ///< a code this library does not know; its text is kept
};

/// The code as written inside the brackets ("SYS/TEMP"); "" for none and other. The view is
/// a static string; does not allocate.
std::string_view to_string(resp_code code) noexcept;

/// True for the codes that say "try again later" ([SYS/TEMP], [IN-USE], [LOGIN-DELAY]).
constexpr bool is_temporary(resp_code code) noexcept {
  return code == resp_code::sys_temp || code == resp_code::in_use || code == resp_code::login_delay;
}

}  // namespace pop3
