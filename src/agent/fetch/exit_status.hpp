// The words of failures, shared by every pop3 command and by `pop3 fetch`: exit codes
// (sysexits.h, as mpop uses them) and one-line error messages.
#pragma once

#include <string>
#include <string_view>

#include "pop3/session.hpp"

namespace pop3::agent {

/// sysexits.h values.
enum exit_code : int {
  exit_ok = 0,
  exit_usage = 64,        ///< EX_USAGE: bad command line
  exit_data = 65,         ///< EX_DATAERR: bad input data (e.g. no such message)
  exit_no_host = 68,      ///< EX_NOHOST: host not found
  exit_unavailable = 69,  ///< EX_UNAVAILABLE: refused, or the server said -ERR
  exit_software = 70,     ///< EX_SOFTWARE: an internal error
  exit_io = 74,           ///< EX_IOERR: input/output error (network or local file)
  exit_temporary = 75,    ///< EX_TEMPFAIL: try again later (timeouts, [SYS/TEMP], [IN-USE])
  exit_protocol = 76,     ///< EX_PROTOCOL: the server broke the protocol
  exit_auth = 77,         ///< EX_NOPERM: authentication failed
  exit_config = 78,       ///< EX_CONFIG: configuration error (e.g. password source)
};

/// The exit code for a failure of the library.
int exit_code_for(const error& e);

/// Text from the network or a file made safe for a terminal: control characters, DEL and
/// bytes >= 0x80 become \xHH (so no escape sequence reaches the terminal), at most `limit`
/// input bytes are shown, "..." marks a cut.
std::string printable(std::string_view text, std::size_t limit = 200);

/// "WHAT: DESCRIPTION" plus, for a -ERR, the server's code and text:
/// `login failed: the server answered -ERR [AUTH] "Authentication failed."`.
std::string describe_failure(std::string_view what, const error& e, const server_reply& reply);

/// The same after "pop3: ", as the CLI prints it on stderr.
std::string failure_line(std::string_view what, const error& e, const server_reply& reply);

}  // namespace pop3::agent
