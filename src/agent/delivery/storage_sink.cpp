#include "delivery/storage_sink.hpp"

#include <cerrno>
#include <utility>

namespace pop3::agent::detail {

namespace {
unexpected sink_error(int error_number) noexcept {
  return unexpected(error(errc::sink_failed, command_kind::none, resp_code::none, error_number));
}
}  // namespace

result<void> storage_sink::write(std::string_view bytes) {
  switch (state_) {
    case state::open:
      return store(bytes);
    case state::failed:
      return unexpected(error_);
    case state::finished:
    case state::aborted:
      break;
  }
  return sink_error(EINVAL);
}

result<void> storage_sink::finish() {
  switch (state_) {
    case state::open:
      POP3_TRY(complete());
      state_ = state::finished;
      return {};
    case state::failed:
      return unexpected(error_);
    case state::finished:
    case state::aborted:
      break;
  }
  return sink_error(EINVAL);
}

void storage_sink::abort(const error& why) noexcept {
  (void)why;  // the retrieval's reason is the caller's to report; nothing failed here
  if (state_ != state::open) return;
  state_ = state::aborted;
  undo();
}

error storage_sink::fail_from_outside(std::string_view words, int error_number) noexcept {
  if (state_ == state::failed) return error_;
  if (state_ == state::open) undo();
  state_ = state::failed;
  error_ = error(errc::sink_failed, command_kind::none, resp_code::none, error_number);
  if (failure_.empty()) {
    try {
      failure_ = words;
    } catch (...) {
      // Out of memory for the words: the error code still tells what happened.
    }
  }
  return error_;
}

void storage_sink::undo_if_unfinished() noexcept {
  if (state_ != state::open) return;
  state_ = state::aborted;
  undo();
}

unexpected storage_sink::fail(std::string words, int error_number) noexcept {
  failure_ = std::move(words);
  error_ = error(errc::sink_failed, command_kind::none, resp_code::none, error_number);
  if (state_ == state::open) undo();
  state_ = state::failed;
  return unexpected(error_);
}

void storage_sink::add_to_failure(std::string_view words) noexcept {
  try {
    if (!failure_.empty()) failure_ += "; ";
    failure_ += words;
  } catch (...) {
    // Out of memory for the words: failure() keeps what it said.
  }
}

}  // namespace pop3::agent::detail
