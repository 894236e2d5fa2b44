// Parsers for single lines of server replies. Each takes one line without its CRLF and never
// reads outside it; numbers are plain decimal digits with overflow checks.
#pragma once

#include <cstdint>
#include <string_view>

#include "pop3/protocol.hpp"
#include "pop3/result.hpp"

namespace pop3::detail {

enum class status_indicator : unsigned char { ok, err, continuation };

struct status_line {
  status_indicator indicator = status_indicator::ok;
  std::string_view text;  ///< after the indicator, its space and any response code
  resp_code code = resp_code::none;
  std::string_view code_text;  ///< inside the brackets, e.g. "SYS/TEMP"
};

/// Parses "+OK[ text]", "-ERR[ text]" and, if `allow_continuation`, "+[ data]" (AUTH).
/// The indicator is case-sensitive and must be followed by a space or the end of the line
/// (RFC 1939 §3): "+ok", "+OKAY", "-ERRx" are errc::bad_status_indicator. The text of a
/// continuation is its data; it never carries a response code.
result<status_line> parse_status_line(std::string_view line, bool allow_continuation) noexcept;

/// Splits a leading RFC 2449 "[CODE] " from `text`. Codes are matched case-insensitively;
/// an unknown but well-formed code is resp_code::other; a malformed one is left in the text.
void split_response_code(std::string_view& text, resp_code& code,
                         std::string_view& code_text) noexcept;

/// 1*DIGIT that fits `max`. Errors: malformed_reply (empty, a sign, any non-digit),
/// number_overflow (larger than max).
result<std::uint64_t> parse_number(std::string_view digits, std::uint64_t max) noexcept;

struct stat_fields {
  std::uint32_t count = 0;
  std::uint64_t octets = 0;
};
/// The text of STAT's +OK: "count octets[ anything]".
result<stat_fields> parse_stat(std::string_view text, std::uint32_t max_count) noexcept;

struct list_fields {
  std::uint32_t message = 0;
  std::uint64_t octets = 0;
};
/// A LIST line or LIST n's +OK text: "msg octets[ anything]". msg must be 1..max_message
/// (errc::message_number_out_of_range).
result<list_fields> parse_list_line(std::string_view line, std::uint32_t max_message) noexcept;

struct uidl_fields {
  std::uint32_t message = 0;
  std::string_view uid;
};
/// A UIDL line or UIDL n's +OK text: "msg uid". The uid is 1..max_uid_length octets of
/// 0x21-0x7E, else errc::invalid_uid.
result<uidl_fields> parse_uidl_line(std::string_view line, std::uint32_t max_message,
                                    std::size_t max_uid_length) noexcept;

/// Splits "WORD[ rest]" at the first space (CAPA tag and arguments; LANG tag and description).
void split_first_word(std::string_view line, std::string_view& word,
                      std::string_view& rest) noexcept;

}  // namespace pop3::detail
