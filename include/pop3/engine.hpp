/// \file
/// The sans-I/O POP3 engine: bytes in, events out, commands in, bytes out.
///
/// The engine never touches a socket, a clock, a thread or a file, never throws, and allocates
/// only in create(). Drivers (the blocking client, the NetX C API, the fuzzers, an embedded
/// user's own TCP stack) all use it the same way:
///
/// ```
/// auto eng = pop3::engine::create().value();
/// loop:
///   write eng.pending_output() to the network, then eng.consume_output(bytes_written);
///   while (auto ev = eng.next_event()) and *ev holds an event: handle it, submit commands;
///   if eng.next_event() said "need more data" (nullopt): read from the network into
///     eng.receive_space(), then eng.commit_received(n)   (or eng.feed(bytes) to copy);
///     at end of stream: eng.feed_eof().
/// ```
///
/// The methods in four groups (as quinn-proto orders them):
/// - A. getters: state(), server_capabilities(), last_reply(), apop_timestamp(), want_read(),
///   want_write(), in_flight(), failure()
/// - B. input: receive_space()/commit_received(), feed(), feed_eof()
/// - C. commands: submit(), tls_established()
/// - D. output: pending_output()/consume_output(), next_event()
///
/// Errors: a call that is refused locally (errc below 100: invalid_argument, command_too_long,
/// command_not_allowed, pipeline_full, output_buffer_full, apop_unavailable, no_such_message)
/// leaves the engine as it was. A protocol violation or connection_closed is fatal and sticky:
/// every later call that can fail returns the same error.
///
/// Views handed out (events, last_reply, pending_output, receive_space) stay valid until the
/// next non-const call.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "pop3/capabilities.hpp"
#include "pop3/command.hpp"
#include "pop3/engine_config.hpp"
#include "pop3/event.hpp"
#include "pop3/protocol.hpp"
#include "pop3/result.hpp"

namespace pop3 {

namespace detail {
class engine_core;
}

/// The last status line received (+OK or -ERR), copied so that it outlives the event. Its
/// views point into the engine: valid until the next non-const call on it.
struct reply_info {
  bool ok = false;                            ///< +OK (true) or -ERR (false)
  command_kind command = command_kind::none;  ///< the command answered (none before any reply)
  std::string_view text;             ///< the text after the indicator and the response code
  resp_code code = resp_code::none;  ///< the RFC 2449/3206 response code, if any
  std::string_view code_text;        ///< the code as sent, without brackets ("SYS/TEMP")
};

/// The sans-I/O POP3 protocol engine (see the file's description for the driving loop, the
/// error model and the lifetime of views). Move-only; a moved-from engine may only be
/// destroyed or assigned to. Not thread-safe: one driver at a time.
class engine {
 public:
  /// Builds an engine waiting for the server's greeting. Allocates all its memory here:
  /// about receive_buffer_size + output_buffer_size + max_line_length + max_in_flight * 16 +
  /// max_messages / 8 bytes. Errors: errc::invalid_argument if validate(config) fails.
  static result<engine> create(const engine_config& config = {}) noexcept;

  /// Takes over the other engine's state and buffers (views it handed out stay valid). Does
  /// not allocate.
  engine(engine&&) noexcept;
  /// Frees this engine's buffers and takes over the other's. Does not allocate.
  engine& operator=(engine&&) noexcept;
  ~engine();

  // ---- A. getters ------------------------------------------------------------------------

  /// The session state as of the replies received so far. While a QUIT sent from
  /// TRANSACTION awaits its reply the state is `update`.
  session_state state() const noexcept;
  /// The server's capabilities from the last complete CAPA reply (empty before, and again
  /// after TLS is established).
  const capabilities& server_capabilities() const noexcept;
  /// The last +OK or -ERR status line received; `command` is none before the greeting.
  reply_info last_reply() const noexcept;
  /// The APOP timestamp of the greeting ("<...>"), empty if it had none or an invalid one.
  std::string_view apop_timestamp() const noexcept;
  /// True if replies are due (the driver should read), false when idle or waiting for TLS.
  bool want_read() const noexcept;
  /// True if pending_output() is not empty.
  bool want_write() const noexcept;
  /// Commands sent or queued whose replies have not arrived yet.
  std::size_t in_flight() const noexcept;
  /// The sticky fatal error, if one happened.
  std::optional<error> failure() const noexcept;
  /// The highest valid message number known from STAT (count plus messages deleted in this
  /// session), or 0 before STAT.
  std::uint32_t highest_message() const noexcept;

  // ---- B. input ----------------------------------------------------------------------------

  /// Free space at the end of the receive buffer to read into directly (zero-copy). Empty
  /// when the buffer is full: call next_event() to use up what is there first.
  std::span<char> receive_space() noexcept;
  /// Declares that `n` bytes were written into receive_space(). Errors: the sticky error;
  /// errc::unexpected_data if bytes arrive while the engine waits for a TLS handshake.
  result<void> commit_received(std::size_t n) noexcept;
  /// Copies as much of `bytes` as fits into the receive buffer and returns how much it took
  /// (0 when the buffer is full). Same errors as commit_received().
  result<std::size_t> feed(std::span<const char> bytes) noexcept;
  /// The server closed the connection. Replies already received are still handed out; then
  /// next_event() returns events::closed if nothing was due, or errc::connection_closed if a
  /// reply was cut off.
  void feed_eof() noexcept;

  // ---- C. commands -----------------------------------------------------------------------

  /// Serialises `command` into the output buffer and remembers that its reply is due.
  /// Several commands may be submitted before any reply (pipelining); the state check uses
  /// the state the session will be in if every earlier command succeeds.
  /// Errors (nothing is queued or sent): invalid_argument (CR, LF or NUL in an argument, an
  /// empty user name or mechanism, message number 0 for RETR/TOP/DELE, a space in a token),
  /// command_too_long (over 255 octets with CRLF; SASL responses: max_sasl_line_length),
  /// command_not_allowed (wrong state, before the greeting, after QUIT, while STLS or AUTH is
  /// pending, a SASL response without a challenge), no_such_message (above
  /// highest_message()), apop_unavailable, pipeline_full, output_buffer_full, or the sticky
  /// error. Fatal: errc::unexpected_data if bytes are waiting in the receive buffer while no
  /// reply is due — they cannot be the reply to this command (an injected or desynchronised
  /// reply).
  result<void> submit(const command& command) noexcept;
  /// The driver finished the TLS handshake after events::start_tls. The engine forgets the
  /// capabilities (RFC 2595 §4) and is back in AUTHORIZATION. Errors: command_not_allowed if
  /// no handshake was due, or the sticky error.
  result<void> tls_established() noexcept;

  // ---- D. output ---------------------------------------------------------------------------

  /// Bytes to send, in order.
  std::span<const char> pending_output() const noexcept;
  /// Drops the first `n` bytes of pending_output() (they were sent).
  void consume_output(std::size_t n) noexcept;
  /// The next event, or nullopt when more input is needed (never an error by itself).
  /// Errors are the fatal protocol errors (errc 100-199) and connection_closed, sticky.
  result<std::optional<event>> next_event() noexcept;

  /// The configuration this engine was built with.
  const engine_config& config() const noexcept;

 private:
  explicit engine(std::unique_ptr<detail::engine_core> core) noexcept;
  std::unique_ptr<detail::engine_core> core_;
};

}  // namespace pop3
