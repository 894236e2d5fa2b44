// Where a password (or OAuth token) comes from: never from the command line (argv is visible
// to every user of the machine), but from a command's output, a file, the configuration file
// (0600 only, checked by load_config), or an environment variable.
#pragma once

#include <string>

#include "config/config.hpp"
#include "pop3/result.hpp"

namespace pop3::agent {

/// The secret `setting` names, from the first of these that is set: `value`; the first line
/// of `file`; the first line `command` prints on standard output (run with /bin/sh -c; it
/// must exit 0); else the environment variable `environment`. A trailing CR is removed from a
/// line. Errors, with words in `why` that never contain the secret or the command's output:
/// errc::invalid_argument if more than one of value/file/command is set, or the environment
/// variable is not set or empty ("no password: POP3_PASSWORD is not set"); errc::io_error if
/// the file cannot be read, the command cannot be run or fails, or the secret they give (or
/// `value`) is empty.
result<std::string> read_secret(const password_setting& setting, std::string& why);

}  // namespace pop3::agent
