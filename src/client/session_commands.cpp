// One POP3 command at a time: each function sends its command and reads the whole reply.
#include "pop3/session.hpp"

#include <unordered_set>

namespace pop3 {

result<void> session::simple_command(const command& c) {
  start_command_clock();
  POP3_TRY(submit(c));
  return expect_status(c.kind);
}

result<void> session::read_listing(const std::function<void(const event&)>& on_item) {
  for (;;) {
    auto ev = next_event();
    if (!ev) return unexpected(ev.error());
    if (std::holds_alternative<events::listing_end>(*ev)) return {};
    on_item(*ev);
  }
}

result<void> session::utf8() {
  return simple_command(cmd::utf8());
}

result<std::vector<capa_line>> session::languages() {
  POP3_TRY(simple_command(cmd::lang()));
  std::vector<capa_line> lines;
  POP3_TRY(read_listing([&](const event& ev) {
    const auto& item = std::get<events::lang_item>(ev);
    lines.push_back({std::string(item.tag), std::string(item.description)});
  }));
  return lines;
}

result<void> session::set_language(std::string_view tag) {
  if (tag.empty()) return unexpected(errc::invalid_argument, command_kind::lang);
  return simple_command(cmd::lang(tag));
}

result<std::vector<capa_line>> session::capa() {
  last_capa_.reset();
  POP3_TRY(simple_command(cmd::capa()));
  std::vector<capa_line> lines;
  POP3_TRY(read_listing([&](const event& ev) {
    const auto& item = std::get<events::capa_item>(ev);
    lines.push_back({std::string(item.name), std::string(item.arguments)});
  }));
  last_capa_ = lines;
  return lines;
}

result<void> session::login(std::string_view user, std::string_view password, login_method method) {
  if (method == login_method::apop) return simple_command(cmd::apop(user, password));
  POP3_TRY(simple_command(cmd::user(user)));
  return simple_command(cmd::pass(password));
}

result<maildrop_stat> session::stat() {
  POP3_TRY(simple_command(cmd::stat()));
  auto ev = next_event();
  if (!ev) return unexpected(ev.error());
  const auto& info = std::get<events::stat_info>(*ev);
  return maildrop_stat{info.count, info.octets};
}

result<std::vector<list_entry>> session::list() {
  POP3_TRY(simple_command(cmd::list()));
  std::vector<list_entry> entries;
  POP3_TRY(read_listing([&](const event& ev) {
    const auto& item = std::get<events::list_item>(ev);
    entries.push_back({item.message, item.octets});
  }));
  return entries;
}

result<list_entry> session::list(std::uint32_t message) {
  POP3_TRY(simple_command(cmd::list(message)));
  auto ev = next_event();
  if (!ev) return unexpected(ev.error());
  const auto& item = std::get<events::list_item>(*ev);
  return list_entry{item.message, item.octets};
}

result<std::vector<uidl_entry>> session::uidl() {
  POP3_TRY(simple_command(cmd::uidl()));
  std::vector<uidl_entry> entries;
  POP3_TRY(read_listing([&](const event& ev) {
    const auto& item = std::get<events::uidl_item>(ev);
    entries.push_back({item.message, std::string(item.uid)});
  }));
  // RFC 1939 §7: a unique-id names one message. Two messages with one UID would make any
  // decision by UID (keep, delete, already fetched) apply to the wrong message.
  std::unordered_set<std::string_view> seen;
  for (const auto& e : entries)
    if (!seen.insert(e.uid).second) return fail(error(errc::duplicate_entry, command_kind::uidl));
  return entries;
}

result<uidl_entry> session::uidl(std::uint32_t message) {
  POP3_TRY(simple_command(cmd::uidl(message)));
  auto ev = next_event();
  if (!ev) return unexpected(ev.error());
  const auto& item = std::get<events::uidl_item>(*ev);
  return uidl_entry{item.message, std::string(item.uid)};
}

result<void> session::begin_retr(std::uint32_t message, body_format format) {
  start_command_clock();
  POP3_TRY(submit(cmd::retr(message, format)));
  POP3_TRY(expect_status(command_kind::retr));
  body_open_ = true;
  return {};
}

result<void> session::begin_top(std::uint32_t message, std::uint32_t lines, body_format format) {
  start_command_clock();
  POP3_TRY(submit(cmd::top(message, lines, format)));
  POP3_TRY(expect_status(command_kind::top));
  body_open_ = true;
  return {};
}

result<body_piece> session::read_body_piece() {
  if (!body_open_) return unexpected(errc::command_not_allowed);
  auto ev = next_event(true);
  if (!ev) {
    if (!broken_) return unexpected(ev.error());  // a read timeout: still reading the body
    body_open_ = false;
    return unexpected(ev.error());
  }
  if (const auto* chunk = std::get_if<events::body_chunk>(&*ev)) {
    if (chunk->last) {
      body_open_ = false;
      body_end_pending_ = true;
    }
    return body_piece{chunk->bytes, chunk->last};
  }
  body_open_ = false;  // body_end: the engine emits nothing else inside a body
  return body_piece{{}, true};
}

result<void> session::skip_body() {
  while (body_open_)
    POP3_TRY(read_body_piece());
  return {};
}

result<std::uint64_t> session::read_body(command_kind kind,
                                         const std::function<body_sink&()>& open_sink,
                                         body_sink*& opened) {
  POP3_TRY(expect_status(kind));
  body_open_ = true;
  body_sink& sink = open_sink();
  opened = &sink;
  std::uint64_t octets = 0;
  std::optional<error> sink_error;
  for (;;) {
    auto piece = read_body_piece();
    if (!piece) {
      // A read timeout left the session open for pull-style callers; here it ends it, as
      // every other timeout does.
      const error e = broken_ ? *broken_ : fail(piece.error()).value();
      body_open_ = false;
      if (!sink_error) sink.abort(e);
      return unexpected(e);
    }
    octets += piece->bytes.size();
    if (!sink_error && !piece->bytes.empty()) {
      // After a sink error the rest is still read, so the session stays in step.
      if (auto w = sink.write(piece->bytes); !w) {
        sink_error = error(errc::sink_failed, kind, resp_code::none, w.error().system_error);
        sink.abort(*sink_error);
      }
    }
    if (!piece->last) continue;
    if (sink_error) return unexpected(*sink_error);
    if (auto f = sink.finish(); !f) {
      const error e(errc::sink_failed, kind, resp_code::none, f.error().system_error);
      sink.abort(e);
      return unexpected(e);
    }
    return octets;
  }
}

namespace {

result<std::uint64_t> abort_unopened(result<std::uint64_t> r, body_sink* opened, body_sink& sink) {
  if (!r && !opened) sink.abort(r.error());
  return r;
}

}  // namespace

result<std::uint64_t> session::retr(std::uint32_t message, body_sink& sink) {
  body_sink* opened = nullptr;
  start_command_clock();
  if (auto s = submit(cmd::retr(message)); !s) {
    sink.abort(s.error());
    return unexpected(s.error());
  }
  return abort_unopened(read_body(
                            command_kind::retr, [&]() -> body_sink& { return sink; }, opened),
                        opened, sink);
}

result<std::uint64_t> session::top(std::uint32_t message, std::uint32_t lines, body_sink& sink) {
  body_sink* opened = nullptr;
  start_command_clock();
  if (auto s = submit(cmd::top(message, lines)); !s) {
    sink.abort(s.error());
    return unexpected(s.error());
  }
  return abort_unopened(read_body(
                            command_kind::top, [&]() -> body_sink& { return sink; }, opened),
                        opened, sink);
}

result<void> session::dele(std::uint32_t message) {
  return simple_command(cmd::dele(message));
}
result<void> session::rset() {
  return simple_command(cmd::rset());
}
result<void> session::noop() {
  return simple_command(cmd::noop());
}

result<void> session::quit() {
  auto r = simple_command(cmd::quit());
  if (connection_) connection_->close();
  if (r || r.error().code == errc::server_error) {
    // Whatever the reply, the session is over: later calls say so.
    if (!broken_) broken_ = error(errc::connection_closed, command_kind::quit);
  }
  return r;
}

}  // namespace pop3
