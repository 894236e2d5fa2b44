// Unique file names in a Maildir (https://cr.yp.to/proto/maildir.html), in the form Dovecot
// and current qmail use.
#pragma once

#include <string>
#include <string_view>

namespace pop3::agent::detail {

/// "SECONDS.M<microseconds>P<pid>Q<counter>.<host>": the time, the process and a counter of
/// this process make it unique on this host; the host name makes it unique across hosts
/// sharing the Maildir. Thread-safe.
std::string standard_maildir_name();

/// The host name as a Maildir name needs it: '/' written "\057" and ':' written "\072",
/// since '/' separates directories and ':' starts a Maildir name's flags.
std::string maildir_host_name(std::string_view host);

/// A name that can be a file in tmp/ and new/: not empty, not "." or "..", no '/' or NUL.
bool is_valid_maildir_name(std::string_view name) noexcept;

}  // namespace pop3::agent::detail
