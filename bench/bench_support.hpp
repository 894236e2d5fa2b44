// Helpers shared by the engine benchmarks (engine_bench.cpp, reply_bench.cpp): engines brought
// to a known session state outside the timed loop, and the driver loop that streams a reply
// into an engine the way the blocking client does (read into receive_space(), commit, take
// events until the engine needs more input).
//
// Contract: nothing here allocates inside stream_reply(); every failure is reported as a
// static message for benchmark::State::SkipWithError, never thrown or printed.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>

#include "pop3/engine.hpp"
#include "pop3/engine_config.hpp"
#include "pop3/event.hpp"

namespace pop3::bench {

// What one read(2) returns here: 16 KiB, a typical socket read (the blocking client asks for
// all of receive_space(), up to 32 KiB by default, and often gets less).
inline constexpr std::size_t read_size = 16 * 1024;

/// Pushes all of `bytes` into the engine with feed() and drains the events; setup only.
bool feed_and_drain(engine& eng, std::string_view bytes);

/// An engine past the server's greeting, in AUTHORIZATION.
std::optional<engine> greeted_engine(const engine_config& config = {});

/// An engine past the greeting and USER/PASS, in TRANSACTION.
std::optional<engine> logged_in_engine(const engine_config& config = {});

/// Streams `reply` into `eng` in read_size pieces through receive_space()/commit_received()
/// (the copy stands in for read(2) and is part of the measured work), handing every event to
/// `on_event`, which returns false for an event it did not expect. Events already due are
/// taken before the first read. Returns nullptr once all of `reply` is consumed and the engine
/// needs more input, else what went wrong.
template <class OnEvent>
const char* stream_reply(engine& eng, std::string_view reply, OnEvent&& on_event) {
  std::size_t at = 0;
  for (;;) {
    for (;;) {
      auto ev = eng.next_event();
      if (!ev) return "next_event() failed";
      if (!*ev) break;
      if (!on_event(static_cast<const event&>(**ev))) return "unexpected event";
    }
    if (at == reply.size()) return nullptr;
    const std::span<char> space = eng.receive_space();
    const std::size_t n = std::min({read_size, space.size(), reply.size() - at});
    if (n == 0) return "receive buffer full";
    std::memcpy(space.data(), reply.data() + at, n);  // stands in for read(2)
    if (!eng.commit_received(n)) return "commit_received() failed";
    at += n;
  }
}

}  // namespace pop3::bench
