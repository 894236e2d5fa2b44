#include <unistd.h>

#include <cerrno>
#include <ostream>

#include "pop3/sink.hpp"

namespace pop3 {

result<void> string_sink::write(std::string_view bytes) {
  data_.append(bytes);
  return {};
}

result<void> string_sink::finish() {
  finished_ = true;
  return {};
}

void string_sink::abort(const error& why) noexcept {
  data_.clear();
  aborted_ = true;
  reason_ = why;
}

result<void> ostream_sink::write(std::string_view bytes) {
  out_.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out_) return unexpected(errc::sink_failed);
  return {};
}

result<void> ostream_sink::finish() {
  out_.flush();
  if (!out_) return unexpected(errc::sink_failed);
  return {};
}

result<void> fd_sink::write(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return unexpected(error(errc::sink_failed, command_kind::none, resp_code::none, errno));
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

result<void> lf_sink::write(std::string_view bytes) {
  if (bytes.empty()) return {};
  scratch_.clear();
  std::size_t i = 0;
  if (pending_cr_) {
    pending_cr_ = false;
    if (bytes[0] != '\n') scratch_ += '\r';  // the held CR was not part of a CRLF
  }
  for (; i < bytes.size(); ++i) {
    const char c = bytes[i];
    if (c != '\r') {
      scratch_ += c;
    } else if (i + 1 == bytes.size()) {
      pending_cr_ = true;  // its LF may be in the next chunk
    } else if (bytes[i + 1] != '\n') {
      scratch_ += '\r';
    }
  }
  return next_.write(scratch_);
}

result<void> lf_sink::finish() {
  if (pending_cr_) {
    pending_cr_ = false;
    POP3_TRY(next_.write("\r"));
  }
  return next_.finish();
}

}  // namespace pop3
