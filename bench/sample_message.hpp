// A synthetic but realistic mail message for the engine benchmarks, and the RETR reply that
// carries it. Deterministic: the same arguments give the same bytes on every machine, so
// numbers from different runs and hosts measure the same work.
#pragma once

#include <cstddef>
#include <string>

namespace pop3::bench {

struct sample_message {
  /// The message as stored: RFC 5322 headers, an empty line, then 76-character text lines, each
  /// ending in CRLF. This is what RETR with body_format::decoded must hand out.
  std::string decoded;
  /// The whole reply on the wire: "+OK ...\r\n", the dot-stuffed message, ".\r\n".
  std::string reply;
  /// What RETR with body_format::wire must hand out: the reply without its status line (the
  /// dot-stuffed message and the ".\r\n" terminator).
  std::size_t wire_body_size = 0;
  /// Body lines that start with "." and therefore travel stuffed as "..".
  std::size_t dot_lines = 0;
};

/// Builds a message of at least `min_size` bytes. Every `dot_line_every`-th body line starts
/// with "." (0: none), so that line arrives dot-stuffed.
sample_message make_sample_message(std::size_t min_size, std::size_t dot_line_every);

}  // namespace pop3::bench
