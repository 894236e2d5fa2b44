// Where the CLI gets a password: never from the command line (argv is visible to every user
// of the machine), but from POP3_PASSWORD, a file, or a command's output.
#pragma once

#include <optional>
#include <string>

#include "pop3/result.hpp"

namespace pop3::cli {

struct password_source {
  std::optional<std::string> file;     ///< --password-file FILE
  std::optional<std::string> command;  ///< --password-command CMD
};

/// The password from, in this order: --password-file (its first line), --password-command
/// (the first line of its standard output; it must exit 0), or the POP3_PASSWORD environment
/// variable. A trailing CR is removed from a line. Errors (with a message in `why`, never
/// containing the password): errc::invalid_argument if both options are given or none of the
/// three sources is; errc::io_error if the file cannot be read or the command cannot be run
/// or fails.
result<std::string> read_password(const password_source& source, std::string& why);

}  // namespace pop3::cli
