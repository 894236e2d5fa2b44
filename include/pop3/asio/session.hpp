/// \file
/// An asynchronous driver of the engine on standalone Asio: C++20 coroutines, so that one
/// thread (one asio::io_context) runs many POP3 sessions at once.
///
///   asio::ssl::context tls = pop3::make_asio_tls_context(ca_file).value();
///   pop3::asio_tls_session s({}, co_await asio::this_coro::executor, tls);
///   if (auto r = co_await s.connect("pop.example.org", 995); !r) ...   // TLS verified
///   if (auto r = co_await s.login(user, password); !r) ...              // USER/PASS
///   auto st = co_await s.stat();                                        // {count, octets}
///   co_await s.quit();
///
/// It drives pop3::engine as every driver does (engine.hpp): send pending_output(), read
/// straight into receive_space(), take events with next_event(). Every operation returns
/// asio::awaitable<pop3::result<T>>: errors are values (the errc of error.hpp), never
/// exceptions; Asio, OS and OpenSSL failures are mapped as the blocking transports map them
/// (asio/error_mapping.hpp).
///
/// Rules shared by every operation:
/// - One operation at a time per session: a second one started while another is in progress
///   returns errc::command_not_allowed at once.
/// - The session must outlive the operations it started (as for any Asio I/O object), and
///   every string_view argument must stay valid until the operation completes (it is not
///   copied: pass variables that outlive the co_await).
/// - Deadlines: connect() must establish the connection (resolution, TCP, TLS handshake)
///   within asio_options::connect_timeout, else errc::timeout; the greeting and each command
///   must be answered completely within asio_options::command_timeout, else
///   errc::deadline_exceeded (so a server trickling one byte a second cannot hold a session).
/// - A fatal error (is_fatal(): protocol violation, I/O failure, timeout, TLS) closes the
///   connection and is sticky: every later operation returns it again. -ERR replies
///   (errc::server_error) and local refusals leave the session usable.
/// - Memory: the engine's buffers are allocated once, by the constructor. Coroutine frames and
///   Asio's operation state come from Asio's per-thread recycling allocator; nothing is
///   allocated per byte or per line read. Only results that own data (list(), uidl(), the
///   greeting's copy) allocate.
/// - Secrets: the password goes only into the engine's output buffer; nothing here logs. An
///   engine trace (engine_config::trace) shows PASS as "PASS ***".
#pragma once

#include <asio/awaitable.hpp>
#include <asio/connect.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/redirect_error.hpp>
#include <asio/ssl/stream.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "pop3/asio/error_mapping.hpp"
#include "pop3/asio/tls_context.hpp"
#include "pop3/command.hpp"
#include "pop3/engine.hpp"
#include "pop3/event.hpp"
#include "pop3/result.hpp"

namespace pop3 {

/// Settings of an asio_session, fixed at construction.
struct asio_options {
  /// Resolution, TCP connect and (for TLS streams) the TLS handshake together must finish
  /// within this time, else errc::timeout. Zero or negative: no limit.
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(30)};
  /// The greeting, and each command with its whole reply (a listing too), must finish within
  /// this time, else errc::deadline_exceeded. Zero or negative: no limit.
  std::chrono::milliseconds command_timeout{std::chrono::seconds(60)};
  /// Lets login() send USER and PASS over a stream that is not encrypted (anyone on the path
  /// can read the password). False, the default, refuses with errc::no_acceptable_mechanism
  /// before anything is sent — the policy of pop3::authenticate() (auth.hpp).
  bool allow_cleartext_login = false;
  /// The engine's buffer sizes and limits (engine_config.hpp).
  engine_config engine{};
};

/// One line of a UIDL listing, copied out of the engine.
struct asio_uidl_entry {
  std::uint32_t message = 0;  ///< the message number (1-based)
  std::string uid;            ///< its unique-id: 1-70 octets of 0x21-0x7E
  /// Compares both fields.
  friend bool operator==(const asio_uidl_entry&, const asio_uidl_entry&) = default;
};

namespace detail {

/// True for asio::ssl::stream<...>: connect() then runs a verified TLS handshake first.
template <class Stream>
struct is_asio_tls_stream : std::false_type {};
/// The asio::ssl::stream case of is_asio_tls_stream.
template <class Next>
struct is_asio_tls_stream<asio::ssl::stream<Next>> : std::true_type {};

}  // namespace detail

/// A POP3 session over an Asio stream: asio::ip::tcp::socket (cleartext) or
/// asio::ssl::stream<asio::ip::tcp::socket> (POP3S: TLS from the first byte, verified).
/// The operations are C++20 coroutines; see the file comment for the rules they share.
/// Neither copyable nor movable: operations in flight hold its address (keep sessions in a
/// coroutine frame, a std::unique_ptr, a std::list or a std::deque).
template <class Stream>
class asio_session {
 public:
  /// The stream type, e.g. asio::ip::tcp::socket.
  using stream_type = Stream;
  /// True if the stream is TLS (asio::ssl::stream): login() is then allowed without
  /// asio_options::allow_cleartext_login.
  static constexpr bool is_tls = detail::is_asio_tls_stream<Stream>::value;

  /// Makes the engine and the stream from `stream_args` (for a socket: an executor or
  /// io_context; for TLS: that and a context from make_asio_tls_context(), which must outlive
  /// the session). Does no I/O. Allocates the engine's buffers (once, see engine::create())
  /// and the deadline's small shared state. If `options.engine` is invalid (see validate()),
  /// every operation returns errc::invalid_argument.
  template <class... StreamArgs>
  explicit asio_session(const asio_options& options, StreamArgs&&... stream_args)
      : stream_(std::forward<StreamArgs>(stream_args)...),
        options_(options),
        resolver_(stream_.get_executor()),
        timer_(stream_.get_executor()),
        watchdog_(std::make_shared<watchdog>()) {
    watchdog_->owner = this;
    if (auto made = engine::create(options.engine))
      engine_.emplace(std::move(*made));
    else
      broken_ = made.error();
  }

  asio_session(const asio_session&) = delete;
  asio_session& operator=(const asio_session&) = delete;

  /// Closes the connection (without QUIT: deletions are not committed, RFC 1939 §6).
  /// Operations still in progress must have completed before.
  ~asio_session() { watchdog_->owner = nullptr; }

  /// Resolves `host`, connects to the first address that accepts, runs the TLS handshake
  /// for a TLS stream (the certificate must verify against the context's trust anchors and
  /// name `host`: a DNS name, or an IP literal matched against the certificate's addresses)
  /// and reads the greeting. Errors: host_not_found, connection_refused, network_unreachable,
  /// io_error (error::system_error: errno), timeout (connect_timeout), certificate_rejected
  /// (error::system_error: the X509_V_ERR_* code, e.g. 62 for a name mismatch),
  /// tls_handshake_failed (OpenSSL's reason), server_error with command greeting (a -ERR
  /// greeting; its text in last_reply()), the protocol errors of a malformed greeting
  /// (bad_status_indicator, line_too_long, bare_line_feed), connection_closed,
  /// deadline_exceeded (no greeting within command_timeout), command_not_allowed (already
  /// connected, or another operation in progress), invalid_argument (a bad engine_config).
  asio::awaitable<result<void>> connect(std::string_view host, std::uint16_t port) {
    auto op = begin();
    if (!op) co_return unexpected(op.error());
    if (connected_) co_return unexpected(errc::command_not_allowed, command_kind::greeting);
    connected_ = true;
    arm(options_.connect_timeout, errc::timeout);
    std::error_code ec;
    auto endpoints = co_await resolver_.async_resolve(
        host, std::to_string(port), asio::redirect_error(asio::use_awaitable, ec));
    if (watchdog_->expired) co_return fail(errc::timeout);
    if (ec) co_return fail(detail::asio_resolve_error(ec));
    co_await asio::async_connect(stream_.lowest_layer(), endpoints,
                                 asio::redirect_error(asio::use_awaitable, ec));
    if (watchdog_->expired) co_return fail(errc::timeout);
    if (ec) co_return fail(detail::asio_connect_error(ec));
    if constexpr (is_tls) {
      if (!detail::expect_tls_host(stream_.native_handle(), host))
        co_return fail(error(errc::tls_handshake_failed));
      co_await stream_.async_handshake(asio::ssl::stream_base::client,
                                       asio::redirect_error(asio::use_awaitable, ec));
      if (watchdog_->expired) co_return fail(errc::timeout);
      if (ec) co_return fail(detail::asio_handshake_error(stream_.native_handle(), ec));
    }
    arm(options_.command_timeout, errc::deadline_exceeded);
    auto keep_text = [this](const event& ev) {
      if (const auto* g = std::get_if<events::greeting>(&ev)) greeting_.assign(g->text);
    };
    co_return co_await read_reply(command_kind::greeting, keep_text);
  }

  /// USER then PASS (RFC 1939 §7). Refused with errc::no_acceptable_mechanism (command user,
  /// nothing sent, session usable) on a cleartext stream unless
  /// asio_options::allow_cleartext_login. Errors also: invalid_argument (empty user, CR, LF
  /// or NUL in either; nothing sent), command_too_long, command_not_allowed (not in
  /// AUTHORIZATION, not connected), server_error (-ERR to USER or PASS: error::command says
  /// which, error::response the RFC 3206 code such as resp_code::auth; text in last_reply()),
  /// and the fatal errors.
  asio::awaitable<result<void>> login(std::string_view user, std::string_view password) {
    if (!is_tls && !options_.allow_cleartext_login)
      co_return unexpected(errc::no_acceptable_mechanism, command_kind::user);
    if (auto r = co_await execute(cmd::user(user), [](const event&) {}); !r)
      co_return unexpected(r.error());
    co_return co_await execute(cmd::pass(password), [](const event&) {});
  }

  /// STAT: the number of messages and the size of the maildrop. Errors: server_error,
  /// command_not_allowed (not in TRANSACTION), malformed_reply / number_overflow (fatal), and
  /// the fatal errors.
  asio::awaitable<result<events::stat_info>> stat() {
    events::stat_info info;
    auto r = co_await execute(cmd::stat(), [&info](const event& ev) {
      if (const auto* s = std::get_if<events::stat_info>(&ev)) info = *s;
    });
    if (!r) co_return unexpected(r.error());
    co_return info;
  }

  /// LIST: every message's number and size, in the server's order. Allocates the vector.
  /// Errors: as stat(), plus the listing errors of the engine (duplicate_entry,
  /// message_number_out_of_range, too_many_entries: fatal).
  asio::awaitable<result<std::vector<events::list_item>>> list() {
    std::vector<events::list_item> items;
    auto r = co_await execute(cmd::list(), [&items](const event& ev) {
      if (const auto* i = std::get_if<events::list_item>(&ev)) items.push_back(*i);
    });
    if (!r) co_return unexpected(r.error());
    co_return items;
  }

  /// UIDL: every message's unique-id, in the server's order. Allocates the vector and the
  /// strings. Errors: as list(), plus invalid_uid (fatal).
  asio::awaitable<result<std::vector<asio_uidl_entry>>> uidl() {
    std::vector<asio_uidl_entry> entries;
    auto r = co_await execute(cmd::uidl(), [&entries](const event& ev) {
      if (const auto* i = std::get_if<events::uidl_item>(&ev))
        entries.push_back({i->message, std::string(i->uid)});
    });
    if (!r) co_return unexpected(r.error());
    co_return entries;
  }

  /// QUIT, then closes the connection once the server has answered (deletions are committed
  /// by the server's UPDATE state, RFC 1939 §6). No TLS close_notify is awaited. Errors:
  /// server_error (-ERR: the server could not commit), command_not_allowed, and the fatal
  /// errors. The session can do nothing more afterwards.
  asio::awaitable<result<void>> quit() {
    auto r = co_await execute(cmd::quit(), [](const event&) {});
    close();
    co_return r;
  }

  /// The general primitive: submits `c`, sends it, and reads its whole reply, calling
  /// `on_event(const pop3::event&)` for each of its events in order — first ok or err, then
  /// what follows an ok (event.hpp: stat_info, list_item..., listing_end, body_chunk...,
  /// body_end). The views in an event are valid only during the call. Returns success for
  /// +OK, errc::server_error for -ERR (error::command and error::response set; the session is
  /// usable). Errors also: the refusals of engine::submit() (invalid_argument for CR, LF or
  /// NUL in an argument, command_too_long, command_not_allowed, no_such_message: nothing is
  /// sent), command_not_allowed for STLS and AUTH (this driver runs no STARTTLS or SASL
  /// exchange: use a TLS stream and login()), and the fatal errors. `c` only borrows its
  /// strings; `on_event` is moved into the operation.
  template <class OnEvent>
  asio::awaitable<result<void>> execute(command c, OnEvent on_event) {
    auto op = begin();
    if (!op) co_return unexpected(op.error());
    if (!connected_) co_return unexpected(errc::command_not_allowed, c.kind);
    if (c.kind == command_kind::stls || c.kind == command_kind::auth ||
        c.kind == command_kind::sasl_response)
      co_return unexpected(errc::command_not_allowed, c.kind);
    if (auto submitted = engine_->submit(c); !submitted) co_return fail(submitted.error());
    arm(options_.command_timeout, errc::deadline_exceeded);
    co_return co_await read_reply(c.kind, on_event);
  }

  /// Closes the connection now, without QUIT; later operations return
  /// errc::connection_closed. Idempotent; never fails.
  void close() noexcept {
    if (!broken_) broken_ = error(errc::connection_closed);
    shut_down();
  }

  /// The greeting's text after "+OK " (empty before connect() succeeded).
  const std::string& greeting() const noexcept { return greeting_; }
  /// The last +OK or -ERR status line received, e.g. the text of a -ERR to PASS. Its views
  /// stay valid until the next operation starts. A default reply_info before the greeting.
  reply_info last_reply() const noexcept { return engine_ ? engine_->last_reply() : reply_info{}; }
  /// The sticky fatal error (or connection_closed after close()/quit()), if any.
  std::optional<error> failure() const noexcept { return broken_; }
  /// The engine, for its getters (state(), server_capabilities(), ...). Precondition: the
  /// engine_config was valid (failure() is not invalid_argument).
  const engine& protocol() const noexcept { return *engine_; }
  /// The stream, e.g. to read TLS details from its native_handle(). Reading or writing it
  /// directly desynchronises the session.
  Stream& stream() noexcept { return stream_; }

 private:
  /// What the deadline's timer handler may touch: it can run after the session is gone
  /// (then owner is null) or after a later operation re-armed the timer (then the generation
  /// differs).
  struct watchdog {
    asio_session* owner = nullptr;
    std::uint64_t generation = 0;
    bool expired = false;
  };

  /// Marks one operation as in progress for its lifetime (RAII inside the coroutine frame),
  /// and stops its deadline when it ends.
  class operation {
   public:
    explicit operation(asio_session* s) noexcept : session_(s) {}
    operation(operation&& o) noexcept : session_(std::exchange(o.session_, nullptr)) {}
    operation& operator=(operation&&) = delete;
    ~operation() {
      if (session_) {
        session_->busy_ = false;
        session_->disarm();
      }
    }

   private:
    asio_session* session_;
  };

  result<operation> begin() noexcept {
    if (busy_) return unexpected(errc::command_not_allowed);
    if (broken_) return unexpected(*broken_);
    busy_ = true;
    return operation(this);
  }

  /// Starts the deadline of the current step; `code` is what its expiry is reported as.
  void arm(std::chrono::milliseconds limit, errc code) {
    watchdog& w = *watchdog_;
    ++w.generation;
    w.expired = false;
    expiry_code_ = code;
    if (limit.count() <= 0) {
      timer_.cancel();
      return;
    }
    timer_.expires_after(limit);
    timer_.async_wait([w = watchdog_, generation = w.generation](const std::error_code& ec) {
      if (ec || !w->owner || w->generation != generation) return;
      w->expired = true;
      w->owner->cancel_io();  // the pending read, write, connect or resolution ends now
    });
  }

  void disarm() noexcept {
    ++watchdog_->generation;
    timer_.cancel();
  }

  void cancel_io() noexcept {
    std::error_code ignored;
    resolver_.cancel();
    stream_.lowest_layer().cancel(ignored);
  }

  void shut_down() noexcept {
    std::error_code ignored;
    resolver_.cancel();
    stream_.lowest_layer().close(ignored);
  }

  /// Returns `e`; a fatal one also closes the connection and becomes sticky.
  unexpected fail(const error& e) noexcept {
    if (!e.fatal()) return unexpected(e);
    if (!broken_) {
      broken_ = e;
      shut_down();
    }
    return unexpected(*broken_);
  }

  /// Sends what the engine has queued.
  asio::awaitable<result<void>> flush() {
    while (engine_->want_write()) {
      const auto out = engine_->pending_output();
      std::error_code ec;
      const std::size_t sent =
          co_await asio::async_write(stream_, asio::buffer(out.data(), out.size()),
                                     asio::redirect_error(asio::use_awaitable, ec));
      if (watchdog_->expired) co_return fail(expiry_code_);
      if (ec) co_return fail(detail::asio_io_error(ec));
      engine_->consume_output(sent);
    }
    co_return result<void>{};
  }

  /// The pump: sends pending commands, hands every event to `on_event`, and reads whenever the
  /// engine needs input, until the reply to the one command in flight is complete — the engine
  /// has nothing in flight and no event left without more input. The first event is the
  /// status (greeting, ok or err) and decides the result.
  template <class OnEvent>
  asio::awaitable<result<void>> read_reply(command_kind kind, OnEvent& on_event) {
    if (auto sent = co_await flush(); !sent) co_return unexpected(sent.error());
    std::optional<error> refused;
    bool status_seen = false;
    for (;;) {
      auto ev = engine_->next_event();
      if (!ev) co_return fail(ev.error());
      if (*ev) {
        if (!status_seen) {
          status_seen = true;
          if (const auto* e = std::get_if<events::err>(&**ev))
            refused = error(errc::server_error, e->command, e->code);
        }
        on_event(**ev);
        continue;
      }
      if (engine_->in_flight() == 0) break;
      const auto space = engine_->receive_space();
      // The engine hands out what it holds before the buffer can fill up; a full buffer with
      // no event means a limit (line length) was set larger than the buffer allows.
      if (space.empty()) co_return fail(error(errc::line_too_long, kind));
      std::error_code ec;
      const std::size_t n = co_await stream_.async_read_some(
          asio::buffer(space.data(), space.size()), asio::redirect_error(asio::use_awaitable, ec));
      if (watchdog_->expired) co_return fail(expiry_code_);
      if (ec && !detail::asio_end_of_stream(ec)) co_return fail(detail::asio_io_error(ec));
      if (n > 0) {
        if (auto taken = engine_->commit_received(n); !taken) co_return fail(taken.error());
      } else if (ec) {
        engine_->feed_eof();
      }
    }
    if (refused && kind == command_kind::greeting) {
      // The server refused the session: nothing more will come, and every later operation
      // says why (as the blocking session does).
      broken_ = *refused;
      shut_down();
    }
    if (refused) co_return unexpected(*refused);
    co_return result<void>{};
  }

  Stream stream_;
  asio_options options_;
  asio::ip::tcp::resolver resolver_;
  asio::steady_timer timer_;
  std::shared_ptr<watchdog> watchdog_;
  std::optional<engine> engine_;
  std::optional<error> broken_;
  errc expiry_code_ = errc::timeout;
  std::string greeting_;
  bool busy_ = false;
  bool connected_ = false;
};

/// A cleartext POP3 session (login() needs asio_options::allow_cleartext_login).
using asio_tcp_session = asio_session<asio::ip::tcp::socket>;
/// A POP3S session: TLS from the first byte, certificate and host name verified by default.
using asio_tls_session = asio_session<asio::ssl::stream<asio::ip::tcp::socket>>;

}  // namespace pop3
