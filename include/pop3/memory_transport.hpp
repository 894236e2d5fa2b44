/// \file
/// Two connected in-memory transports, for tests and for running a scripted peer in-process.
#pragma once

#include <memory>
#include <utility>

#include "pop3/transport.hpp"

namespace pop3 {

/// Returns two ends of an in-memory byte stream: what one end writes, the other reads.
///
/// - Thread-safe between the ends: each end may be driven by its own thread (one thread per
///   end at a time, as for every transport).
/// - Unbounded buffering: write() never waits, so its deadline is unused; it copies the bytes.
/// - read() waits (condition variable, bounded by its deadline) until data is available or
///   the other end is closed, then returns as many buffered bytes as fit. errc::timeout when
///   the deadline passes with nothing to read.
/// - close() on one end, or destroying it, makes the other end read the remaining data and
///   then 0 (end of stream) forever. Bytes still unread by the closing end are discarded.
/// - write() after the other end closed: errc::io_error with system_error EPIPE.
/// - read() or write() on an end after its own close(): errc::io_error with system_error EBADF.
/// - Unless the end is closed (EBADF) or, for write(), its peer is (EPIPE): an empty read
///   buffer returns 0 at once, and an empty write succeeds.
///
/// The shared state lives until both ends are destroyed, so the ends may be destroyed in any
/// order and on any thread. Allocates.
std::pair<std::unique_ptr<transport>, std::unique_ptr<transport>> make_memory_pair();

}  // namespace pop3
