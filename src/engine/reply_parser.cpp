#include "reply_parser.hpp"

namespace pop3::detail {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) noexcept {
  return s.substr(0, prefix.size()) == prefix;
}

// After the indicator comes either the end of the line or one space and the text.
bool indicator_ends_at(std::string_view line, std::size_t n) noexcept {
  return line.size() == n || line[n] == ' ';
}

std::string_view text_after(std::string_view line, std::size_t n) noexcept {
  return line.size() > n ? line.substr(n + 1) : std::string_view{};
}

char ascii_upper(char c) noexcept {
  return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_upper(a[i]) != ascii_upper(b[i])) return false;
  return true;
}

// RFC 2449 §8: resp-level = 1*rchar, rchar = %x21-2E / %x30-5C / %x5E-7F, levels split by "/".
bool is_resp_code(std::string_view code) noexcept {
  if (code.empty() || code.front() == '/' || code.back() == '/') return false;
  char prev = '\0';
  for (char c : code) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '/') {
      if (prev == '/') return false;
    } else if (u < 0x21 || u > 0x7f || c == ']') {
      return false;
    }
    prev = c;
  }
  return true;
}

resp_code classify(std::string_view code) noexcept {
  constexpr struct {
    std::string_view text;
    resp_code code;
  } known[] = {{"AUTH", resp_code::auth},
               {"SYS/TEMP", resp_code::sys_temp},
               {"SYS/PERM", resp_code::sys_perm},
               {"IN-USE", resp_code::in_use},
               {"LOGIN-DELAY", resp_code::login_delay},
               {"UTF8", resp_code::utf8}};
  // RFC 2449 §8: clients must ignore hierarchical detail they do not know, so
  // "SYS/TEMP/QUOTA" is SYS/TEMP and "IN-USE/LOCKED" is IN-USE.
  for (const auto& k : known)
    if (iequals(code.substr(0, k.text.size()), k.text) &&
        (code.size() == k.text.size() || code[k.text.size()] == '/'))
      return k.code;
  return resp_code::other;
}

// Splits "field rest" at the first space; `rest` is empty when there is no space.
void take_field(std::string_view& line, std::string_view& field) noexcept {
  const std::size_t space = line.find(' ');
  field = line.substr(0, space);
  line = space == std::string_view::npos ? std::string_view{} : line.substr(space + 1);
}

}  // namespace

result<status_line> parse_status_line(std::string_view line, bool allow_continuation) noexcept {
  status_line out;
  if (starts_with(line, "+OK") && indicator_ends_at(line, 3)) {
    out.indicator = status_indicator::ok;
    out.text = text_after(line, 3);
  } else if (starts_with(line, "-ERR") && indicator_ends_at(line, 4)) {
    out.indicator = status_indicator::err;
    out.text = text_after(line, 4);
  } else if (allow_continuation && starts_with(line, "+") && indicator_ends_at(line, 1)) {
    out.indicator = status_indicator::continuation;
    out.text = text_after(line, 1);
    return out;
  } else {
    return unexpected(errc::bad_status_indicator);
  }
  split_response_code(out.text, out.code, out.code_text);
  return out;
}

void split_response_code(std::string_view& text, resp_code& code,
                         std::string_view& code_text) noexcept {
  code = resp_code::none;
  code_text = {};
  if (text.empty() || text.front() != '[') return;
  const std::size_t close = text.find(']');
  if (close == std::string_view::npos) return;
  const std::string_view inside = text.substr(1, close - 1);
  if (!is_resp_code(inside)) return;
  code = classify(inside);
  code_text = inside;
  text = text.substr(close + 1);
  if (!text.empty() && text.front() == ' ') text.remove_prefix(1);
}

result<std::uint64_t> parse_number(std::string_view digits, std::uint64_t max) noexcept {
  if (digits.empty()) return unexpected(errc::malformed_reply);
  std::uint64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return unexpected(errc::malformed_reply);
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (digit > max || value > (max - digit) / 10) return unexpected(errc::number_overflow);
    value = value * 10 + digit;
  }
  return value;
}

result<stat_fields> parse_stat(std::string_view text, std::uint32_t max_count) noexcept {
  std::string_view count_text, octets_text;
  take_field(text, count_text);
  take_field(text, octets_text);
  const auto count = parse_number(count_text, max_count);
  if (!count) return unexpected(count.error());
  const auto octets = parse_number(octets_text, UINT64_MAX);
  if (!octets) return unexpected(octets.error());
  return stat_fields{static_cast<std::uint32_t>(*count), *octets};
}

namespace {

result<std::uint32_t> parse_message_number(std::string_view text,
                                           std::uint32_t max_message) noexcept {
  const auto n = parse_number(text, UINT32_MAX);
  if (!n)
    return unexpected(n.error() == errc::number_overflow ? errc::message_number_out_of_range
                                                         : n.error().code);
  if (*n == 0 || *n > max_message) return unexpected(errc::message_number_out_of_range);
  return static_cast<std::uint32_t>(*n);
}

}  // namespace

result<list_fields> parse_list_line(std::string_view line, std::uint32_t max_message) noexcept {
  std::string_view number_text, octets_text;
  take_field(line, number_text);
  take_field(line, octets_text);
  const auto message = parse_message_number(number_text, max_message);
  if (!message) return unexpected(message.error());
  const auto octets = parse_number(octets_text, UINT64_MAX);
  if (!octets) return unexpected(octets.error());
  return list_fields{*message, *octets};
}

result<uidl_fields> parse_uidl_line(std::string_view line, std::uint32_t max_message,
                                    std::size_t max_uid_length) noexcept {
  std::string_view number_text;
  take_field(line, number_text);
  const auto message = parse_message_number(number_text, max_message);
  if (!message) return unexpected(message.error());
  // The rest of the line is the uid: RFC 1939 §7 allows no spaces in it, so a space (or
  // anything after one) makes it invalid rather than being cut off silently.
  if (line.empty() || line.size() > max_uid_length) return unexpected(errc::invalid_uid);
  for (char c : line) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x21 || u > 0x7e) return unexpected(errc::invalid_uid);
  }
  return uidl_fields{*message, line};
}

void split_first_word(std::string_view line, std::string_view& word,
                      std::string_view& rest) noexcept {
  take_field(line, word);
  rest = line;
}

}  // namespace pop3::detail
