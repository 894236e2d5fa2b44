#include "wait_ready.hpp"

#include <poll.h>

#include <cerrno>
#include <chrono>
#include <climits>

#include "transport_error.hpp"

namespace pop3::detail {

namespace {

// poll() takes whole milliseconds: round up, so that a wake-up never comes before `until` and
// a sub-millisecond remainder does not become a busy loop of zero-timeout polls.
int poll_timeout(deadline until, steady_clock::time_point now) noexcept {
  if (until == no_deadline) return -1;
  const auto remaining = std::chrono::ceil<std::chrono::milliseconds>(until - now);
  if (remaining.count() > INT_MAX) return INT_MAX;
  return static_cast<int>(remaining.count());
}

}  // namespace

result<void> wait_ready(int fd, short events, deadline until) noexcept {
  for (;;) {
    const auto now = steady_clock::now();
    if (now >= until) return transport_failure(errc::timeout);
    pollfd entry{fd, events, 0};
    const int ready = ::poll(&entry, 1, poll_timeout(until, now));
    if (ready < 0) {
      if (errno == EINTR) continue;
      return transport_failure(errc::io_error, errno);
    }
    // Zero means poll's timeout expired; the loop re-reads the clock rather than trusting it,
    // so a deadline capped at INT_MAX milliseconds keeps waiting.
    if (ready == 0) continue;
    if ((entry.revents & POLLNVAL) != 0) return transport_failure(errc::io_error, EBADF);
    return {};
  }
}

}  // namespace pop3::detail
