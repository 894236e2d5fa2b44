// The one-line messages of the configuration loader (config.hpp, parse_config()): positions,
// key paths and values written so that a message is always one line and unambiguous.
#pragma once

#include <string>
#include <string_view>

#include <toml++/toml.h>

namespace pop3::agent::detail {

/// "FILE:LINE:COLUMN: KEY: what".
std::string message_at(std::string_view file, const toml::source_position& at, std::string_view key,
                       std::string_view what);

/// The path of `key` inside the table at `parent` ("" for the root), as TOML writes it:
/// bare if the key is made only of A-Z a-z 0-9 _ -, else quoted ("accounts.\"my mail\"").
std::string key_path(std::string_view parent, std::string_view key);

/// A value from the file for a message: in double quotes, with quotes, backslashes and
/// control characters escaped, and cut after 64 characters. Never used for a password.
std::string quote_value(std::string_view value);

/// "FILE:LINE:COLUMN: TOML syntax: DESCRIPTION" for a document toml++ refused, on one line.
/// If the text up to the end of the error's line has a `password` key, the parts of the
/// description in quotes (toml++ quotes what it saw, which may be part of the password)
/// are replaced by "(hidden)".
std::string syntax_message(std::string_view text, std::string_view file,
                           const toml::parse_error& error);

/// "a string", "an integer", "a float", "a boolean", "a table", "an array", "a date", ...
std::string_view type_name(const toml::node& node);

}  // namespace pop3::agent::detail
