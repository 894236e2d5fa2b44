#include "support/engine_driver.hpp"

#include <type_traits>
#include <variant>

namespace pop3::fuzz {
namespace {

std::uint32_t sum(std::string_view bytes) noexcept {
  std::uint32_t s = 0;
  for (const char c : bytes)
    s = s * 31 + static_cast<unsigned char>(c);
  return s;
}

}  // namespace

engine_config small_engine_config() noexcept {
  engine_config c;
  c.receive_buffer_size = 512;
  c.output_buffer_size = 512;
  c.max_line_length = 128;
  c.max_listing_line_length = 160;
  c.max_sasl_line_length = 256;
  c.max_in_flight = 16;
  c.max_messages = 64;
  c.max_capa_lines = 8;
  c.max_uid_length = 70;
  if (!validate(c)) __builtin_trap();
  return c;
}

piece_sizes::piece_sizes(input_reader& in) noexcept {
  for (auto& s : sizes_)
    s = in.byte();
}

std::size_t piece_sizes::next() noexcept {
  return sizes_[turn_++ % 4];
}

std::uint32_t touch(const event& ev) noexcept {
  return std::visit(
      [](const auto& e) -> std::uint32_t {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, events::greeting>)
          return sum(e.text) + sum(e.apop_timestamp) + sum(e.code_text);
        else if constexpr (std::is_same_v<T, events::ok> || std::is_same_v<T, events::err>)
          return sum(e.text) + sum(e.code_text);
        else if constexpr (std::is_same_v<T, events::uidl_item>)
          return sum(e.uid);
        else if constexpr (std::is_same_v<T, events::capa_item>)
          return sum(e.name) + sum(e.arguments);
        else if constexpr (std::is_same_v<T, events::lang_item>)
          return sum(e.tag) + sum(e.description);
        else if constexpr (std::is_same_v<T, events::body_chunk>)
          return sum(e.bytes);
        else if constexpr (std::is_same_v<T, events::sasl_challenge>)
          return sum(e.data);
        else
          return 1;
      },
      ev);
}

void check_sticky(engine& eng, const error& e) noexcept {
  if (!e.fatal()) __builtin_trap();
  const auto failure = eng.failure();
  if (!failure || !(*failure == e)) __builtin_trap();
  auto again = eng.next_event();
  if (again || !(again.error() == e)) __builtin_trap();
  const char byte = '+';
  auto fed = eng.feed(std::span<const char>(&byte, 1));
  if (fed || !(fed.error() == e)) __builtin_trap();
  auto submitted = eng.submit(cmd::noop());
  if (submitted || !(submitted.error() == e)) __builtin_trap();
}

bool engine_driver::fail(const error& e) noexcept {
  failed_ = true;
  failure_ = e;
  check_sticky(eng_, e);
  return false;
}

result<void> engine_driver::submit(const command& c) noexcept {
  auto r = eng_.submit(c);
  if (!r && r.error().fatal()) fail(r.error());
  discard_output();
  return r;
}

void log_in(engine_driver& driver, engine& eng) noexcept {
  piece_sizes whole = [] {
    input_reader none(nullptr, 0);
    return piece_sizes(none);
  }();
  const auto ignore = [](const event&) {};
  if (!driver.feed("+OK ready\r\n", whole, ignore)) __builtin_trap();
  if (!driver.submit(cmd::user("u")) || !driver.submit(cmd::pass("p"))) __builtin_trap();
  if (!driver.feed("+OK\r\n+OK\r\n", whole, ignore)) __builtin_trap();
  if (eng.state() != session_state::transaction) __builtin_trap();
}

}  // namespace pop3::fuzz
