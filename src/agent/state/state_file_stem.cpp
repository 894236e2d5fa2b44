#include <string>
#include <string_view>

#include "state/uid_store.hpp"

namespace pop3::agent {
namespace {

bool is_safe(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '@' || c == '+' || c == '-';
}

}  // namespace

std::string state_file_stem(std::string_view account) {
  // A lone "%" is what no encoding of a non-empty name can produce.
  if (account.empty()) return "%";
  constexpr std::string_view hex = "0123456789ABCDEF";
  std::string stem;
  stem.reserve(account.size());
  for (std::size_t i = 0; i < account.size(); ++i) {
    const auto c = static_cast<unsigned char>(account[i]);
    // A leading dot would make "." and ".." (and hidden files) possible.
    if (is_safe(c) && !(i == 0 && c == '.')) {
      stem += static_cast<char>(c);
    } else {
      stem += '%';
      stem += hex[c >> 4];
      stem += hex[c & 0x0F];
    }
  }
  return stem;
}

}  // namespace pop3::agent
