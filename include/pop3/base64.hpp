/// \file
/// Base64 (RFC 4648, standard alphabet, with padding), as SASL and certificate pins use it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "pop3/result.hpp"

namespace pop3 {

/// The base64 of `bytes`, padded with "=" to a multiple of 4 characters, without line
/// breaks ("" for no bytes). Allocates the returned string.
std::string base64_encode(std::string_view bytes);

/// Strict decoding: only the standard alphabet, a length that is a multiple of 4, and "="
/// only as the last one or two characters; no white space. More than `max_decoded` bytes of
/// output is refused before decoding. Returns the decoded bytes (allocated).
/// Errors: errc::invalid_argument for any of these violations or a result over `max_decoded`.
result<std::string> base64_decode(std::string_view text, std::size_t max_decoded);

}  // namespace pop3
