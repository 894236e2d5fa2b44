// Drives a pop3::engine the way a network driver does, for the fuzzers: feeds server bytes
// in pieces whose sizes the input chooses, hands out every event, throws away what the
// engine sends, and checks the engine's promises on the way:
//   - every view in an event can be read (ASan sees a dangling or out-of-range view);
//   - feeding never stalls: if the receive buffer is full, next_event() makes progress;
//   - a fatal error is sticky: failure(), next_event(), feed() and submit() all repeat it.
// A broken promise is __builtin_trap(), which libFuzzer reports as a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "pop3/engine.hpp"
#include "support/input_reader.hpp"

namespace pop3::fuzz {

/// Small buffers and limits, so that inputs of a few hundred bytes reach every limit.
engine_config small_engine_config() noexcept;

/// The sizes of the pieces server bytes are fed in: up to four lengths read from the input,
/// used in turn; 0 means "all that is left".
class piece_sizes {
 public:
  explicit piece_sizes(input_reader& in) noexcept;
  std::size_t next() noexcept;

 private:
  std::uint8_t sizes_[4];
  std::size_t turn_ = 0;
};

/// Reads every byte of every view in `ev` and returns a checksum of them (so nothing is
/// optimised away).
std::uint32_t touch(const event& ev) noexcept;

/// Traps unless the engine repeats `e` everywhere a sticky error must show.
void check_sticky(engine& eng, const error& e) noexcept;

class engine_driver {
 public:
  explicit engine_driver(engine& eng) noexcept : eng_(eng) {}

  bool failed() const noexcept { return failed_; }
  const error& failure() const noexcept { return failure_; }

  /// Hands out events until the engine needs input (true) or fails (false). `on_event(ev)`
  /// may submit commands.
  template <class OnEvent>
  bool drain(OnEvent&& on_event) noexcept {
    while (!failed_) {
      discard_output();
      auto ev = eng_.next_event();
      if (!ev) return fail(ev.error());
      if (!*ev) return true;
      checksum_ = checksum_ + touch(**ev);
      ++events_;
      on_event(**ev);
    }
    return false;
  }

  /// Feeds `bytes` in pieces, draining after each. False once the engine failed.
  template <class OnEvent>
  bool feed(std::string_view bytes, piece_sizes& sizes, OnEvent&& on_event) noexcept {
    while (!bytes.empty() && !failed_) {
      std::size_t size = sizes.next();
      if (size == 0 || size > bytes.size()) size = bytes.size();
      std::string_view piece = bytes.substr(0, size);
      bytes.remove_prefix(size);
      while (!piece.empty() && !failed_) {
        auto taken = eng_.feed(std::span<const char>(piece.data(), piece.size()));
        if (!taken) return fail(taken.error());
        piece.remove_prefix(*taken);
        const auto events_before = events_;
        if (!drain(on_event)) return false;
        // A full buffer must be emptied by next_event(), or fail: never a silent stall.
        if (*taken == 0 && events_ == events_before) __builtin_trap();
      }
    }
    return !failed_ && drain(on_event);
  }

  /// The server closes the connection.
  template <class OnEvent>
  bool eof(OnEvent&& on_event) noexcept {
    if (failed_) return false;
    eng_.feed_eof();
    return drain(on_event);
  }

  /// Submits a command, traps if it was refused with a fatal error that is not sticky.
  result<void> submit(const command& c) noexcept;

 private:
  bool fail(const error& e) noexcept;
  void discard_output() noexcept { eng_.consume_output(eng_.pending_output().size()); }

  engine& eng_;
  bool failed_ = false;
  error failure_;
  std::size_t events_ = 0;
  volatile std::uint32_t checksum_ = 0;
};

/// Feeds the greeting "+OK ready", submits USER and PASS and feeds their +OK: the engine is
/// then in TRANSACTION. Traps if that fails.
void log_in(engine_driver& driver, engine& eng) noexcept;

}  // namespace pop3::fuzz
