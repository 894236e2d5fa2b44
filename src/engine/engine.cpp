// The public facade: pop3::engine forwards to detail::engine_core.
#include "pop3/engine.hpp"

#include <algorithm>
#include <cstring>

#include "engine_core.hpp"

namespace pop3 {

result<void> validate(const engine_config& c) noexcept {
  const bool ok = c.max_line_length >= 16 && c.max_sasl_line_length >= 16 &&
                  c.max_listing_line_length >= c.max_line_length &&
                  c.receive_buffer_size >= std::max({c.max_line_length, c.max_sasl_line_length,
                                                     c.max_listing_line_length}) &&
                  c.output_buffer_size >= std::max<std::size_t>(255, c.max_sasl_line_length) &&
                  c.max_in_flight >= 1 && c.max_messages >= 1 && c.max_capa_lines >= 1 &&
                  c.max_uid_length >= 1 && c.max_uid_length < c.max_line_length;
  if (!ok) return unexpected(errc::invalid_argument);
  return {};
}

result<engine> engine::create(const engine_config& config) noexcept {
  POP3_TRY(validate(config));
  return engine(std::make_unique<detail::engine_core>(config));
}

engine::engine(std::unique_ptr<detail::engine_core> core) noexcept : core_(std::move(core)) {}
engine::engine(engine&&) noexcept = default;
engine& engine::operator=(engine&&) noexcept = default;
engine::~engine() = default;

session_state engine::state() const noexcept {
  return core_->state();
}
const capabilities& engine::server_capabilities() const noexcept {
  return core_->server_capabilities();
}
reply_info engine::last_reply() const noexcept {
  return core_->last_reply();
}
std::string_view engine::apop_timestamp() const noexcept {
  return core_->apop_timestamp();
}
bool engine::want_read() const noexcept {
  return core_->want_read();
}
bool engine::want_write() const noexcept {
  return core_->want_write();
}
std::size_t engine::in_flight() const noexcept {
  return core_->in_flight();
}
std::optional<error> engine::failure() const noexcept {
  return core_->failure();
}
std::uint32_t engine::highest_message() const noexcept {
  return core_->highest_message();
}

std::span<char> engine::receive_space() noexcept {
  return core_->receive_space();
}
result<void> engine::commit_received(std::size_t n) noexcept {
  return core_->commit_received(n);
}
result<std::size_t> engine::feed(std::span<const char> bytes) noexcept {
  if (auto failure = core_->failure()) return unexpected(*failure);
  const std::span<char> space = core_->receive_space();
  const std::size_t n = std::min(space.size(), bytes.size());
  if (n > 0) std::memcpy(space.data(), bytes.data(), n);
  POP3_TRY(core_->commit_received(n));
  return n;
}
void engine::feed_eof() noexcept {
  core_->feed_eof();
}

result<void> engine::submit(const command& command) noexcept {
  return core_->submit(command);
}
result<void> engine::tls_established() noexcept {
  return core_->tls_established();
}

std::span<const char> engine::pending_output() const noexcept {
  return core_->pending_output();
}
void engine::consume_output(std::size_t n) noexcept {
  core_->consume_output(n);
}
result<std::optional<event>> engine::next_event() noexcept {
  return core_->next_event();
}
const engine_config& engine::config() const noexcept {
  return core_->config();
}

}  // namespace pop3
