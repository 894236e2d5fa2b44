/// \file
/// The error model of every layer (ARCHITECTURE.md §2): an `errc` registered as a
/// std::error_category, plus the server's RFC 2449/3206 response code and the command that
/// failed. The server's text is never the only information: it is kept by whoever read the
/// reply (engine::last_reply(), session::last_reply()).
#pragma once

#include <string_view>
#include <system_error>

#include "pop3/protocol.hpp"

namespace pop3 {

/// What went wrong. Groups, see `is_fatal()`:
/// - refused locally (nothing was sent, the session is still usable);
/// - the server answered -ERR (the session is still usable);
/// - a local sink refused message data (the session is still usable);
/// - an authentication that could not go ahead (the session is still usable);
/// - fatal: the session cannot continue (protocol violation, I/O failure, timeout, TLS).
enum class errc : int {
  // --- Refused locally: nothing sent, session usable -------------------------------------
  invalid_argument = 1,  ///< CR, LF or NUL in an argument, an empty argument, message number 0
  command_too_long,      ///< the command line would exceed 255 octets (RFC 2449 §4)
  command_not_allowed,   ///< the command is not allowed in the current state
  pipeline_full,         ///< the engine's queue of commands awaiting replies is full
  output_buffer_full,    ///< pending output has no room for the command; drain it first
  apop_unavailable,      ///< APOP asked for, but the greeting had no valid timestamp
  no_such_message,       ///< message number above the maildrop's size (known from STAT)
  // --- The server answered -ERR: session usable --------------------------------------------
  server_error,  ///< -ERR; the response code and text are kept with the reply
  // --- The local side failed: session usable ------------------------------------------------
  sink_failed = 50,  ///< the sink a message was written to refused the data (see sink.hpp)
  // --- Authentication that did not happen: session usable (no credential was sent) --------
  no_acceptable_mechanism = 60,  ///< the server offers no login method local policy allows
  malformed_challenge,           ///< a SASL challenge was invalid; the exchange was cancelled
  server_not_authenticated,      ///< SCRAM: the server did not prove it knows the password
  // --- Fatal: the server broke the protocol ------------------------------------------------
  bad_status_indicator = 100,   ///< a reply that is not exactly "+OK" or "-ERR" (or "+ " in AUTH)
  line_too_long,                ///< a status or listing line over the configured limit
  bare_line_feed,               ///< a status or listing line ending in LF without CR
  unexpected_data,              ///< bytes when no reply was expected, or after +OK to STLS
  malformed_reply,              ///< fields of a STAT/LIST/UIDL/CAPA line missing or not numbers
  number_overflow,              ///< a number too large for its type or the configured limit
  message_number_out_of_range,  ///< a listing names message 0 or one past the maildrop
  duplicate_entry,              ///< a listing names the same message twice
  wrong_message_number,         ///< the reply to LIST n / UIDL n names another message
  invalid_uid,                  ///< a UID empty, too long, or with octets outside 0x21-0x7E
  too_many_entries,             ///< a listing with more lines than the configured limit
  too_many_capabilities,        ///< a CAPA reply with more lines than the configured limit
  connection_closed,            ///< the server closed the connection while a reply was due
  // --- Fatal: transport ---------------------------------------------------------------------
  host_not_found = 200,  ///< name resolution failed
  connection_refused,    ///< no address accepted the connection
  network_unreachable,   ///< no route to any address
  timeout,               ///< connect, read or write idle for longer than allowed
  deadline_exceeded,     ///< a command (or session) took longer than its deadline
  io_error,              ///< any other system error; see error::system_error
  // --- Fatal: TLS -----------------------------------------------------------------------------
  tls_not_available =
      230,               ///< TLS required, but the server has no STLS, refused it, or CAPA failed
  tls_handshake_failed,  ///< the TLS handshake failed (error::system_error: OpenSSL reason)
  certificate_rejected,  ///< the certificate did not verify (error::system_error: X509_V_ERR_*)
  certificate_pin_mismatch,  ///< the certificate matched none of the configured pins
};

/// The std::error_category of errc, named "pop3"; its message() is describe(). A static
/// object (valid forever).
const std::error_category& pop3_category() noexcept;

/// `code` as a std::error_code of pop3_category() (errc converts implicitly, too).
inline std::error_code make_error_code(errc code) noexcept {
  return {static_cast<int>(code), pop3_category()};
}

/// A short English description of the code ("the server closed the connection"). The view is
/// a static string; does not allocate.
std::string_view describe(errc code) noexcept;

/// The name of the enumerator ("connection_closed"), for logs and JSON. The view is a static
/// string; does not allocate.
std::string_view name(errc code) noexcept;

/// True if the session cannot be used after this error (the engine makes it sticky).
constexpr bool is_fatal(errc code) noexcept {
  return static_cast<int>(code) >= 100;
}

/// An error as returned by every fallible call: the code, the server's response code when the
/// error came from a -ERR, the command that failed, and errno for system errors.
/// A plain value (copyable, no allocation).
struct error {
  errc code{};                               ///< what went wrong
  resp_code response{resp_code::none};       ///< the server's response code, for server_error
  command_kind command{command_kind::none};  ///< the command that failed, if known
  int system_error{0};  ///< errno, OpenSSL reason or X509_V_ERR_* code where errc says so; else 0

  constexpr error() = default;
  /// An error with code `c`, the command `cmd`, the response code `r` and errno `sys`.
  constexpr error(errc c, command_kind cmd = command_kind::none, resp_code r = resp_code::none,
                  int sys = 0) noexcept
      : code(c), response(r), command(cmd), system_error(sys) {}

  /// is_fatal(code): the session cannot be used any more.
  bool fatal() const noexcept { return is_fatal(code); }
  /// The code as a std::error_code (make_error_code()).
  std::error_code error_code() const noexcept { return make_error_code(code); }
  /// True if the error's code is `c`, whatever the other fields.
  friend constexpr bool operator==(const error& e, errc c) noexcept { return e.code == c; }
  /// True if every field is equal.
  friend constexpr bool operator==(const error&, const error&) = default;
};

}  // namespace pop3

/// Makes pop3::errc convertible to std::error_code (through pop3::make_error_code()).
template <>
struct std::is_error_code_enum<pop3::errc> : std::true_type {};
