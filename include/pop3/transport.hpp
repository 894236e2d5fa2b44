/// \file
/// The byte-stream interface every driver of the engine reads and writes through: TCP, TLS,
/// the in-memory pair and the fault-injecting wrapper all implement it.
#pragma once

#include <chrono>
#include <cstddef>
#include <span>

#include "pop3/result.hpp"

namespace pop3 {

struct tls_details;

/// The clock of every deadline.
using steady_clock = std::chrono::steady_clock;

/// An absolute point in time after which an operation gives up. `no_deadline` waits forever.
using deadline = steady_clock::time_point;
/// A deadline that never passes.
inline constexpr deadline no_deadline = deadline::max();

/// A connected, reliable, ordered byte stream. Implementations are not thread-safe: one
/// session drives one transport at a time.
class transport {
 public:
  /// Destroying a transport closes its connection (every implementation does).
  virtual ~transport() = default;

  /// Waits until at least one byte is available (or the peer closed) and reads up to
  /// `buffer.size()` bytes. Returns the number of bytes read; 0 means the peer closed its
  /// side (end of stream), and every later read returns 0 again.
  /// Errors: errc::timeout when `until` passes with nothing read; errc::io_error (with errno
  /// in error::system_error) when the connection fails, e.g. is reset.
  virtual result<std::size_t> read(std::span<char> buffer, deadline until) = 0;

  /// Writes all of `data`, waiting as needed. Errors: errc::timeout when `until` passes before
  /// everything was written (some bytes may have been sent); errc::io_error when the
  /// connection fails (EPIPE, ECONNRESET, ...).
  virtual result<void> write(std::span<const char> data, deadline until) = 0;

  /// Closes the connection. Idempotent; later reads and writes fail with errc::io_error.
  virtual void close() noexcept = 0;

  /// The TLS parameters if this transport is encrypted, else nullptr.
  virtual const tls_details* tls() const noexcept { return nullptr; }
};

}  // namespace pop3
