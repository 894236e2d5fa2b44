// pop3s://[USER@]HOST[:PORT] and pop3://[USER@]HOST[:PORT] — the CLI's way of naming a
// server: POP3 over TLS (port 995), or POP3 with STLS required (port 110).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "pop3/connect.hpp"
#include "pop3/result.hpp"

namespace pop3::cli {

struct server_url {
  std::string user;        ///< percent-decoded; empty if the URL has none
  std::string host;        ///< a name, an IPv4 literal, or an IPv6 literal without brackets
  std::uint16_t port = 0;  ///< 0 if the URL has none: the TLS mode's default
  tls_mode tls = tls_mode::implicit;  ///< pop3s: implicit; pop3: starttls
};

/// Parses a pop3s:// or pop3:// URL. The user part is percent-decoded (so
/// "alice%40example.org@host" names the user alice@example.org); an IPv6 host is written in
/// brackets ("[::1]"). Errors (errc::invalid_argument) with a message in `why`: another
/// scheme, an empty host, a bad port, a path, query or fragment, a bad %-escape, or a control
/// character (CR, LF, NUL ...) anywhere after decoding.
result<server_url> parse_url(std::string_view text, std::string& why);

}  // namespace pop3::cli
