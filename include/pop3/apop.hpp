/// \file
/// APOP (RFC 1939 §7): finding and validating the greeting's timestamp, and the digest.
/// The validation is deliberately strict (CVE-2007-1558: forged, non-RFC timestamps let a
/// hostile server recover password characters through MD5 collisions).
#pragma once

#include <array>
#include <string_view>

namespace pop3 {

/// True if `text` is a complete RFC 5322 msg-id made of printable ASCII (0x21-0x7E) only:
/// `"<" id-left "@" id-right ">"`, where id-left is a dot-atom-text or a quoted-string and
/// id-right a dot-atom-text or a no-fold-literal ("[...]"). `<1896.697170952@dbc.mtview.ca.us>`
/// and `<a@b>` are valid; `<>`, `<no-at>`, `<a b@c>`, `<a@b` and any 8-bit octet are not.
/// Does not allocate.
bool is_valid_msg_id(std::string_view text) noexcept;

/// The APOP timestamp of a +OK greeting's text: the first `<` up to and including the next
/// `>`, if that is a valid msg-id (is_valid_msg_id()); otherwise an empty view, meaning APOP
/// is not available. The view points into `greeting_text` (valid as long as it is); does not
/// allocate.
std::string_view find_apop_timestamp(std::string_view greeting_text) noexcept;

/// MD5(timestamp + password) as 32 lower-case hex digits, the APOP command's second argument.
/// `apop_digest("<1896.697170952@dbc.mtview.ca.us>", "tanstaaf")` is
/// `"c4c9334bac560ecc979e58001b3e22fb"`. Cannot fail; does not allocate.
std::array<char, 32> apop_digest(std::string_view timestamp, std::string_view password) noexcept;

}  // namespace pop3
