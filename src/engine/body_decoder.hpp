// Decodes the data of a multi-line RETR/TOP reply in place: removes the stuffed dots (RFC 1939
// §3) and finds the ".\r\n" terminator, across any split of the input. Holds no data of its
// own: at most the 2 bytes of an undecided line start (".", ".\r") are left unconsumed in the
// caller's buffer. Lines have no length limit; memory does not grow with message size.
#pragma once

#include <cstddef>

#include "pop3/command.hpp"

namespace pop3::detail {

class body_decoder {
 public:
  struct step {
    std::size_t consumed = 0;  ///< input bytes used (decided); the rest must be offered again
    std::size_t produced = 0;  ///< output bytes, written to the start of the input range
    bool finished = false;     ///< the terminator was consumed
  };

  /// Starts a new body (just after the +OK status line, which is a line start).
  void reset(body_format format) noexcept;

  /// Decodes `data[0, size)` in place. The output occupies data[0, produced) and never
  /// overtakes the input, so it is safe on the receive buffer itself.
  step decode(char* data, std::size_t size) noexcept;

 private:
  body_format format_ = body_format::decoded;
  bool at_line_start_ = true;  ///< the next byte starts a line (the previous two were CRLF)
  bool after_cr_ = false;      ///< the last byte consumed was CR (a CRLF may be split)
};

}  // namespace pop3::detail
