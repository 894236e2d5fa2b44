/// \file
/// Where message data goes: retr() and top() stream a message into a body_sink chunk by
/// chunk, so memory does not grow with the message size.
#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>

#include "pop3/result.hpp"

namespace pop3 {

/// Receives one message. The session calls write() for each chunk, then exactly one of
/// finish() (the message is complete: its terminator arrived) or abort() (it will never be
/// complete: the server said -ERR, the connection failed, or write() itself failed).
/// The bytes passed to write() are valid only during the call: copy what you keep.
class body_sink {
 public:
  virtual ~body_sink() = default;
  /// Takes the next bytes of the message. An error stops the retrieval: the rest of the
  /// message is read and dropped, abort() is called, and retr() returns errc::sink_failed.
  virtual result<void> write(std::string_view bytes) = 0;
  /// The message is complete. An error here is reported like one from write().
  virtual result<void> finish() { return {}; }
  /// The message is incomplete and never will be; `why` says why. Undo what write() did.
  virtual void abort(const error& why) noexcept { (void)why; }
};

/// Calls a function for each chunk; finish() and abort() do nothing.
class callback_sink final : public body_sink {
 public:
  /// Called with each chunk; an error is reported as write()'s.
  using function = std::function<result<void>(std::string_view)>;
  /// Calls `f` for each chunk.
  explicit callback_sink(function f) : f_(std::move(f)) {}
  result<void> write(std::string_view bytes) override { return f_(bytes); }

 private:
  function f_;
};

/// Appends to a string (tests, small messages): it allocates as the message grows. abort()
/// clears it and remembers why.
class string_sink final : public body_sink {
 public:
  result<void> write(std::string_view bytes) override;
  result<void> finish() override;
  void abort(const error& why) noexcept override;

  /// The bytes written so far (empty after abort()).
  const std::string& data() const noexcept { return data_; }
  /// True once finish() was called.
  bool finished() const noexcept { return finished_; }
  /// True once abort() was called.
  bool aborted() const noexcept { return aborted_; }
  /// The error abort() was given (a default error if it was not called).
  const error& abort_reason() const noexcept { return reason_; }

 private:
  std::string data_;
  bool finished_ = false;
  bool aborted_ = false;
  error reason_{};
};

/// Writes to a std::ostream; a stream in a failed state is errc::sink_failed. finish()
/// flushes. abort() cannot take back what was written: it only stops.
class ostream_sink final : public body_sink {
 public:
  /// Writes to `out`, which must outlive the sink.
  explicit ostream_sink(std::ostream& out) : out_(out) {}
  result<void> write(std::string_view bytes) override;
  result<void> finish() override;

 private:
  std::ostream& out_;
};

/// Writes to a file descriptor (it is not closed). A failed write() is errc::sink_failed
/// with errno in error::system_error.
class fd_sink final : public body_sink {
 public:
  /// Writes to `fd` (EINTR is retried, short writes continued).
  explicit fd_sink(int fd) noexcept : fd_(fd) {}
  result<void> write(std::string_view bytes) override;

 private:
  int fd_;
};

/// Converts CRLF line ends to LF on the way to another sink (a CR split from its LF by a
/// chunk boundary is handled; a CR not followed by LF is kept). Errors are `next`'s. Keeps a
/// scratch buffer as large as the largest chunk (allocated).
class lf_sink final : public body_sink {
 public:
  /// Converts on the way to `next`, which must outlive this sink.
  explicit lf_sink(body_sink& next) noexcept : next_(next) {}
  result<void> write(std::string_view bytes) override;
  result<void> finish() override;
  void abort(const error& why) noexcept override { next_.abort(why); }

 private:
  body_sink& next_;
  bool pending_cr_ = false;
  std::string scratch_;
};

}  // namespace pop3
