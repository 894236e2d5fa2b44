#include "pop3/capabilities.hpp"

#include <cstring>

#include "reply_parser.hpp"

namespace pop3 {
namespace {

char upper(char c) noexcept {
  return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (upper(a[i]) != upper(b[i])) return false;
  return true;
}

std::optional<std::uint32_t> number_or_none(std::string_view text) noexcept {
  // Arguments may be followed by a qualifier ("EXPIRE 30 USER", RFC 2449 §6.7).
  std::string_view word, rest;
  detail::split_first_word(text, word, rest);
  const auto n = detail::parse_number(word, UINT32_MAX);
  if (!n) return std::nullopt;
  return static_cast<std::uint32_t>(*n);
}

}  // namespace

bool capabilities::has_sasl(std::string_view mechanism) const noexcept {
  std::string_view rest = sasl_mechanisms();
  while (!rest.empty()) {
    std::string_view word;
    detail::split_first_word(rest, word, rest);
    if (!word.empty() && iequals(word, mechanism)) return true;
  }
  return false;
}

bool capabilities::apply(std::string_view name, std::string_view arguments) noexcept {
  if (iequals(name, "SASL") || iequals(name, "IMPLEMENTATION")) {
    if (arguments.size() > max_text) return false;
    const bool sasl = iequals(name, "SASL");
    auto& buffer = sasl ? sasl_ : impl_;
    // A tag without arguments comes as a view with no data pointer: memcpy from null is
    // undefined even for zero bytes.
    if (!arguments.empty()) std::memcpy(buffer.data(), arguments.data(), arguments.size());
    (sasl ? sasl_size_ : impl_size_) = arguments.size();
  } else if (iequals(name, "TOP")) {
    top = true;
  } else if (iequals(name, "UIDL")) {
    uidl = true;
  } else if (iequals(name, "USER")) {
    user = true;
  } else if (iequals(name, "PIPELINING")) {
    pipelining = true;
  } else if (iequals(name, "RESP-CODES")) {
    resp_codes = true;
  } else if (iequals(name, "AUTH-RESP-CODE")) {
    auth_resp_code = true;
  } else if (iequals(name, "STLS")) {
    stls = true;
  } else if (iequals(name, "UTF8")) {
    utf8 = true;
    std::string_view word, rest;
    detail::split_first_word(arguments, word, rest);
    utf8_user = iequals(word, "USER");
  } else if (iequals(name, "LANG")) {
    lang = true;
  } else if (iequals(name, "EXPIRE")) {
    std::string_view word, rest;
    detail::split_first_word(arguments, word, rest);
    never_expires = iequals(word, "NEVER");
    expire_days = never_expires ? std::nullopt : number_or_none(arguments);
  } else if (iequals(name, "LOGIN-DELAY")) {
    login_delay_seconds = number_or_none(arguments);
  }
  return true;
}

}  // namespace pop3
