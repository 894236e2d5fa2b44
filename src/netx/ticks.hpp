// NetX timeouts are in timer ticks (NX_IP_PERIODIC_RATE per second); the host works in
// milliseconds and deadlines.
#pragma once

#include <chrono>

#include "nx_api.h"
#include "pop3/transport.hpp"

namespace pop3::netx {

/// A wait of `ticks` as a duration; NX_WAIT_FOREVER is "no limit" (a zero duration means the
/// same to pop3::session_options, so callers check for it with is_forever()).
inline std::chrono::milliseconds ticks_to_duration(ULONG ticks) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(ticks) * 1000 / NX_IP_PERIODIC_RATE);
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
