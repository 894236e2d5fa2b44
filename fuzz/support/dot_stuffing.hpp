// What a server sends for a message (RFC 1939 §3): every line starting with "." gets another
// one, and ".\r\n" ends it. A line ends with CRLF; a bare CR or LF is data, so a "." after a
// bare LF is not at a line start. The message must be empty or end with CRLF.
#pragma once

#include <string>
#include <string_view>

namespace pop3::fuzz {

inline std::string dot_stuff(std::string_view message) {
  std::string stuffed;
  bool line_start = true;
  for (std::size_t i = 0; i < message.size(); ++i) {
    if (line_start && message[i] == '.') stuffed += '.';
    stuffed += message[i];
    line_start = message[i] == '\n' && i > 0 && message[i - 1] == '\r';
  }
  return stuffed + ".\r\n";
}

}  // namespace pop3::fuzz
