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

unexpected refuse(std::string& why, std::string message) {
  why = std::move(message);
  return unexpected(errc::invalid_argument);
}

}  // namespace

result<server_url> parse_url(std::string_view text, std::string& why) {
  server_url url;
  std::string_view rest;
  if (text.substr(0, 8) == "pop3s://") {
    url.tls = tls_mode::implicit;
    rest = text.substr(8);
  } else if (text.substr(0, 7) == "pop3://") {
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
  } else {
    const std::size_t colon = rest.find(':');
    url.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = rest.substr(colon + 1);
      if (port_text.empty()) return refuse(why, "empty port");
    }
  }
  if (url.host.empty()) return refuse(why, "the URL has no host");
  if (has_control(url.host) || url.host.find('%') != std::string::npos)
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
