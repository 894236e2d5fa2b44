// Takes a fuzz input apart: single bytes and little numbers from the front, length-prefixed
// pieces, and the rest. Reading past the end yields zeros and empty pieces, so every input,
// however short, is a valid test case. Never allocates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace pop3::fuzz {

class input_reader {
 public:
  input_reader(const std::uint8_t* data, std::size_t size) noexcept
      : rest_(reinterpret_cast<const char*>(data), size) {}

  std::uint8_t byte() noexcept {
    if (rest_.empty()) return 0;
    const auto b = static_cast<std::uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return b;
  }
  /// A piece whose length is the next byte (at most 255 octets).
  std::string_view piece() noexcept { return take(byte()); }
  std::string_view take(std::size_t n) noexcept {
    const auto piece = rest_.substr(0, n);
    rest_.remove_prefix(piece.size());
    return piece;
  }
  std::string_view rest() noexcept { return take(rest_.size()); }
  bool empty() const noexcept { return rest_.empty(); }

 private:
  std::string_view rest_;
};

}  // namespace pop3::fuzz
