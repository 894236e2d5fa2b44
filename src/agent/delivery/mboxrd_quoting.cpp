#include "delivery/mboxrd_quoting.hpp"

#include <algorithm>
#include <cstring>

namespace pop3::agent::detail {

namespace {
constexpr std::string_view from_space = "From ";
constexpr std::string_view greater_than_run =
    ">>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>";
}  // namespace

result<void> mboxrd_quoting_sink::pass_on_held(std::uint64_t greater_than,
                                               std::size_t from_length) {
  while (greater_than > 0) {
    const auto run =
        static_cast<std::size_t>(std::min<std::uint64_t>(greater_than, greater_than_run.size()));
    POP3_TRY(next_.write(greater_than_run.substr(0, run)));
    greater_than -= run;
  }
  if (from_length > 0) POP3_TRY(next_.write(from_space.substr(0, from_length)));
  return {};
}

result<void> mboxrd_quoting_sink::write(std::string_view bytes) {
  const char* const data = bytes.data();
  const std::size_t size = bytes.size();
  // Bytes [pass_from, i) go on unchanged. The undecided line start is partly in earlier
  // chunks (held_* octets, not passed on yet) and partly here, from line_start on.
  std::size_t pass_from = 0;
  std::size_t line_start = 0;
  std::uint64_t held_greater_than = at_line_start_ ? greater_than_ : 0;
  std::size_t held_from = at_line_start_ ? from_matched_ : 0;
  std::size_t i = 0;
  while (i < size) {
    if (!at_line_start_) {
      const void* line_feed = std::memchr(data + i, '\n', size - i);
      if (line_feed == nullptr) break;
      i = static_cast<std::size_t>(static_cast<const char*>(line_feed) - data) + 1;
      at_line_start_ = true;
      greater_than_ = 0;
      from_matched_ = 0;
      line_start = i;
      continue;
    }
    const char c = data[i];
    if (from_matched_ == 0 && c == '>') {
      ++greater_than_;
      ++i;
      continue;
    }
    if (c == from_space[from_matched_]) {
      ++i;
      if (++from_matched_ < from_space.size()) continue;
      // A line to quote: the '>' goes before the held octets and this chunk's part of the
      // line start, which then passes on unchanged.
      if (line_start > pass_from)
        POP3_TRY(next_.write(bytes.substr(pass_from, line_start - pass_from)));
      POP3_TRY(next_.write(">"));
      POP3_TRY(pass_on_held(held_greater_than, held_from));
      pass_from = line_start;
      held_greater_than = 0;
      held_from = 0;
      at_line_start_ = false;
      continue;
    }
    // Not a line to quote. Held octets precede everything of this chunk (the line started in
    // an earlier one, so pass_from is 0); c itself is examined again as text.
    POP3_TRY(pass_on_held(held_greater_than, held_from));
    held_greater_than = 0;
    held_from = 0;
    at_line_start_ = false;
  }
  // An undecided line start at the end is held (as counters) for the next chunk.
  const std::size_t pass_to = at_line_start_ ? line_start : size;
  if (pass_to > pass_from) POP3_TRY(next_.write(bytes.substr(pass_from, pass_to - pass_from)));
  return {};
}

result<void> mboxrd_quoting_sink::finish() {
  if (at_line_start_) {
    POP3_TRY(pass_on_held(greater_than_, from_matched_));
    at_line_start_ = false;
  }
  return next_.finish();
}

}  // namespace pop3::agent::detail
