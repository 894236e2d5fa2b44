// The blocking driver: connects, pumps bytes between the transport and the engine, and keeps
// the deadlines. The POP3 commands themselves are in session_commands.cpp and
// session_batch.cpp.
#include "pop3/session.hpp"

#include <algorithm>

#include "pop3/tcp_transport.hpp"

namespace pop3 {

session::session(std::unique_ptr<transport> connection, engine eng, const session_options& options)
    : connection_(std::move(connection)), engine_(std::move(eng)), options_(options) {}

session::session(session&&) noexcept = default;
session& session::operator=(session&&) noexcept = default;
session::~session() = default;

result<session> session::connect(std::string_view host, std::uint16_t port,
                                 const session_options& options) {
  tcp_options tcp;
  tcp.connect_timeout = options.connect_timeout;
  auto connection = tcp_transport::connect(host, port, tcp, no_deadline);
  if (!connection) return unexpected(connection.error());
  std::string peer = (*connection)->peer_address();
  return start(std::unique_ptr<transport>(std::move(*connection)), options, std::move(peer));
}

result<session> session::start(std::unique_ptr<transport> connection,
                               const session_options& options, std::string peer,
                               server_reply* refusal) {
  auto eng = engine::create(options.engine);
  if (!eng) return unexpected(eng.error());
  session s(std::move(connection), std::move(*eng), options);
  s.peer_ = std::move(peer);
  if (auto greeted = s.read_greeting(); !greeted) {
    if (refusal && greeted.error().code == errc::server_error) *refusal = s.last_reply();
    return unexpected(greeted.error());
  }
  return result<session>(std::move(s));
}

result<void> session::read_greeting() {
  start_command_clock();
  auto ev = next_event();
  if (!ev) return unexpected(ev.error());
  if (const auto* g = std::get_if<events::greeting>(&*ev)) {
    greeting_.assign(g->text);
    apop_timestamp_.assign(g->apop_timestamp);
    return {};
  }
  const auto* refused = std::get_if<events::err>(&*ev);
  const error e(errc::server_error, command_kind::greeting,
                refused ? refused->code : resp_code::none);
  connection_->close();  // the server refused the session; nothing more will come
  broken_ = e;
  return unexpected(e);
}

server_reply session::last_reply() const {
  const reply_info r = engine_.last_reply();
  return {r.ok, r.command, std::string(r.text), r.code, std::string(r.code_text)};
}

bool session::pipelining() const noexcept {
  switch (options_.pipelining) {
    case pipelining_mode::on:
      return true;
    case pipelining_mode::off:
      return false;
    case pipelining_mode::automatic:
      return engine_.server_capabilities().known() && engine_.server_capabilities().pipelining;
  }
  return false;
}

std::size_t session::window() const noexcept {
  if (!pipelining()) return 1;
  return std::max<std::size_t>(1,
                               std::min(options_.pipeline_window, engine_.config().max_in_flight));
}

void session::start_command_clock() {
  command_deadline_ = options_.command_timeout.count() > 0
                          ? steady_clock::now() + options_.command_timeout
                          : no_deadline;
}

void session::close_untrusted() noexcept {
  if (!broken_) broken_ = error(errc::connection_closed);
  if (connection_) connection_->close();
}

unexpected session::fail(const error& e) {
  if (!e.fatal()) return unexpected(e);
  if (!broken_) {
    broken_ = e;
    if (connection_) connection_->close();
  }
  return unexpected(*broken_);
}

namespace {

/// The deadline of one read or write: idle time from now, but never past the command's.
deadline operation_deadline(std::chrono::milliseconds idle, deadline command) {
  const deadline idle_end = idle.count() > 0 ? steady_clock::now() + idle : no_deadline;
  return std::min(idle_end, command);
}

}  // namespace

result<void> session::flush() {
  while (engine_.want_write()) {
    const auto out = engine_.pending_output();
    auto written =
        connection_->write(out, operation_deadline(options_.idle_timeout, command_deadline_));
    if (!written) {
      error e = written.error();
      if (e.code == errc::timeout && steady_clock::now() >= command_deadline_)
        e.code = errc::deadline_exceeded;
      return fail(e);
    }
    engine_.consume_output(out.size());
  }
  return {};
}

result<event> session::next_event(bool timeout_keeps_session) {
  if (broken_) return unexpected(*broken_);
  if (body_end_pending_) {
    // read_body_piece() returned a chunk marked `last`; its body_end follows at once.
    body_end_pending_ = false;
    if (auto end = engine_.next_event(); !end) return fail(end.error());
  }
  for (;;) {
    POP3_TRY(flush());
    auto ev = engine_.next_event();
    if (!ev) return fail(ev.error());
    if (*ev) return std::move(**ev);
    auto read = connection_->read(engine_.receive_space(),
                                  operation_deadline(options_.idle_timeout, command_deadline_));
    if (!read) {
      error e = read.error();
      if (e.code == errc::timeout && steady_clock::now() >= command_deadline_)
        e.code = errc::deadline_exceeded;
      else if (e.code == errc::timeout && timeout_keeps_session)
        return unexpected(e);  // nothing was read: the engine is where it was
      return fail(e);
    }
    if (*read == 0) {
      engine_.feed_eof();
    } else if (auto taken = engine_.commit_received(*read); !taken) {
      return fail(taken.error());
    }
  }
}

result<void> session::submit(const command& c) {
  if (broken_) return unexpected(*broken_);
  if (body_open_) return unexpected(errc::command_not_allowed, c.kind);  // finish the body first
  if (auto r = engine_.submit(c); !r) return fail(r.error());
  return {};
}

result<void> session::expect_status(command_kind kind) {
  auto ev = next_event();
  if (!ev) return unexpected(ev.error());
  if (std::holds_alternative<events::ok>(*ev)) return {};
  if (const auto* e = std::get_if<events::err>(&*ev))
    return unexpected(error(errc::server_error, kind, e->code));
  // The engine emits ok or err first for every command; anything else is a driver bug.
  return fail(error(errc::unexpected_data, kind));
}

}  // namespace pop3
