// Every golden transcript in sessions/ replayed whole, one byte at a time, split at every
// offset, and through an engine with the smallest buffers: the events and the bytes sent must
// be exactly those of the file in every case.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "transcript.hpp"

namespace pop3::test {
namespace {

std::vector<std::string> transcript_names() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(POP3_TRANSCRIPT_DIR))
    if (entry.path().extension() == ".txt") names.push_back(entry.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

class transcript_test : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    t_ = load_transcript(std::filesystem::path(POP3_TRANSCRIPT_DIR) / (GetParam() + ".txt"));
    ASSERT_FALSE(t_.expected_events.empty()) << "transcript without expected events";
  }

  void expect_exact(const replay_result& r, const std::string& how) {
    EXPECT_EQ(r.events, t_.expected_events) << GetParam() << " replayed " << how;
    EXPECT_EQ(r.client_bytes, expected_client_bytes(t_)) << GetParam() << " replayed " << how;
    EXPECT_EQ(r.commands_submitted, t_.commands.size()) << GetParam() << " replayed " << how;
  }

  transcript t_;
};

// The smallest configuration validate() accepts for these transcripts.
engine_config tiny_config() {
  engine_config c;
  c.max_line_length = 128;
  c.max_listing_line_length = 128;
  c.max_sasl_line_length = 128;
  c.receive_buffer_size = 128;
  c.output_buffer_size = 255;
  c.max_in_flight = 8;
  c.max_messages = 100;
  return c;
}

TEST_P(transcript_test, whole) {
  expect_exact(replay(t_, {}), "in one piece");
}

TEST_P(transcript_test, one_byte_at_a_time) {
  expect_exact(replay(t_, {1}), "byte by byte");
}

TEST_P(transcript_test, split_at_every_offset) {
  for (std::size_t offset = 0; offset <= t_.server_bytes.size(); ++offset) {
    expect_exact(replay_split_at(t_, offset), "split at " + std::to_string(offset));
    if (HasFailure()) return;  // one failing offset is enough to read
  }
}

TEST_P(transcript_test, odd_piece_sizes) {
  for (std::size_t size : {2u, 3u, 5u, 7u, 64u}) {
    expect_exact(replay(t_, {size}), "in pieces of " + std::to_string(size));
    if (HasFailure()) return;
  }
}

TEST_P(transcript_test, smallest_buffers) {
  expect_exact(replay(t_, {}, tiny_config()), "with small buffers");
  expect_exact(replay(t_, {1}, tiny_config()), "with small buffers byte by byte");
}

INSTANTIATE_TEST_SUITE_P(sessions, transcript_test, ::testing::ValuesIn(transcript_names()),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace pop3::test
