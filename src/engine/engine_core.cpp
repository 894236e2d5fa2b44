#include "engine_core.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "pop3/apop.hpp"
#include "reply_parser.hpp"

namespace pop3::detail {

engine_core::engine_core(const engine_config& config)
    : config_(config),
      in_(std::make_unique<char[]>(config.receive_buffer_size)),
      out_(std::make_unique<char[]>(config.output_buffer_size)),
      reply_(
          std::make_unique<char[]>(std::max(config.max_line_length, config.max_sasl_line_length))),
      apop_(std::make_unique<char[]>(config.max_line_length)),
      listed_(std::make_unique<std::uint64_t[]>(config.max_messages / 64 + 1)),
      queue_(config.max_in_flight) {
  // The greeting is answered like a command nobody sent.
  queue_.push({command_kind::greeting});
  recompute_projection();
}

session_state engine_core::state() const noexcept {
  // Only a queued QUIT makes the projection "closed" while the session is in TRANSACTION.
  if (position_.state == session_state::transaction && projected_.state == session_state::closed)
    return session_state::update;
  return position_.state;
}

reply_info engine_core::last_reply() const noexcept {
  return reply_info_;
}

bool engine_core::want_read() const noexcept {
  if (failure_) return false;
  switch (phase_) {
    case phase::listing:
    case phase::body:
      return true;
    case phase::status:
      return !queue_.empty();
    case phase::tls_wait:
      return false;
  }
  return false;
}

std::size_t engine_core::in_flight() const noexcept {
  return queue_.size() + (phase_ == phase::listing || phase_ == phase::body ? 1 : 0);
}

std::span<char> engine_core::receive_space() noexcept {
  if (failure_) return {};
  // Views handed out earlier may be invalidated here; the contract allows it.
  if (in_begin_ == in_end_) {
    in_begin_ = in_end_ = in_scanned_ = 0;
  } else if (in_begin_ > 0) {
    std::memmove(in_.get(), in_.get() + in_begin_, in_end_ - in_begin_);
    in_end_ -= in_begin_;
    in_scanned_ -= in_begin_;
    in_begin_ = 0;
  }
  return {in_.get() + in_end_, config_.receive_buffer_size - in_end_};
}

result<void> engine_core::commit_received(std::size_t n) noexcept {
  if (failure_) return unexpected(*failure_);
  if (n > config_.receive_buffer_size - in_end_ || (eof_ && n > 0))
    return unexpected(errc::invalid_argument);
  // RFC 2595 / the STARTTLS injection class: nothing may arrive in plaintext between the
  // +OK to STLS and the handshake.
  if (phase_ == phase::tls_wait && n > 0) return fail(errc::unexpected_data, command_kind::stls);
  in_end_ += n;
  return {};
}

void engine_core::consume_output(std::size_t n) noexcept {
  out_begin_ += std::min(n, out_end_ - out_begin_);
  if (out_begin_ == out_end_) out_begin_ = out_end_ = 0;
}

unexpected engine_core::fail(errc code, command_kind kind) noexcept {
  if (!failure_) failure_ = error(code, kind);
  return unexpected(*failure_);
}

void engine_core::trace(trace_kind kind, std::string_view line) const noexcept {
  if (config_.trace) config_.trace(config_.trace_context, kind, line);
}

result<std::optional<event>> engine_core::next_event() noexcept {
  if (failure_) return unexpected(*failure_);
  if (follow_up_) {
    std::optional<event> ev = std::move(follow_up_);
    follow_up_.reset();
    return ev;
  }
  switch (phase_) {
    case phase::status:
      return next_status_event();
    case phase::listing:
      return next_listing_event();
    case phase::body:
      return next_body_event();
    case phase::tls_wait:
      return std::optional<event>{};
  }
  return std::optional<event>{};
}

result<std::optional<std::string_view>> engine_core::take_line(std::size_t limit,
                                                               command_kind kind) noexcept {
  const std::size_t window_end = std::min(in_end_, in_begin_ + limit);
  const std::size_t from = std::max(in_scanned_, in_begin_);
  const char* base = in_.get();
  const void* lf = from < window_end ? std::memchr(base + from, '\n', window_end - from) : nullptr;
  if (!lf) {
    if (in_end_ - in_begin_ >= limit) return fail(errc::line_too_long, kind);
    in_scanned_ = window_end;
    return std::optional<std::string_view>{};
  }
  const auto lf_at = static_cast<std::size_t>(static_cast<const char*>(lf) - base);
  if (lf_at == in_begin_ || base[lf_at - 1] != '\r') return fail(errc::bare_line_feed, kind);
  const std::string_view line(base + in_begin_, lf_at - 1 - in_begin_);
  in_begin_ = in_scanned_ = lf_at + 1;
  return std::optional<std::string_view>{line};
}

result<std::optional<event>> engine_core::next_status_event() noexcept {
  if (queue_.empty()) {
    if (in_begin_ < in_end_) return fail(errc::unexpected_data);
    if (eof_ && !closed_reported_) {
      closed_reported_ = true;
      position_ = projected_ = after_close(position_);
      return std::optional<event>{events::closed{}};
    }
    return std::optional<event>{};
  }
  const command_kind kind = queue_.front().kind;
  const std::size_t limit =
      kind == command_kind::auth ? config_.max_sasl_line_length : config_.max_line_length;
  auto line = take_line(limit, kind);
  if (!line) return unexpected(line.error());
  if (!*line) {
    if (eof_) return fail(errc::connection_closed, kind);
    return std::optional<event>{};
  }
  return on_status_line(**line);
}

void engine_core::store_reply(bool ok, command_kind kind, std::string_view text, resp_code code,
                              std::string_view code_text) noexcept {
  // The text and the code are copied side by side so that they outlive the receive buffer.
  char* dst = reply_.get();
  if (!code_text.empty()) std::memcpy(dst, code_text.data(), code_text.size());
  if (!text.empty()) std::memcpy(dst + code_text.size(), text.data(), text.size());
  reply_info_ = {ok, kind, {dst + code_text.size(), text.size()}, code, {dst, code_text.size()}};
}

result<std::optional<event>> engine_core::on_status_line(std::string_view line) noexcept {
  trace(trace_kind::received, line);
  const expected_reply answered = queue_.front();
  auto parsed = parse_status_line(line, answered.kind == command_kind::auth);
  if (!parsed) return fail(parsed.error().code, answered.kind);
  if (parsed->indicator == status_indicator::continuation) {
    // The server must wait for the answer to one challenge before it sends the next.
    if (sasl_challenge_pending_) return fail(errc::unexpected_data, answered.kind);
    sasl_challenge_pending_ = true;
    return std::optional<event>{events::sasl_challenge{parsed->text}};
  }
  const bool ok = parsed->indicator == status_indicator::ok;
  // Nor may it accept before it has the answer (RFC 5034 §4): the client would send that
  // answer as a command in TRANSACTION. (-ERR may still end the exchange at any point.)
  if (ok && sasl_challenge_pending_) return fail(errc::unexpected_data, answered.kind);
  store_reply(ok, answered.kind, parsed->text, parsed->code, parsed->code_text);
  queue_.pop();
  position_ = after_reply(position_, answered.kind, ok);
  if (answered.kind == command_kind::auth) sasl_challenge_pending_ = false;
  if (!ok) {
    // The projection assumed success; it must be rebuilt from the real position.
    recompute_projection();
    return std::optional<event>{events::err{{answered.kind, answered.message, reply_info_.text,
                                             reply_info_.code, reply_info_.code_text}}};
  }
  return on_ok(answered);
}

result<std::optional<event>> engine_core::on_ok(const expected_reply& answered) noexcept {
  const events::ok ok{
      {answered.kind, answered.message, reply_info_.text, reply_info_.code, reply_info_.code_text}};
  const std::string_view text = reply_info_.text;
  const command_rule& rule = rule_for(answered.kind);
  const bool multiline = (answered.has_argument ? rule.with_argument : rule.without_argument) ==
                         reply_shape::multiline;
  switch (answered.kind) {
    case command_kind::greeting: {
      const std::string_view stamp = find_apop_timestamp(text);
      if (!stamp.empty()) std::memcpy(apop_.get(), stamp.data(), stamp.size());
      apop_size_ = stamp.size();
      return std::optional<event>{
          events::greeting{text, apop_timestamp(), reply_info_.code, reply_info_.code_text}};
    }
    case command_kind::stat: {
      auto fields = parse_stat(text, config_.max_messages);
      if (!fields) return fail(fields.error().code, answered.kind);
      const std::uint64_t highest = std::uint64_t{fields->count} + deleted_;
      if (highest > config_.max_messages) return fail(errc::number_overflow, answered.kind);
      highest_message_ = static_cast<std::uint32_t>(highest);
      maildrop_known_ = true;
      follow_up_ = events::stat_info{fields->count, fields->octets};
      return std::optional<event>{ok};
    }
    case command_kind::dele:
      ++deleted_;
      return std::optional<event>{ok};
    case command_kind::rset:
      deleted_ = 0;
      return std::optional<event>{ok};
    case command_kind::stls:
      phase_ = phase::tls_wait;
      // Bytes after the +OK were injected by someone (EAST B_1, CVE-2021-22947 class).
      if (in_begin_ < in_end_) return fail(errc::unexpected_data, answered.kind);
      follow_up_ = events::start_tls{};
      return std::optional<event>{ok};
    default:
      break;
  }
  if (!multiline) {
    if (answered.kind == command_kind::list) {
      auto fields = parse_list_line(text, config_.max_messages);
      if (!fields) return fail(fields.error().code, answered.kind);
      if (fields->message != answered.message)
        return fail(errc::wrong_message_number, answered.kind);
      follow_up_ = events::list_item{fields->message, fields->octets};
    } else if (answered.kind == command_kind::uidl) {
      auto fields = parse_uidl_line(text, config_.max_messages, config_.max_uid_length);
      if (!fields) return fail(fields.error().code, answered.kind);
      if (fields->message != answered.message)
        return fail(errc::wrong_message_number, answered.kind);
      follow_up_ = events::uidl_item{fields->message, fields->uid};
    }
    return std::optional<event>{ok};
  }
  current_ = answered;
  if (answered.kind == command_kind::retr || answered.kind == command_kind::top) {
    phase_ = phase::body;
    body_.reset(answered.format);
    body_octets_ = 0;
  } else {
    phase_ = phase::listing;
    listing_lines_ = 0;
    std::fill_n(listed_.get(), listed_words_used_, 0);
    listed_words_used_ = 0;
    if (answered.kind == command_kind::capa) capabilities_.clear();
  }
  return std::optional<event>{ok};
}

std::uint32_t engine_core::listing_limit() const noexcept {
  return maildrop_known_ ? highest_message_ : config_.max_messages;
}

result<bool> engine_core::mark_listed(std::uint32_t message) noexcept {
  const std::size_t word = message / 64;
  const std::uint64_t bit = std::uint64_t{1} << (message % 64);
  if (listed_[word] & bit) return fail(errc::duplicate_entry, current_.kind);
  listed_[word] |= bit;
  listed_words_used_ = std::max(listed_words_used_, word + 1);
  return true;
}

result<std::optional<event>> engine_core::next_listing_event() noexcept {
  auto line = take_line(config_.max_listing_line_length, current_.kind);
  if (!line) return unexpected(line.error());
  if (!*line) {
    if (eof_) return fail(errc::connection_closed, current_.kind);
    return std::optional<event>{};
  }
  trace(trace_kind::received, **line);
  return on_listing_line(**line);
}

result<std::optional<event>> engine_core::on_listing_line(std::string_view line) noexcept {
  if (line == ".") {
    phase_ = phase::status;
    if (current_.kind == command_kind::capa) capabilities_.mark_known();
    return std::optional<event>{events::listing_end{current_.kind}};
  }
  if (!line.empty() && line.front() == '.') line.remove_prefix(1);  // dot-stuffed
  switch (current_.kind) {
    case command_kind::list: {
      auto fields = parse_list_line(line, listing_limit());
      if (!fields) return fail(fields.error().code, current_.kind);
      POP3_TRY(mark_listed(fields->message));
      return std::optional<event>{events::list_item{fields->message, fields->octets}};
    }
    case command_kind::uidl: {
      auto fields = parse_uidl_line(line, listing_limit(), config_.max_uid_length);
      if (!fields) return fail(fields.error().code, current_.kind);
      POP3_TRY(mark_listed(fields->message));
      return std::optional<event>{events::uidl_item{fields->message, fields->uid}};
    }
    case command_kind::capa: {
      if (++listing_lines_ > config_.max_capa_lines)
        return fail(errc::too_many_capabilities, current_.kind);
      std::string_view name, arguments;
      split_first_word(line, name, arguments);
      if (!capabilities_.apply(name, arguments)) return fail(errc::line_too_long, current_.kind);
      return std::optional<event>{events::capa_item{name, arguments}};
    }
    default: {  // LANG (RFC 6856 §3): "tag SP description"
      if (++listing_lines_ > config_.max_capa_lines)
        return fail(errc::too_many_entries, current_.kind);
      std::string_view tag, description;
      split_first_word(line, tag, description);
      return std::optional<event>{events::lang_item{tag, description}};
    }
  }
}

result<std::optional<event>> engine_core::next_body_event() noexcept {
  for (;;) {
    const std::size_t start = in_begin_;
    const body_decoder::step step = body_.decode(in_.get() + start, in_end_ - start);
    in_begin_ = in_scanned_ = start + step.consumed;
    body_octets_ += step.produced;
    const std::string_view bytes(in_.get() + start, step.produced);
    const events::body_chunk chunk{current_.kind, current_.message, bytes, step.finished};
    if (step.finished) {
      phase_ = phase::status;
      if (config_.trace) {
        char summary[48];
        const int n = std::snprintf(summary, sizeof summary, "<%llu octets>",
                                    static_cast<unsigned long long>(body_octets_));
        trace(trace_kind::body, {summary, static_cast<std::size_t>(n)});
        trace(trace_kind::received, ".");
      }
      const events::body_end end{current_.kind, current_.message, body_octets_};
      if (step.produced == 0) return std::optional<event>{end};
      follow_up_ = end;
      return std::optional<event>{chunk};
    }
    if (step.produced > 0) return std::optional<event>{chunk};
    if (step.consumed == 0) break;  // need more input
  }
  if (eof_) return fail(errc::connection_closed, current_.kind);
  return std::optional<event>{};
}

}  // namespace pop3::detail
