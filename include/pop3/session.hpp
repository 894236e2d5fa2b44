/// \file
/// The blocking client: one POP3 session over one transport, driving the engine. Every call
/// returns result<>; a -ERR reply is errc::server_error with the RFC 2449/3206 response code
/// in error::response and the server's text in last_reply().
///
/// ```
/// auto s = pop3::session::connect("pop.example.org", 110, {});
/// if (!s) return fail(s.error());
/// if (auto r = s->login("alice", password); !r) ...
/// auto st = s->stat();  ...  s->retr(1, sink);  ...  s->quit();
/// ```
///
/// Timeouts: every read and write gives up after `idle_timeout` without progress, and every
/// command gives up `command_timeout` after it started (so a server trickling one byte per
/// second cannot hold a command forever). Both are fatal: errc::timeout, errc::deadline_exceeded.
///
/// A fatal error (protocol violation, I/O error, timeout) closes the connection; every later
/// call returns it again. Destroying a session without quit() closes the connection without
/// QUIT, so the server never enters UPDATE and deletions are not committed (RFC 1939 §6).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pop3/capabilities.hpp"
#include "pop3/engine.hpp"
#include "pop3/result.hpp"
#include "pop3/sink.hpp"
#include "pop3/tls.hpp"
#include "pop3/transport.hpp"

namespace pop3 {

/// When batches (retr_many, dele_many) send several commands before reading replies.
enum class pipelining_mode : std::uint8_t {
  automatic,  ///< only if the server announced PIPELINING in CAPA (call capa() first)
  on,         ///< always (for servers that pipeline without saying so)
  off,        ///< never: one command at a time
};

/// Timeouts, pipelining and the engine's sizes of a session.
struct session_options {
  /// Bound on each address's TCP connection attempt (session::connect(), open_session()).
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(30)};
  /// A read or write without progress for this long fails with errc::timeout (zero or less:
  /// no bound).
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
  /// A command not finished this long after it started fails with errc::deadline_exceeded
  /// (zero or less: no bound).
  std::chrono::milliseconds command_timeout{std::chrono::minutes(10)};
  pipelining_mode pipelining = pipelining_mode::automatic;  ///< whether batches pipeline
  /// Most commands a batch keeps in flight (also bounded by engine.max_in_flight).
  std::size_t pipeline_window = 64;
  engine_config engine{};  ///< the engine's buffer sizes and limits
};

/// A status line as the server sent it, copied out of the engine.
struct server_reply {
  bool ok = false;                            ///< +OK (true) or -ERR (false)
  command_kind command = command_kind::none;  ///< the command answered (none before any reply)
  std::string text;                  ///< the text after the indicator and the response code
  resp_code code = resp_code::none;  ///< the RFC 2449/3206 response code, if any
  std::string code_text;             ///< the code as sent, without brackets ("SYS/TEMP")
};

/// One line of a CAPA reply as sent: its tag and arguments.
struct capa_line {
  std::string name;       ///< the tag ("SASL"; for LANG, the language tag)
  std::string arguments;  ///< the rest of the line ("PLAIN LOGIN"; for LANG, the description)
  /// Field by field.
  friend bool operator==(const capa_line&, const capa_line&) = default;
};

/// The reply to STAT.
struct maildrop_stat {
  std::uint32_t count = 0;   ///< messages in the maildrop (not counting those marked deleted)
  std::uint64_t octets = 0;  ///< their total size in octets
};

/// One message's size, from LIST.
struct list_entry {
  std::uint32_t message = 0;  ///< the message number (1-based)
  std::uint64_t octets = 0;   ///< its size in octets, as the server counts them
  /// Field by field.
  friend bool operator==(const list_entry&, const list_entry&) = default;
};

/// One message's unique-id, from UIDL.
struct uidl_entry {
  std::uint32_t message = 0;  ///< the message number (1-based)
  std::string uid;            ///< its unique-id: 1-70 octets of 0x21-0x7E
  /// Field by field.
  friend bool operator==(const uidl_entry&, const uidl_entry&) = default;
};

/// The outcome of one command of a batch.
struct batch_item {
  std::uint32_t message = 0;  ///< the message number the command named
  /// Success, or why not: server_error (-ERR; `reply` has the text) or sink_failed. A fatal
  /// error ends the whole batch instead and is returned by the batch call.
  result<void> outcome;
  server_reply reply;        ///< the command's status line (+OK or -ERR)
  std::uint64_t octets = 0;  ///< retr_many: bytes written to the sink
};

/// The callbacks of session::retrieve_and_delete().
struct batch_steps {
  /// The sink for a message whose data begins; it must live until its finish() or abort().
  std::function<body_sink&(std::uint32_t message)> sink_for;
  /// A RETR ended: `item.outcome` is success if its sink finished, else why not (-ERR, a
  /// local refusal, sink_failed). Returns true to send DELE for the message. Empty: never.
  std::function<bool(const batch_item& item)> retrieved;
  /// A DELE ended: success, -ERR (server_error, `item.reply`), or a local refusal. May be empty.
  std::function<void(const batch_item& item)> deleted;
  /// Asked before each RETR is sent: false sends no more RETRs, though the replies of those
  /// in flight are still read and their DELEs still sent when asked for. Empty: always true.
  std::function<bool()> go_on;
};

/// A piece of a message read with begin_retr()/begin_top() and read_body_piece().
struct body_piece {
  std::string_view bytes;  ///< valid until the next call on the session
  bool last = false;       ///< the message is complete with these bytes
};

/// How session::login() logs in.
enum class login_method : std::uint8_t {
  user_pass,  ///< USER then PASS (RFC 1939 §7)
  apop,       ///< APOP with the greeting's timestamp (RFC 1939 §7)
};

/// One POP3 session over one transport, in cleartext or TLS (see the file's description;
/// open_session() opens one under a TLS policy). Move-only; not thread-safe.
///
/// Errors every command can return, besides those listed with it: the local refusals of
/// engine::submit() (invalid_argument, no_such_message, command_not_allowed — also while a
/// message begun with begin_retr() is still being read —, pipeline_full, output_buffer_full;
/// nothing is sent), server_error for -ERR (with its response code in error::response), and
/// the fatal ones: the protocol violations (errc 100-199), connection_closed (also every call
/// after quit() or close_untrusted()), timeout, deadline_exceeded, io_error, and on TLS the
/// transport's TLS errors. Calls that return strings or vectors allocate them.
class session {
 public:
  /// Resolves `host`, connects (trying every address, see tcp_connect()), and reads the
  /// greeting. Cleartext: for TLS use open_session(). Allocates (the connection, the engine's
  /// buffers).
  /// Errors: host_not_found, connection_refused, network_unreachable, timeout, io_error;
  /// server_error if the greeting is -ERR; protocol errors for a malformed greeting;
  /// invalid_argument if `options.engine` fails validate().
  static result<session> connect(std::string_view host, std::uint16_t port,
                                 const session_options& options = {});
  /// Starts a session on an already connected transport (your own TCP stack, tests) and
  /// reads the greeting. Same errors as connect() after the connection is made.
  /// If the server refuses the session (-ERR greeting) and `refusal` is not null, it receives
  /// the server's status line.
  static result<session> start(std::unique_ptr<transport> connection,
                               const session_options& options = {}, std::string peer = {},
                               server_reply* refusal = nullptr);

  /// Takes over the other session's connection and state.
  session(session&&) noexcept;
  /// Drops this session's connection (without QUIT) and takes over the other's.
  session& operator=(session&&) noexcept;
  /// Closes the connection without QUIT (nothing is committed).
  ~session();

  /// The greeting's text (after "+OK ").
  const std::string& greeting() const noexcept { return greeting_; }
  /// The greeting's APOP timestamp ("" if none or invalid).
  const std::string& apop_timestamp() const noexcept { return apop_timestamp_; }
  /// "host:port" of the server as connected ("[::1]:110"), or what start() was given.
  const std::string& peer() const noexcept { return peer_; }
  /// The engine, for its getters (state(), server_capabilities(), ...). Valid as long as the
  /// session (views it returns: see engine).
  const engine& protocol() const noexcept { return engine_; }
  /// The last status line received, copied (allocates).
  server_reply last_reply() const;
  /// Whether batches pipeline now (see pipelining_mode).
  bool pipelining() const noexcept;
  /// The TLS parameters and the server's certificate, or nullptr for a cleartext session.
  /// Valid as long as the session's connection.
  const tls_details* tls() const noexcept;

  /// STLS (RFC 2595): sends STLS, and after +OK runs the TLS handshake on this connection
  /// (verifying `server_name`, see tls_handshake()). The capabilities learned before are
  /// forgotten; call capa() again. Nothing else is sent between STLS and the handshake, and
  /// bytes that arrive after the +OK and before the handshake are a protocol violation
  /// (errc::unexpected_data) — the STARTTLS injection attacks.
  /// Errors: server_error (-ERR to STLS: the session stays usable, in cleartext),
  /// command_not_allowed (TLS already up, or not in AUTHORIZATION), and the fatal errors of
  /// tls_handshake().
  result<void> starttls(std::string_view server_name, const tls_options& options);

  /// AUTH `mechanism` (RFC 5034): sends `initial_response` (raw bytes: the base64 is done
  /// here) with the command if given and the command stays within 255 octets, else after the
  /// server's first, empty challenge; answers every other challenge (decoded) with what
  /// `respond` returns. If a challenge is not valid base64 or `respond` fails, the exchange
  /// is cancelled with "*" and errc::malformed_challenge or respond's error is returned
  /// (the session stays usable, unless the server then answers +OK or another challenge:
  /// the session is closed). Errors also: server_error (-ERR, with its response code),
  /// invalid_argument (a bad mechanism name), command_too_long (the initial response does not
  /// fit engine_config::max_sasl_line_length), and the fatal ones.
  result<void> sasl(std::string_view mechanism, const std::optional<std::string>& initial_response,
                    const std::function<result<std::string>(std::string_view)>& respond);

  /// UTF8 (RFC 6856): user names and passwords may then be UTF-8. Errors: server_error,
  /// command_not_allowed (after login).
  result<void> utf8();
  /// LANG without argument (RFC 6856): the languages the server offers, one capa_line per
  /// language (name: the tag, arguments: the description). Errors: server_error.
  result<std::vector<capa_line>> languages();
  /// LANG tag: the language of the server's texts ("*": the server's choice).
  /// Errors: invalid_argument (an empty tag), server_error.
  result<void> set_language(std::string_view tag);

  /// CAPA: the lines as sent. The parsed set is then protocol().server_capabilities().
  /// Errors: server_error if the server has no CAPA.
  result<std::vector<capa_line>> capa();
  /// The lines of the last CAPA, as capa() returned them, without asking again (open_session()
  /// asks CAPA already). nullptr if there is none to show: no CAPA yet, the last one failed,
  /// or the server accepted STLS since (RFC 2595 §4: what was learned before TLS is forgotten).
  const std::vector<capa_line>* last_capa() const noexcept {
    return last_capa_ ? &*last_capa_ : nullptr;
  }
  /// Logs in. Errors: server_error (e.g. with resp_code::auth) on -ERR to USER, PASS or
  /// APOP; apop_unavailable for APOP without a greeting timestamp; invalid_argument for CR,
  /// LF or NUL in the name or password (nothing is sent).
  result<void> login(std::string_view user, std::string_view password,
                     login_method method = login_method::user_pass);
  /// STAT: the number of messages and the maildrop's size. Errors: the common ones (e.g.
  /// command_not_allowed before login).
  result<maildrop_stat> stat();
  /// LIST for every message, in the server's order.
  result<std::vector<list_entry>> list();
  /// LIST for one message. Errors also: server_error for a message that does not exist or is
  /// marked deleted; errc::wrong_message_number (fatal) if the reply names another one.
  result<list_entry> list(std::uint32_t message);
  /// UIDL for every message. Errors also: errc::duplicate_entry (fatal) if two messages share
  /// a unique-id.
  result<std::vector<uidl_entry>> uidl();
  /// UIDL for one message. Errors as for list(std::uint32_t).
  result<uidl_entry> uidl(std::uint32_t message);
  /// Streams message `message` into `sink` and returns its size in octets (the bytes handed
  /// to the sink). On any failure the sink's abort() is called (see body_sink). Errors also:
  /// sink_failed (the sink refused the data; the rest of the message was read and dropped, and
  /// the session stays usable). Memory does not grow with the message's size.
  result<std::uint64_t> retr(std::uint32_t message, body_sink& sink);
  /// TOP: the headers and the first `lines` body lines, like retr().
  result<std::uint64_t> top(std::uint32_t message, std::uint32_t lines, body_sink& sink);
  /// DELE: marks the message deleted; quit() commits. Errors: server_error (e.g. already
  /// deleted), no_such_message (above the count known from STAT).
  result<void> dele(std::uint32_t message);
  /// RSET: unmarks every message marked deleted.
  result<void> rset();
  /// NOOP: does nothing but keep the connection alive.
  result<void> noop();
  /// QUIT: the server commits deletions and closes; the connection is closed here too and
  /// later calls fail with connection_closed. Errors: server_error if the server reports
  /// that the update failed (deletions may be partly done).
  result<void> quit();

  /// Retrieves several messages, keeping up to pipeline_window RETR commands in flight when
  /// pipelining() is true, else one at a time. `sink_for(message)` is called when the
  /// message's data begins and must return a sink that lives until finish() or abort().
  /// Returns one batch_item per message, in order. A fatal error aborts the current sink and
  /// is returned; messages not started are not reported.
  result<std::vector<batch_item>> retr_many(
      std::span<const std::uint32_t> messages,
      const std::function<body_sink&(std::uint32_t message)>& sink_for);
  /// Marks several messages deleted, pipelined like retr_many.
  result<std::vector<batch_item>> dele_many(std::span<const std::uint32_t> messages);

  /// What a mail retrieval agent does: DELE for each of `to_delete`, then RETR for each of
  /// `to_retrieve`, each followed by its DELE if `steps.retrieved` asks for it, all sharing
  /// one window of window() commands in flight (one at a time without pipelining). A DELE
  /// is only ever sent after its message's RETR ended and retrieved() returned true, so a
  /// caller that makes the message durable inside its sink's finish() (or inside
  /// retrieved()) never has a message deleted that it does not hold. DELEs waiting to be
  /// sent go before new RETRs. A fatal error aborts the sink being written, ends the batch
  /// and is returned; retrieved()/deleted() have then been called for every command whose
  /// reply was read.
  result<void> retrieve_and_delete(std::span<const std::uint32_t> to_retrieve,
                                   std::span<const std::uint32_t> to_delete,
                                   const batch_steps& steps);

  /// Pull-style retrieval, for callers that hand data out piece by piece (the NetX API):
  /// begin_retr() sends RETR and waits for its +OK; then read_body_piece() returns the data
  /// until a piece with `last`. No other command may be sent in between
  /// (errc::command_not_allowed) except through skip_body(). Errors of begin_*: as retr().
  result<void> begin_retr(std::uint32_t message, body_format format = body_format::decoded);
  /// TOP `lines`, pull-style: as begin_retr().
  result<void> begin_top(std::uint32_t message, std::uint32_t lines,
                         body_format format = body_format::decoded);
  /// The next piece of the message begun with begin_retr()/begin_top(); waits for data.
  /// Errors: command_not_allowed if no message is being read; errc::timeout if nothing
  /// arrived within idle_timeout — unlike everywhere else, this one leaves the session
  /// usable: call again to keep waiting; the fatal ones otherwise (connection_closed if the
  /// message is cut off, deadline_exceeded, ...).
  /// The piece's bytes stay valid until the next call on the session.
  result<body_piece> read_body_piece();
  /// Reads and drops the rest of the message being read (nothing if none is).
  result<void> skip_body();
  /// True between begin_retr()/begin_top() and the last piece.
  bool reading_body() const noexcept { return body_open_; }

  /// Closes the connection without QUIT (nothing is committed) and makes every later call
  /// fail with errc::connection_closed: for a server that is not to be trusted.
  void close_untrusted() noexcept;

  /// Sends a command and waits for its status line (+OK: ok, -ERR: server_error). For
  /// commands with more to say use the functions above.
  result<void> simple_command(const command& c);

 private:
  session(std::unique_ptr<transport> connection, engine eng, const session_options& options);
  result<void> read_greeting();
  /// The next event, reading as needed. With `timeout_keeps_session`, a read that times out
  /// returns errc::timeout without closing the session (nothing was consumed).
  result<event> next_event(bool timeout_keeps_session = false);
  result<void> flush();
  unexpected fail(const error& e);
  result<void> submit(const command& c);
  void start_command_clock();
  result<void> expect_status(command_kind kind);
  /// Reads a multi-line listing to its end, handing each item event to `on_item`.
  result<void> read_listing(const std::function<void(const event&)>& on_item);
  result<std::uint64_t> read_body(command_kind kind, const std::function<body_sink&()>& open_sink,
                                  body_sink*& opened);
  std::size_t window() const noexcept;

  std::unique_ptr<transport> connection_;
  engine engine_;
  session_options options_;
  std::string greeting_;
  std::string apop_timestamp_;
  std::string peer_;
  deadline command_deadline_ = no_deadline;
  std::optional<error> broken_;
  std::optional<std::vector<capa_line>> last_capa_;  // see last_capa()
  bool body_open_ = false;                           // a RETR/TOP body is being read
  bool body_end_pending_ = false;  // the engine's body_end after a `last` chunk is unread
};

}  // namespace pop3
