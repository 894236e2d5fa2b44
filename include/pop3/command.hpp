/// \file
/// Typed POP3 commands, built with the functions in pop3::cmd and handed to engine::submit().
/// A command only borrows its strings: they must stay valid until submit() returns (the
/// engine serialises the command into its output buffer at once).
#pragma once

#include <cstdint>
#include <string_view>

#include "pop3/protocol.hpp"

namespace pop3 {

/// How the data of a RETR or TOP reply is handed out in body_chunk events.
enum class body_format : std::uint8_t {
  /// The message as stored: dot-unstuffed, CRLF line ends as sent, terminator removed.
  decoded,
  /// The bytes as received after the status line: dot-stuffing intact and the terminator's
  /// final line (a dot and CRLF) included in the last chunk (what NetX applications expect).
  wire,
};

/// One command to send, as engine::submit() takes it. It only borrows its strings (see the
/// file's description); copying it copies views, never the text.
struct command {
  command_kind kind = command_kind::none;  ///< which command
  /// USER name, PASS password, APOP name, AUTH mechanism, LANG tag, a SASL response line.
  std::string_view argument;
  /// APOP password (the engine computes the digest), or an AUTH initial response (base64).
  std::string_view secret;
  /// LIST, UIDL, RETR, TOP, DELE: the message number (1-based). 0 for LIST and UIDL means
  /// "all messages" (the multi-line form); 0 is refused for RETR, TOP and DELE.
  std::uint32_t message = 0;
  /// TOP: the number of body lines.
  std::uint32_t lines = 0;
  /// AUTH: whether `secret` is sent as an initial response (RFC 5034; "=" when empty).
  bool has_initial_response = false;
  body_format format = body_format::decoded;  ///< RETR, TOP: how body_chunk events hand out data
};

/// Constructors for every command. None of them validates: submit() does. They do not
/// allocate; the command borrows the strings passed in.
namespace cmd {
/// A command with every field given (the functions below are shorthands for it).
constexpr command make(command_kind kind, std::string_view argument = {},
                       std::string_view secret = {}, std::uint32_t message = 0,
                       std::uint32_t lines = 0, bool has_initial_response = false,
                       body_format format = body_format::decoded) noexcept {
  command c;
  c.kind = kind;
  c.argument = argument;
  c.secret = secret;
  c.message = message;
  c.lines = lines;
  c.has_initial_response = has_initial_response;
  c.format = format;
  return c;
}

/// USER name.
constexpr command user(std::string_view name) noexcept {
  return make(command_kind::user, name);
}
/// PASS password.
constexpr command pass(std::string_view password) noexcept {
  return make(command_kind::pass, password);
}
/// APOP with the digest of the greeting's timestamp and `password` (never sent itself).
constexpr command apop(std::string_view name, std::string_view password) noexcept {
  return make(command_kind::apop, name, password);
}
/// AUTH mechanism without an initial response: the server answers with a challenge.
constexpr command auth(std::string_view mechanism) noexcept {
  return make(command_kind::auth, mechanism);
}
/// AUTH mechanism with an initial response (already base64-encoded; empty sends "=").
constexpr command auth(std::string_view mechanism, std::string_view initial_response) noexcept {
  return make(command_kind::auth, mechanism, initial_response, 0, 0, true);
}
/// A line answering a SASL challenge (already base64-encoded).
constexpr command sasl_response(std::string_view line) noexcept {
  return make(command_kind::sasl_response, line);
}
/// Cancels the AUTH exchange in progress ("*"); the server answers -ERR.
constexpr command sasl_cancel() noexcept {
  return make(command_kind::sasl_response, "*");
}
/// STLS (RFC 2595): after its +OK the engine emits events::start_tls.
constexpr command stls() noexcept {
  return make(command_kind::stls);
}
/// CAPA (RFC 2449): the capability listing.
constexpr command capa() noexcept {
  return make(command_kind::capa);
}
/// STAT: the message count and the maildrop's size.
constexpr command stat() noexcept {
  return make(command_kind::stat);
}
/// LIST for every message (multi-line reply).
constexpr command list() noexcept {
  return make(command_kind::list);
}
/// LIST for one message (single-line reply).
constexpr command list(std::uint32_t message) noexcept {
  return make(command_kind::list, {}, {}, message);
}
/// UIDL for every message (multi-line reply).
constexpr command uidl() noexcept {
  return make(command_kind::uidl);
}
/// UIDL for one message (single-line reply).
constexpr command uidl(std::uint32_t message) noexcept {
  return make(command_kind::uidl, {}, {}, message);
}
/// RETR: the whole message, handed out in body_chunk events in format `f`.
constexpr command retr(std::uint32_t message, body_format f = body_format::decoded) noexcept {
  return make(command_kind::retr, {}, {}, message, 0, false, f);
}
/// TOP: the headers and the first `lines` lines of the body, like retr().
constexpr command top(std::uint32_t message, std::uint32_t lines,
                      body_format f = body_format::decoded) noexcept {
  return make(command_kind::top, {}, {}, message, lines, false, f);
}
/// DELE: marks the message deleted (QUIT commits).
constexpr command dele(std::uint32_t message) noexcept {
  return make(command_kind::dele, {}, {}, message);
}
/// RSET: unmarks every message marked deleted.
constexpr command rset() noexcept {
  return make(command_kind::rset);
}
/// NOOP.
constexpr command noop() noexcept {
  return make(command_kind::noop);
}
/// QUIT: ends the session (from TRANSACTION the server commits deletions first).
constexpr command quit() noexcept {
  return make(command_kind::quit);
}
/// RFC 6856 UTF8 (AUTHORIZATION state only).
constexpr command utf8() noexcept {
  return make(command_kind::utf8);
}
/// RFC 6856 LANG without argument: list the languages (multi-line reply).
constexpr command lang() noexcept {
  return make(command_kind::lang);
}
/// RFC 6856 LANG tag: select a language ("*" for the server's choice).
constexpr command lang(std::string_view tag) noexcept {
  return make(command_kind::lang, tag);
}
}  // namespace cmd

}  // namespace pop3
