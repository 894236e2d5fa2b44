// Validating and serialising commands (engine_core's writing half).
#include <algorithm>
#include <cstring>

#include "engine_core.hpp"
#include "pop3/apop.hpp"

namespace pop3::detail {
namespace {

/// RFC 2449 §4: a command line is at most 255 octets, CRLF included.
constexpr std::size_t max_command_line = 255;

/// Anything that would end the line early or truncate it on the server: CR, LF, NUL.
bool has_line_breaker(std::string_view s) noexcept {
  return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

/// A token (user name for APOP, mechanism, language tag): non-empty, no space, no breaker.
bool is_token(std::string_view s) noexcept {
  return !s.empty() && !has_line_breaker(s) && s.find(' ') == std::string_view::npos;
}

/// Builds one command line in a fixed buffer; remembers overflow instead of failing early.
class line_builder {
 public:
  line_builder& add(std::string_view s) noexcept {
    if (size_ + s.size() > sizeof buffer_) {
      overflow_ = true;
    } else {
      std::memcpy(buffer_ + size_, s.data(), s.size());
      size_ += s.size();
    }
    return *this;
  }
  line_builder& add(std::uint32_t n) noexcept {
    char digits[10];
    std::size_t len = 0;
    do {
      digits[len++] = static_cast<char>('0' + n % 10);
      n /= 10;
    } while (n);
    std::reverse(digits, digits + len);
    return add({digits, len});
  }
  /// The line without CRLF; `overflow()` tells whether it fit.
  std::string_view view() const noexcept { return {buffer_, size_}; }
  bool overflow() const noexcept { return overflow_; }

 private:
  char buffer_[max_command_line];
  std::size_t size_ = 0;
  bool overflow_ = false;
};

}  // namespace

void engine_core::recompute_projection() noexcept {
  projected_ = position_;
  for (std::size_t i = 0; i < queue_.size(); ++i)
    projected_ = after_reply(projected_, queue_.at(i).kind, true);
}

result<void> engine_core::check_allowed(const command& c) const noexcept {
  // Nothing is sent before the greeting: the server may still refuse the connection.
  if (position_.state == session_state::greeting)
    return unexpected(errc::command_not_allowed, c.kind);
  for (std::size_t i = 0; i < queue_.size(); ++i)
    if (rule_for(queue_.at(i).kind).exclusive) return unexpected(errc::command_not_allowed, c.kind);
  const command_rule& rule = rule_for(c.kind);
  if (rule.exclusive && (!queue_.empty() || phase_ != phase::status))
    return unexpected(errc::command_not_allowed, c.kind);
  if (!is_allowed(projected_, c.kind)) return unexpected(errc::command_not_allowed, c.kind);
  return {};
}

result<void> engine_core::write_line(std::string_view line, std::size_t limit) noexcept {
  if (line.size() + 2 > limit) return unexpected(errc::command_too_long);
  if (out_end_ + line.size() + 2 > config_.output_buffer_size && out_begin_ > 0) {
    std::memmove(out_.get(), out_.get() + out_begin_, out_end_ - out_begin_);
    out_end_ -= out_begin_;
    out_begin_ = 0;
  }
  if (out_end_ + line.size() + 2 > config_.output_buffer_size)
    return unexpected(errc::output_buffer_full);
  std::memcpy(out_.get() + out_end_, line.data(), line.size());
  std::memcpy(out_.get() + out_end_ + line.size(), "\r\n", 2);
  out_end_ += line.size() + 2;
  return {};
}

result<void> engine_core::submit_sasl_response(const command& c) noexcept {
  const bool awaited =
      !queue_.empty() && queue_.front().kind == command_kind::auth && sasl_challenge_pending_;
  if (!awaited) return unexpected(errc::command_not_allowed, c.kind);
  if (has_line_breaker(c.argument)) return unexpected(errc::invalid_argument, c.kind);
  if (auto written = write_line(c.argument, config_.max_sasl_line_length); !written)
    return unexpected(written.error().code, c.kind);
  sasl_challenge_pending_ = false;
  trace(trace_kind::sent, c.argument == "*" ? "*" : "***");
  return {};
}

result<void> engine_core::submit(const command& c) noexcept {
  if (failure_) return unexpected(*failure_);
  // Bytes that arrived when no reply was due were not asked for: taking them as the reply to
  // this command would put every later reply one behind (security-cases.md 11).
  if (queue_.empty() && phase_ == phase::status && in_begin_ < in_end_)
    return fail(errc::unexpected_data, c.kind);
  if (c.kind == command_kind::sasl_response) return submit_sasl_response(c);
  if (c.kind == command_kind::none || c.kind == command_kind::greeting)
    return unexpected(errc::invalid_argument, c.kind);
  POP3_TRY(check_allowed(c));

  // Arguments are checked before anything is written.
  const auto invalid = unexpected(errc::invalid_argument, c.kind);
  const bool needs_message =
      c.kind == command_kind::retr || c.kind == command_kind::top || c.kind == command_kind::dele;
  const bool names_message =
      needs_message || c.kind == command_kind::list || c.kind == command_kind::uidl;
  if (needs_message && c.message == 0) return invalid;
  if (names_message && maildrop_known_ && c.message > highest_message_)
    return unexpected(errc::no_such_message, c.kind);
  switch (c.kind) {
    case command_kind::user:
      if (c.argument.empty() || has_line_breaker(c.argument)) return invalid;
      break;
    case command_kind::pass:
      if (has_line_breaker(c.argument)) return invalid;  // a password may contain spaces
      break;
    case command_kind::apop:
      if (!is_token(c.argument) || has_line_breaker(c.secret)) return invalid;
      if (apop_size_ == 0) return unexpected(errc::apop_unavailable, c.kind);
      break;
    case command_kind::auth:
      if (!is_token(c.argument)) return invalid;
      if (c.has_initial_response &&
          (has_line_breaker(c.secret) || c.secret.find(' ') != std::string_view::npos))
        return invalid;
      break;
    case command_kind::lang:
      if (!c.argument.empty() && !is_token(c.argument)) return invalid;
      break;
    default:
      break;
  }
  if (queue_.full()) return unexpected(errc::pipeline_full, c.kind);

  line_builder line;
  line.add(keyword(c.kind));
  std::size_t secret_from = 0;  // where the part to hide in traces starts (0: nothing hidden)
  switch (c.kind) {
    case command_kind::user:
      line.add(" ").add(c.argument);
      break;
    case command_kind::pass:
      line.add(" ");
      secret_from = line.view().size();
      line.add(c.argument);
      break;
    case command_kind::apop: {
      const auto digest = apop_digest(apop_timestamp(), c.secret);
      line.add(" ").add(c.argument).add(" ");
      secret_from = line.view().size();
      line.add({digest.data(), digest.size()});
      break;
    }
    case command_kind::auth:
      line.add(" ").add(c.argument);
      if (c.has_initial_response) {
        line.add(" ");
        secret_from = line.view().size();
        line.add(c.secret.empty() ? std::string_view("=") : c.secret);  // RFC 5034 §4
      }
      break;
    case command_kind::lang:
      if (!c.argument.empty()) line.add(" ").add(c.argument);
      break;
    case command_kind::top:
      line.add(" ").add(c.message).add(" ").add(c.lines);
      break;
    default:
      if (names_message && c.message != 0) line.add(" ").add(c.message);
      break;
  }
  if (line.overflow()) return unexpected(errc::command_too_long, c.kind);
  if (auto written = write_line(line.view(), max_command_line); !written)
    return unexpected(written.error().code, c.kind);

  if (config_.trace) {
    if (secret_from == 0) {
      trace(trace_kind::sent, line.view());
    } else {
      char redacted[max_command_line + 3];
      std::memcpy(redacted, line.view().data(), secret_from);
      std::memcpy(redacted + secret_from, "***", 3);
      trace(trace_kind::sent, {redacted, secret_from + 3});
    }
  }
  const bool has_argument = names_message ? c.message != 0 : !c.argument.empty();
  queue_.push({c.kind, names_message ? c.message : 0, has_argument, c.format});
  projected_ = after_reply(projected_, c.kind, true);
  return {};
}

result<void> engine_core::tls_established() noexcept {
  if (failure_) return unexpected(*failure_);
  if (phase_ != phase::tls_wait) return unexpected(errc::command_not_allowed, command_kind::stls);
  phase_ = phase::status;
  position_ = projected_ = after_tls_handshake(position_);
  capabilities_.clear();  // RFC 2595 §4: forget what was learned before TLS
  return {};
}

}  // namespace pop3::detail
