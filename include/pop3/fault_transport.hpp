/// \file
/// A transport wrapper for tests: injects one fault at a chosen operation, splits what is read
/// into chosen piece sizes, and records every byte that crosses it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "pop3/transport.hpp"

namespace pop3 {

/// The fault a fault_transport injects (see fault_transport for the details).
enum class fault_kind : std::uint8_t {
  none,   ///< no fault: a transparent, recording wrapper
  fail,   ///< the operation and every later one fail with errc::io_error, ECONNRESET
  close,  ///< the peer "closed": reads return 0 from then on, writes fail with EPIPE
  stall,  ///< the operation blocks until its deadline, then fails with errc::timeout
};

/// What a fault_transport does. Use designated initializers:
/// `fault_plan{.kind = fault_kind::fail, .at = 3}`,
/// `fault_plan{.read_splits = {1}, .repeat_last = true}`.
struct fault_plan {
  fault_kind kind{fault_kind::none};  ///< the fault, struck at operation `at`
  /// The operation the fault strikes: reads and writes are counted together, from 0, in call
  /// order (see fault_transport::operations()).
  std::size_t at{0};
  /// Maximum sizes of successive reads that return data: {5, 100, 3} caps the first such read
  /// at 5 bytes, the second at 100, the third at 3. A size of 0 is taken as 1. Empty: no caps.
  std::vector<std::size_t> read_splits{};
  /// After the list is used up: true caps every later read at its last size ({1} with
  /// repeat_last = one byte per read forever); false leaves later reads uncapped.
  bool repeat_last{false};
};

/// Wraps (and owns) another transport and applies a fault_plan to it.
///
/// Reads: each read() does at most one read of the inner transport, into the wrapper's own
/// buffer (up to 64 KiB at a time, and only when that buffer is empty), and hands out at most
/// the next split size of it. With the peer's data already written, the sizes returned are
/// therefore exactly min(split, caller's buffer, what is buffered), whatever the inner
/// transport's own chunking.
///
/// Faults at operation N:
/// - fail: operation N and every later read and write return errc::io_error with
///   system_error ECONNRESET. The inner transport is closed at once, so that a scripted peer
///   sees end of stream instead of waiting forever.
/// - close: from operation N on, reads return 0 (data still buffered in the wrapper is
///   dropped) and writes fail with errc::io_error, EPIPE. The inner transport is closed at
///   once, as for fail.
/// - stall: operation N does not touch the inner transport; it sleeps until its deadline and
///   returns errc::timeout. With no_deadline it would block forever, which is a bug in the
///   test: it returns errc::timeout immediately instead. Later operations proceed normally.
///
/// After close() every operation (still counted) fails with errc::io_error, EBADF; that check
/// comes before the fault checks. Not thread-safe, like every transport.
class fault_transport final : public transport {
 public:
  /// Wraps `inner`, which it owns from now on. Reads and writes allocate (the read buffer,
  /// the records of written() and received()).
  fault_transport(std::unique_ptr<transport> inner, fault_plan plan);

  result<std::size_t> read(std::span<char> buffer, deadline until) override;
  result<void> write(std::span<const char> data, deadline until) override;

  /// Closes the inner transport. Idempotent.
  void close() noexcept override;

  /// How many reads and writes have been called so far, failed ones included. Run a test
  /// cleanly with fault_kind::none and read this to learn the range of `at` to loop over.
  std::size_t operations() const noexcept { return operations_; }

  /// Every byte of every write that the inner transport accepted, in order.
  const std::string& written() const noexcept { return written_; }

  /// Every byte handed to the caller by read(), in order.
  const std::string& received() const noexcept { return received_; }

 private:
  result<void> begin_operation(deadline until);
  result<std::size_t> read_through(std::span<char> buffer, deadline until);
  std::size_t next_split() const noexcept;

  std::unique_ptr<transport> inner_;
  fault_plan plan_;
  std::size_t operations_{0};
  std::size_t reads_delivered_{0};
  bool closed_{false};
  bool failed_{false};
  bool peer_closed_{false};
  std::string pending_;
  std::size_t pending_head_{0};
  std::string written_;
  std::string received_;
};

}  // namespace pop3
