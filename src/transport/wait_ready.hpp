// Waiting for a socket to become readable or writable, bounded by a deadline.
#pragma once

#include "pop3/result.hpp"
#include "pop3/transport.hpp"

namespace pop3::detail {

/// Polls `fd` for `events` (POLLIN, POLLOUT) until it is ready or `until` passes. Error and
/// hang-up conditions count as ready: the caller's next system call reports them.
/// Errors: errc::timeout when `until` passes (also when it already has); errc::io_error with
/// errno if poll() fails, with EBADF if `fd` is not open.
result<void> wait_ready(int fd, short events, deadline until) noexcept;

}  // namespace pop3::detail
