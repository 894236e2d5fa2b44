// A canonical one-line text for each engine event, so tests compare exact behaviour as text.
//   greeting "text" apop="<ts>"      ok RETR 1 "text" code=SYS/TEMP     err USER "text"
//   stat 2 320    list 1 120    uidl 1 abc    capa SASL "PLAIN"    lang en "English"
//   end LIST      body RETR 1 "bytes"  (consecutive chunks merged)    body_end RETR 1 120
//   start_tls     challenge "data"     closed     error connection_closed
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "pop3/error.hpp"
#include "pop3/event.hpp"

namespace pop3::test {

/// C-style escaping: \r \n \t \\ \" and \xHH for other bytes outside 0x20-0x7E.
std::string escape(std::string_view bytes);
/// The inverse of escape() (also accepts unescaped quotes).
std::string unescape(std::string_view text);

std::string describe(const event& ev);

/// Collects events as text, merging consecutive body chunks of one message into one line so
/// that the log does not depend on how the input was split.
class event_log {
 public:
  void add(const event& ev);
  void add_error(const error& e);
  const std::vector<std::string>& lines() const { return lines_; }

 private:
  std::vector<std::string> lines_;
  bool last_was_body_ = false;
  std::string body_prefix_;
  std::string body_;
};

}  // namespace pop3::test
