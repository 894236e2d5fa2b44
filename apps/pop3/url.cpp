#include "url.hpp"

#include <charconv>

namespace pop3::cli {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool percent_decode(std::string_view in, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    if (i + 2 >= in.size()) return false;
    const int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return true;
}

bool has_control(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
  return false;
}

// Schemes are case-insensitive (RFC 3986 section 3.1): "POP3S://" is "pop3s://".
bool starts_with_scheme(std::string_view text, std::string_view scheme) {
  if (text.size() < scheme.size()) return false;
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    const char c =
        text[i] >= 'A' && text[i] <= 'Z' ? static_cast<char>(text[i] - 'A' + 'a') : text[i];
    if (c != scheme[i]) return false;
  }
  return true;
}

// A host name or IPv4 address: letters, digits, '-', '.', '_'. Anything else (a space, a
// ']', a non-ASCII byte) is a typo that the resolver would only answer with "not found".
bool is_host_name(std::string_view host) {
  for (char c : host)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '.' || c == '_'))
      return false;
  return true;
}

// Between brackets: hex digits, ':' and '.' (an embedded IPv4 address).
bool is_ipv6_literal(std::string_view host) {
  for (char c : host)
    if (!((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || (c >= '0' && c <= '9') || c == ':' ||
          c == '.'))
      return false;
  return true;
}

unexpected refuse(std::string& why, std::string message) {
  why = std::move(message);
  return unexpected(errc::invalid_argument);
}

}  // namespace

result<server_url> parse_url(std::string_view text, std::string& why) {
  server_url url;
  std::string_view rest;
  if (starts_with_scheme(text, "pop3s://")) {
    url.tls = tls_mode::implicit;
    rest = text.substr(8);
  } else if (starts_with_scheme(text, "pop3://")) {
    url.tls = tls_mode::starttls;
    rest = text.substr(7);
  } else {
    return refuse(why, "the URL must start with pop3s:// or pop3://");
  }
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);  // "pop3://host/" is common
  if (rest.find_first_of("/?#") != std::string_view::npos)
    return refuse(why, "the URL may not have a path, query or fragment");

  const std::size_t at = rest.rfind('@');
  if (at != std::string_view::npos) {
    // The password is never taken from the URL: the command line is visible to every user
    // of the machine, and the text would be shown as the user name in traces and reports.
    if (rest.substr(0, at).find(':') != std::string_view::npos)
      return refuse(why,
                    "the URL has a password (USER:PASSWORD@): passwords never go on the command "
                    "line; use --password-file, --password-command or POP3_PASSWORD (a ':' in "
                    "a user name is written %3A)");
    if (!percent_decode(rest.substr(0, at), url.user))
      return refuse(why, "bad %-escape in the user name");
    if (url.user.empty()) return refuse(why, "empty user name before '@'");
    if (has_control(url.user)) return refuse(why, "control character in the user name");
    rest = rest.substr(at + 1);
  }

  std::string_view port_text;
  if (!rest.empty() && rest.front() == '[') {
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos) return refuse(why, "missing ']' after IPv6 address");
    url.host = std::string(rest.substr(1, close - 1));
    rest = rest.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return refuse(why, "unexpected text after ']'");
      port_text = rest.substr(1);
      if (port_text.empty()) return refuse(why, "empty port");
    }
    if (!is_ipv6_literal(url.host)) return refuse(why, "invalid IPv6 address between brackets");
  } else {
    if (rest.find(':') != rest.rfind(':'))
      return refuse(why, "an IPv6 address goes between brackets: pop3s://USER@[::1]:PORT");
    const std::size_t colon = rest.find(':');
    url.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = rest.substr(colon + 1);
      if (port_text.empty()) return refuse(why, "empty port");
    }
  }
  if (url.host.empty()) return refuse(why, "the URL has no host");
  if (!is_host_name(url.host) && !is_ipv6_literal(url.host))
    return refuse(why, "invalid character in the host");
  if (!port_text.empty()) {
    unsigned value = 0;
    const auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || value == 0 ||
        value > 65535)
      return refuse(why, "the port must be a number from 1 to 65535");
    url.port = static_cast<std::uint16_t>(value);
  }
  return url;
}

}  // namespace pop3::cli
