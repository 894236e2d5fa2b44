// parse_size(): the sizes of max_size ("25M"), strict so that a typo is an error rather
// than a different limit.
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

#include "config/config.hpp"

namespace pop3::agent {

std::optional<std::uint64_t> parse_size(std::string_view text) {
  constexpr std::uint64_t limit = std::numeric_limits<std::int64_t>::max();
  unsigned shift = 0;
  if (!text.empty()) {
    switch (text.back()) {
      case 'K':
      case 'k':
        shift = 10;
        break;
      case 'M':
      case 'm':
        shift = 20;
        break;
      case 'G':
      case 'g':
        shift = 30;
        break;
      default:
        break;
    }
    if (shift != 0) text.remove_suffix(1);
  }
  if (text.empty()) return std::nullopt;
  std::uint64_t number = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    auto digit = static_cast<std::uint64_t>(c - '0');
    if (number > (limit - digit) / 10) return std::nullopt;
    number = number * 10 + digit;
  }
  if (number > (limit >> shift)) return std::nullopt;
  return number << shift;
}

}  // namespace pop3::agent
