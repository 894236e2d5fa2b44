#include "body_decoder.hpp"

#include <cstring>

// POP3_PORTABLE_SCAN forces the portable path (the tests build the decoder both ways).
#if defined(__SSE2__) && !defined(POP3_PORTABLE_SCAN)
#define POP3_SSE2_SCAN 1
#include <emmintrin.h>
#endif

namespace pop3::detail {
namespace {

constexpr std::size_t not_found = static_cast<std::size_t>(-1);

/// The index of the first "\n." at or after `from`, or not_found.
std::size_t find_lf_dot(const char* data, std::size_t from, std::size_t size) noexcept {
  std::size_t i = from;
#if defined(POP3_SSE2_SCAN)
  // 16 candidate positions per compare (SSE2 is part of every x86-64 CPU), 64 per step while
  // nothing is found: lines of text rarely start with a dot.
  const __m128i lf = _mm_set1_epi8('\n'), dot = _mm_set1_epi8('.');
  auto hits = [&](std::size_t at) {
    const auto* p = reinterpret_cast<const __m128i*>(data + at);
    return _mm_and_si128(
        _mm_cmpeq_epi8(_mm_loadu_si128(p), lf),
        _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(data + at + 1)), dot));
  };
  while (i + 65 <= size &&
         !_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(hits(i), hits(i + 16)),
                                         _mm_or_si128(hits(i + 32), hits(i + 48)))))
    i += 64;
  for (; i + 17 <= size; i += 16)
    if (const int mask = _mm_movemask_epi8(hits(i)))
      return i + static_cast<unsigned>(__builtin_ctz(static_cast<unsigned>(mask)));
#endif
  // Portable path (and the tail): one memchr per line.
  while (i + 1 < size) {
    const auto* lf_at = static_cast<const char*>(std::memchr(data + i, '\n', size - i - 1));
    if (!lf_at) break;
    const auto k = static_cast<std::size_t>(lf_at - data);
    if (data[k + 1] == '.') return k;
    i = k + 1;
  }
  return not_found;
}

/// The index of the first "\r\n." that starts at or after `from`, or not_found. Only these
/// three bytes matter inside a body: every other line is data, however long.
std::size_t find_crlf_dot(const char* data, std::size_t from, std::size_t size) noexcept {
  for (std::size_t i = from + 1;;) {
    const std::size_t lf = find_lf_dot(data, i, size);
    if (lf == not_found) return not_found;
    if (data[lf - 1] == '\r') return lf - 1;  // a bare LF before a dot is data
    i = lf + 1;
  }
}

}  // namespace

void body_decoder::reset(body_format format) noexcept {
  format_ = format;
  at_line_start_ = true;
  after_cr_ = false;
}

body_decoder::step body_decoder::decode(char* data, std::size_t size) noexcept {
  // `in` walks the input; `out` is where decoded bytes go. They differ only after a stuffed
  // dot was dropped, and then each stretch between two dots moves once.
  std::size_t in = 0, out = 0;
  auto emit = [&](std::size_t from, std::size_t to) {
    if (out != from) std::memmove(data + out, data + from, to - from);
    out += to - from;
  };

  // A CR that ended the previous input and an LF that starts this one make a line end.
  if (after_cr_ && size > 0) {
    after_cr_ = false;
    if (data[0] == '\n') {
      emit(0, 1);
      in = 1;
      at_line_start_ = true;
    }
  }

  for (;;) {
    if (at_line_start_) {
      if (in == size) break;
      if (data[in] == '.') {
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
      at_line_start_ = false;
    }
    if (in == size) break;
    const std::size_t crlf = find_crlf_dot(data, in, size);
    if (crlf == not_found) {
      // Only a CRLF ends a line: a bare LF or CR is data. The state for the next input comes
      // from the last bytes, read before emit() may overwrite them.
      if (size - in >= 2) {
        at_line_start_ = data[size - 2] == '\r' && data[size - 1] == '\n';
      } else {
        // One byte cannot complete a CRLF here: a CR just before it was handled above.
        at_line_start_ = false;
      }
      after_cr_ = data[size - 1] == '\r';
      emit(in, size);
      in = size;
      break;
    }
    emit(in, crlf + 2);
    in = crlf + 2;
    at_line_start_ = true;
  }
  return {in, out, false};
}

}  // namespace pop3::detail
