// The last stage of every delivery: where the bytes are kept (a tmp/ file, an mbox, an MDA's
// standard input). It enforces the order of calls of body_sink, keeps the first error, and
// undoes the message as soon as anything fails, so that a failure never depends on the
// caller remembering to call abort().
#pragma once

#include <string>
#include <string_view>

#include "delivery/delivery.hpp"

namespace pop3::agent::detail {

class storage_sink : public delivery_sink {
 public:
  result<void> write(std::string_view bytes) final;
  result<void> finish() final;
  void abort(const error& why) noexcept final;
  const std::string& failure() const noexcept final { return failure_; }

  /// Fails the message from outside (an exception caught by the caller): undoes it and
  /// records `words` unless an error was already recorded. Returns the error to report.
  error fail_from_outside(std::string_view words, int error_number) noexcept;

 protected:
  storage_sink() = default;
  /// The derived destructor calls this: a message neither finished nor aborted is undone.
  void undo_if_unfinished() noexcept;
  /// Records the error (words for failure(), errno), undoes the message, and returns the
  /// error for the failing call to return.
  unexpected fail(std::string words, int error_number) noexcept;
  /// Adds to failure() what else went wrong while undoing ("; cannot truncate ...").
  void add_to_failure(std::string_view words) noexcept;

 private:
  // store() and complete() report every error through fail(), which undoes the message.
  virtual result<void> store(std::string_view bytes) = 0;
  /// Makes the message durable.
  virtual result<void> complete() = 0;
  /// Removes every trace of the message; called at most once, never after complete()
  /// succeeded.
  virtual void undo() noexcept = 0;

  enum class state : unsigned char { open, finished, failed, aborted };
  state state_ = state::open;
  std::string failure_;
  error error_{};
};

}  // namespace pop3::agent::detail
