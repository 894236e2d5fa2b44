// NetX timeouts are in timer ticks (NX_IP_PERIODIC_RATE per second); the host works in
// milliseconds and deadlines.
#pragma once

#include <chrono>

#include "nx_api.h"
#include "pop3/transport.hpp"

namespace pop3::netx {

/// A wait of `ticks` as a duration, rounded up to whole milliseconds and never below 1 ms:
/// pop3::session_options reads a zero duration as "no limit", and NX_NO_WAIT (0 ticks), or a
/// tick shorter than a millisecond, means the opposite. NX_WAIT_FOREVER is "no limit" too,
/// so callers check for it with is_forever().
inline std::chrono::milliseconds ticks_to_duration(ULONG ticks) {
  const std::int64_t rate = NX_IP_PERIODIC_RATE;
  const std::int64_t ms = (static_cast<std::int64_t>(ticks) * 1000 + rate - 1) / rate;
  return std::chrono::milliseconds(ms > 0 ? ms : 1);
}

inline bool is_forever(ULONG ticks) {
  return ticks == NX_WAIT_FOREVER;
}

/// The deadline of a wait of `ticks` starting now.
inline deadline deadline_after(ULONG ticks) {
  if (is_forever(ticks)) return no_deadline;
  return steady_clock::now() + ticks_to_duration(ticks);
}

}  // namespace pop3::netx
