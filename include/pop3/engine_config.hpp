/// \file
/// Sizes and limits of an engine, fixed at construction. Every limit is explicit; hitting one
/// is a clear error, never a silent truncation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "pop3/result.hpp"

namespace pop3 {

/// What a trace line is.
enum class trace_kind : std::uint8_t {
  sent,      ///< a command line as sent, secrets replaced by "***"
  received,  ///< a status line, listing line or SASL challenge as received
  body,      ///< a summary of message data ("<1234 octets>"); the data itself is never traced
};

/// Called by the engine for every line it sends or receives, without the CRLF. Must not call
/// back into the engine. `line` is valid only during the call.
using trace_function = void (*)(void* context, trace_kind kind, std::string_view line);

/// The sizes and limits of an engine (engine::create() checks them with validate()). The
/// buffers are allocated once, in engine::create().
struct engine_config {
  /// Receive buffer: one read from the network lands here; body data is unstuffed in place.
  std::size_t receive_buffer_size = 32 * 1024;
  /// Output buffer: commands wait here until the driver drains them.
  std::size_t output_buffer_size = 16 * 1024;
  /// Longest status line (the first line of a reply, the greeting too), CRLF included
  /// (RFC 1939 §3 and RFC 2449 §4: 512).
  std::size_t max_line_length = 512;
  /// Longest line of a LIST, UIDL, CAPA or LANG listing, CRLF included. RFC 2449 limits only
  /// first lines; a SASL capability naming many mechanisms can be longer than 512.
  std::size_t max_listing_line_length = 4096;
  /// Longest SASL challenge or response line, CRLF included (an XOAUTH2 response with a
  /// Microsoft 365 token is several KiB).
  std::size_t max_sasl_line_length = 12 * 1024;
  /// Commands that may await replies at once (the pipelining window's upper bound).
  std::size_t max_in_flight = 128;
  /// Largest message number and message count accepted from the server, and so the most
  /// entries a LIST or UIDL listing can have (numbers must be distinct and in range). Also
  /// sizes the bitmap that detects duplicate listing entries (max_messages / 8 bytes).
  std::uint32_t max_messages = 1'000'000;
  /// Most lines in one CAPA reply (and in one LANG listing).
  std::size_t max_capa_lines = 128;
  /// Longest unique-id (RFC 1939 §7: 70).
  std::size_t max_uid_length = 70;

  trace_function trace = nullptr;  ///< called for every line sent or received; null: no tracing
  void* trace_context = nullptr;   ///< passed to `trace` as its first argument
};

/// Checks that the sizes can work together: the receive buffer holds at least one line of
/// each kind, the output buffer at least one command (255 octets) and one SASL line, a
/// listing line is at least as long as a status line, a unique-id fits in a status line, the
/// line limits are at least 16, and no limit is zero.
/// Errors: errc::invalid_argument if any of these fails. Does not allocate.
result<void> validate(const engine_config& config) noexcept;

}  // namespace pop3
