// The password options of the one-shot commands (--password-file, --password-command,
// POP3_PASSWORD), read through the agent's read_secret().
#pragma once

#include <optional>
#include <string>

#include "pop3/result.hpp"

namespace pop3::cli {

struct password_source {
  std::optional<std::string> file;     ///< --password-file FILE
  std::optional<std::string> command;  ///< --password-command CMD
};

/// The password from --password-file (its first line), --password-command (the first line of
/// its output; it must exit 0), or the POP3_PASSWORD environment variable. Errors (words in
/// `why`, never the password): errc::invalid_argument if both options or none of the three
/// sources are given; errc::io_error if the file cannot be read or the command fails.
result<std::string> read_password(const password_source& source, std::string& why);

}  // namespace pop3::cli
