// Removing what interrupted deliveries left in a Maildir's tmp/: a file there is never a
// delivered message (delivery ends with the link into new/), and the Maildir convention
// (qmail's maildir(5)) lets a delivery agent remove tmp/ files not accessed for 36 hours.
#pragma once

#include <chrono>

namespace pop3::agent::detail {

/// Removes every regular file in the directory `tmp` (an open descriptor) whose last access
/// and last modification are both older than `age`. Directories, symbolic links and
/// anything else are left alone, as are files that cannot be examined or removed (another
/// process may be cleaning up at the same moment): this is housekeeping, never an error.
/// Returns how many files were removed.
int remove_stale_tmp_files(int tmp, std::chrono::seconds age) noexcept;

}  // namespace pop3::agent::detail
