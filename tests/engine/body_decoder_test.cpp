#include "body_decoder.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "event_text.hpp"

namespace pop3::detail {
namespace {

using test::escape;

/// RFC 1939 §3 byte-stuffing of a message that ends in CRLF (or is empty), plus terminator.
std::string stuff(std::string_view message) {
  std::string out;
  bool line_start = true;
  for (std::size_t i = 0; i < message.size(); ++i) {
    if (line_start && message[i] == '.') out += '.';
    out += message[i];
    line_start = message[i] == '\n' && i > 0 && message[i - 1] == '\r';
  }
  return out + ".\r\n";
}

struct decoded {
  std::string data;
  bool finished = false;
  std::size_t consumed = 0;  // input bytes used in total
};

/// Feeds `wire` in the given piece sizes (last repeats) like the engine does: undecided bytes
/// stay at the front of the next piece.
decoded decode_in_pieces(std::string_view wire, const std::vector<std::size_t>& sizes,
                         body_format format = body_format::decoded) {
  body_decoder d;
  d.reset(format);
  decoded out;
  std::string pending;
  std::size_t offered = 0, i = 0;
  while (!out.finished) {
    const std::size_t size = sizes[std::min(i++, sizes.size() - 1)];
    const std::size_t take = std::min(size, wire.size() - offered);
    pending.append(wire.substr(offered, take));
    offered += take;
    const auto step = d.decode(pending.data(), pending.size());
    out.data.append(pending.data(), step.produced);
    out.consumed += step.consumed;
    out.finished = step.finished;
    pending.erase(0, step.consumed);
    if (offered == wire.size() && !step.finished) break;
  }
  return out;
}

TEST(body_decoder, stuffed_lines_and_terminator) {
  const std::string wire = "..a\r\n..\r\n...\r\n.x\r\nplain\r\n.\r\n";
  const auto r = decode_in_pieces(wire, {wire.size()});
  EXPECT_TRUE(r.finished);
  EXPECT_EQ(r.data, ".a\r\n.\r\n..\r\nx\r\nplain\r\n");
  EXPECT_EQ(r.consumed, wire.size());
}

TEST(body_decoder, stops_exactly_after_terminator) {
  const std::string wire = "a\r\n.\r\n+OK next reply\r\n";
  const auto r = decode_in_pieces(wire, {wire.size()});
  EXPECT_TRUE(r.finished);
  EXPECT_EQ(r.data, "a\r\n");
  EXPECT_EQ(r.consumed, 6u);
}

// security-cases.md 35: every split point of "\r\n..\r\n.\r\n".
TEST(body_decoder, every_split_of_dot_lines) {
  const std::string wire = "x\r\n..\r\n.\r\n";
  for (std::size_t split = 1; split < wire.size(); ++split) {
    const auto r = decode_in_pieces(wire, {split, wire.size()});
    EXPECT_TRUE(r.finished) << split;
    EXPECT_EQ(r.data, "x\r\n.\r\n") << "split at " << split;
  }
}

TEST(body_decoder, undecided_line_start_is_held_back) {
  body_decoder d;
  d.reset(body_format::decoded);
  std::string buf = "line\r\n.";
  auto step = d.decode(buf.data(), buf.size());
  EXPECT_EQ(step.consumed, 6u);  // "." could be the terminator: not consumed
  EXPECT_EQ(step.produced, 6u);
  EXPECT_FALSE(step.finished);
  buf = ".\r";
  step = d.decode(buf.data(), buf.size());
  EXPECT_EQ(step.consumed, 0u);
  buf = ".\r\n";
  step = d.decode(buf.data(), buf.size());
  EXPECT_TRUE(step.finished);
  EXPECT_EQ(step.produced, 0u);
}

// security-cases.md 34: a lone CR or LF never ends a line, so a dot after it is data.
TEST(body_decoder, only_crlf_starts_a_line) {
  for (const std::string& wire :
       {std::string("a\n.\r\nb\r\n.\r\n"), std::string("a\r.\r\nb\r\n.\r\n")}) {
    const auto r = decode_in_pieces(wire, {1});
    EXPECT_TRUE(r.finished) << escape(wire);
    EXPECT_EQ(r.data, wire.substr(0, wire.size() - 3)) << escape(wire);
  }
}

// security-cases.md 33: no line length limit, no silent split.
TEST(body_decoder, very_long_lines_pass_whole) {
  for (std::size_t length : {998u, 10'000u, 1'000'000u}) {
    const std::string message = std::string(length, 'x') + "\r\n";
    const auto r = decode_in_pieces(stuff(message), {4096});
    EXPECT_TRUE(r.finished);
    EXPECT_EQ(r.data, message) << length;
  }
}

TEST(body_decoder, wire_format_keeps_stuffing_and_terminator) {
  const std::string wire = "..a\r\nb\r\n.\r\n";
  for (std::size_t size : {1u, 2u, 3u, 100u}) {
    const auto r = decode_in_pieces(wire, {size}, body_format::wire);
    EXPECT_TRUE(r.finished);
    EXPECT_EQ(r.data, wire) << size;
  }
}

// Property (round trip): stuff then decode gives the message back, at random splits.
TEST(body_decoder, round_trip_random_messages_random_splits) {
  std::mt19937 rng(1234);
  const char alphabet[] = {'.', '.', '\r', '\n', '\r', '\n', 'a', '\0', '\xff', ' '};
  for (int round = 0; round < 2000; ++round) {
    std::string message;
    const std::size_t length = rng() % 300;
    for (std::size_t i = 0; i < length; ++i)
      message += alphabet[rng() % sizeof alphabet];
    if (!message.empty()) message += "\r\n";  // a body is made of CRLF-terminated lines
    const std::string wire = stuff(message);
    std::vector<std::size_t> sizes;
    for (int i = 0; i < 8; ++i)
      sizes.push_back(1 + rng() % 7);
    const auto r = decode_in_pieces(wire, sizes);
    ASSERT_TRUE(r.finished) << escape(wire);
    ASSERT_EQ(r.data, message) << escape(wire);
    ASSERT_EQ(r.consumed, wire.size());
    const auto w = decode_in_pieces(wire, sizes, body_format::wire);
    ASSERT_EQ(w.data, wire);
  }
}

/// The obvious byte-by-byte decoder, as the reference: what the real one must equal on any
/// input, stuffed correctly or not, at any split.
decoded reference_decode(std::string_view in, body_format format) {
  decoded out;
  bool line_start = true;
  std::size_t i = 0;
  while (i < in.size()) {
    if (line_start && in[i] == '.') {
      if (in.substr(i, 3) == ".\r\n") {
        if (format == body_format::wire) out.data += ".\r\n";
        out.finished = true;
        out.consumed = i + 3;
        return out;
      }
      if (i + 1 == in.size() || in.substr(i) == ".\r") break;  // undecided
      if (format == body_format::wire) out.data += '.';
      ++i;
    }
    out.data += in[i];
    line_start = in[i] == '\n' && i > 0 && in[i - 1] == '\r';
    ++i;
  }
  out.consumed = i;
  return out;
}

TEST(body_decoder, equals_the_reference_on_arbitrary_input_at_random_splits) {
  std::mt19937 rng(99);
  const char alphabet[] = {'.', '\r', '\n', 'a', '.', '\r', '\n'};
  for (int round = 0; round < 4000; ++round) {
    std::string input;
    const std::size_t length = rng() % 200;
    for (std::size_t i = 0; i < length; ++i)
      input += alphabet[rng() % sizeof alphabet];
    std::vector<std::size_t> sizes;
    for (int i = 0; i < 6; ++i)
      sizes.push_back(1 + rng() % 40);
    for (body_format format : {body_format::decoded, body_format::wire}) {
      const decoded expected = reference_decode(input, format);
      const decoded got = decode_in_pieces(input, sizes, format);
      ASSERT_EQ(got.finished, expected.finished) << escape(input);
      ASSERT_EQ(got.data, expected.data) << escape(input);
      if (expected.finished) {
        ASSERT_EQ(got.consumed, expected.consumed) << escape(input);
      }
    }
  }
}

}  // namespace
}  // namespace pop3::detail
