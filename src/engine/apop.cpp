#include "pop3/apop.hpp"

#include "md5.hpp"

namespace pop3 {
namespace {

bool is_atext(char c) noexcept {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '/':
    case '=':
    case '?':
    case '^':
    case '_':
    case '`':
    case '{':
    case '|':
    case '}':
    case '~':
      return true;
    default:
      return false;
  }
}

// dot-atom-text = 1*atext *("." 1*atext)
bool is_dot_atom_text(std::string_view s) noexcept {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  char prev = '\0';
  for (char c : s) {
    if (c == '.') {
      if (prev == '.') return false;
    } else if (!is_atext(c)) {
      return false;
    }
    prev = c;
  }
  return true;
}

// quoted-string without folding white space: DQUOTE *(qtext / quoted-pair) DQUOTE, where
// qtext excludes SP, and quoted-pair is "\" followed by a printable character.
bool is_quoted_string(std::string_view s) noexcept {
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') return false;
  for (std::size_t i = 1; i + 1 < s.size(); ++i) {
    const char c = s[i];
    if (c == '\\') {
      if (i + 2 >= s.size()) return false;  // the escaped character cannot be the closing quote
      ++i;
    } else if (c == '"') {
      return false;
    }
  }
  return true;
}

// no-fold-literal = "[" *dtext "]", dtext = %d33-90 / %d94-126
bool is_no_fold_literal(std::string_view s) noexcept {
  if (s.size() < 2 || s.front() != '[' || s.back() != ']') return false;
  for (char c : s.substr(1, s.size() - 2))
    if (c == '[' || c == ']' || c == '\\') return false;
  return true;
}

}  // namespace

bool is_valid_msg_id(std::string_view text) noexcept {
  if (text.size() < 5 || text.front() != '<' || text.back() != '>') return false;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x21 || u > 0x7e) return false;
  }
  const std::string_view inner = text.substr(1, text.size() - 2);
  // '@' may also appear inside a quoted id-left or a literal id-right, so each '@' is tried as
  // the separator.
  for (std::size_t at = inner.find('@'); at != std::string_view::npos;
       at = inner.find('@', at + 1)) {
    const std::string_view left = inner.substr(0, at);
    const std::string_view right = inner.substr(at + 1);
    if ((is_dot_atom_text(left) || is_quoted_string(left)) &&
        (is_dot_atom_text(right) || is_no_fold_literal(right)))
      return true;
  }
  return false;
}

std::string_view find_apop_timestamp(std::string_view greeting_text) noexcept {
  const std::size_t open = greeting_text.find('<');
  if (open == std::string_view::npos) return {};
  const std::size_t close = greeting_text.find('>', open);
  if (close == std::string_view::npos) return {};
  const std::string_view candidate = greeting_text.substr(open, close - open + 1);
  return is_valid_msg_id(candidate) ? candidate : std::string_view{};
}

std::array<char, 32> apop_digest(std::string_view timestamp, std::string_view password) noexcept {
  detail::md5 hash;
  hash.update(timestamp);
  hash.update(password);
  const auto digest = hash.finish();
  static constexpr char hex[] = "0123456789abcdef";
  std::array<char, 32> out{};
  for (std::size_t i = 0; i < digest.size(); ++i) {
    out[2 * i] = hex[digest[i] >> 4];
    out[2 * i + 1] = hex[digest[i] & 0x0f];
  }
  return out;
}

}  // namespace pop3
