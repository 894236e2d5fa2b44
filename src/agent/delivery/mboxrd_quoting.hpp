// mboxrd quoting, streaming: every line matching ^>*"From " gets one more '>' in front, so
// that a reader can tell message text from the "From " lines that separate messages, and can
// undo the quoting exactly (one '>' less on every such line).
#pragma once

#include <cstdint>
#include <string_view>

#include "pop3/sink.hpp"

namespace pop3::agent::detail {

/// Quotes on the way to another sink. A line start is the first byte and any byte after a LF,
/// so it works with LF and CRLF line ends alike. Chunk boundaries may fall anywhere (between
/// the '>'s, inside "From "): the undecided start of a line is held as two counters, never
/// as bytes, so memory stays constant even for a line of a million '>'. Each chunk becomes
/// one write() to the next sink, plus three small ones around each quoted line.
class mboxrd_quoting_sink final : public body_sink {
 public:
  explicit mboxrd_quoting_sink(body_sink& next) noexcept : next_(next) {}
  result<void> write(std::string_view bytes) override;
  /// Passes on a line start still undecided (">>Fro" at the very end) unquoted.
  result<void> finish() override;
  void abort(const error& why) noexcept override { next_.abort(why); }

 private:
  /// Writes `greater_than` '>' and the first `from_length` octets of "From ".
  result<void> pass_on_held(std::uint64_t greater_than, std::size_t from_length);

  body_sink& next_;
  // While at_line_start_, the current line began with greater_than_ '>' and then the first
  // from_matched_ octets of "From "; whether it gets quoted is not known yet.
  bool at_line_start_ = true;
  std::uint64_t greater_than_ = 0;
  std::size_t from_matched_ = 0;
};

}  // namespace pop3::agent::detail
