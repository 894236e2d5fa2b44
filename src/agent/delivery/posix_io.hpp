// The few POSIX file operations every kind of delivery needs, with the care durability asks
// for: writes that retry EINTR and short writes, descriptors that are always closed, and
// errno turned into the words failure() shows.
#pragma once

#include <string>
#include <string_view>

#include "common/unique_fd.hpp"

namespace pop3::agent::detail {

/// Writes all of `bytes`, retrying after EINTR and short writes. Returns 0 or the errno.
int write_all(int fd, std::string_view bytes) noexcept;

/// fsync(2), retried after EINTR. Returns 0 or the errno.
int fsync_retrying(int fd) noexcept;

/// Opens the directory `path` and fsyncs it, so that the entries created or removed in it
/// are durable. Returns 0 or the errno.
int fsync_directory(const std::string& path) noexcept;

/// The system's description of `error_number`: "No space left on device".
std::string errno_text(int error_number);

/// "cannot write /x/tmp/NAME: No space left on device" for ("write", "/x/tmp/NAME", ENOSPC).
std::string cannot(std::string_view action, std::string_view object, int error_number);

}  // namespace pop3::agent::detail
