#include "body_decoder.hpp"

#include <cstring>

namespace pop3::detail {

void body_decoder::reset(body_format format) noexcept {
  format_ = format;
  at_line_start_ = true;
  after_cr_ = false;
}

body_decoder::step body_decoder::decode(char* data, std::size_t size) noexcept {
  // `in` walks the input; `out` is where decoded bytes go. They only differ after a stuffed
  // dot was dropped, so the common case (no dot lines) moves no memory at all.
  std::size_t in = 0, out = 0;
  auto emit = [&](std::size_t from, std::size_t to) {
    if (out != from) std::memmove(data + out, data + from, to - from);
    out += to - from;
  };

  while (in < size) {
    if (at_line_start_ && data[in] == '.') {
      // ".\r\n" ends the body; any other line starting with "." lost its first dot to
      // stuffing. Until the next two bytes are known the line start stays undecided.
      if (in + 1 == size || (data[in + 1] == '\r' && in + 2 == size)) break;
      if (data[in + 1] == '\r' && data[in + 2] == '\n') {
        if (format_ == body_format::wire) emit(in, in + 3);
        return {in + 3, out, true};
      }
      if (format_ == body_format::wire) emit(in, in + 1);
      ++in;
    }
    // Copy up to and including the next LF. Only a CRLF ends a line: a bare LF is data.
    const auto* lf = static_cast<const char*>(std::memchr(data + in, '\n', size - in));
    if (!lf) {
      emit(in, size);
      after_cr_ = data[size - 1] == '\r';
      at_line_start_ = false;
      in = size;
      break;
    }
    const auto lf_at = static_cast<std::size_t>(lf - data);
    at_line_start_ = lf_at > in ? data[lf_at - 1] == '\r' : after_cr_;
    after_cr_ = false;
    emit(in, lf_at + 1);
    in = lf_at + 1;
  }
  return {in, out, false};
}

}  // namespace pop3::detail
