// The streaming mboxrd quoting on its own, into memory: every three-way split of a sample,
// and lines of a million '>' that must not be held in memory.
#include <string>

#include <gtest/gtest.h>

#include "delivery/mboxrd_quoting.hpp"
#include "delivery_test_support.hpp"

namespace pop3::agent {
namespace {

std::string quote(const std::vector<std::string_view>& chunks) {
  string_sink out;
  detail::mboxrd_quoting_sink quoting(out);
  for (const auto chunk : chunks)
    EXPECT_TRUE(quoting.write(chunk));
  EXPECT_TRUE(quoting.finish());
  EXPECT_TRUE(out.finished());
  return out.data();
}

TEST(mboxrd_quoting, QuotesTheSameAtEveryThreeWaySplit) {
  constexpr std::string_view in = "From a\n>From b\n>>Fro\nFrom\n>\n>From\nx From \nFrom ";
  constexpr std::string_view out = ">From a\n>>From b\n>>Fro\nFrom\n>\n>From\nx From \n>From ";
  ASSERT_EQ(quote({in}), out);
  for (std::size_t first = 0; first <= in.size(); ++first) {
    for (std::size_t second = first; second <= in.size(); ++second) {
      ASSERT_EQ(quote({in.substr(0, first), in.substr(first, second - first), in.substr(second)}),
                out)
          << "split at " << first << " and " << second;
    }
  }
}

TEST(mboxrd_quoting, PassesOnAnUndecidedLineStartAtTheEnd) {
  EXPECT_EQ(quote({"x\n>>", "Fro"}), "x\n>>Fro");
  EXPECT_EQ(quote({">"}), ">");
  EXPECT_EQ(quote({""}), "");
  EXPECT_EQ(quote({}), "");
}

TEST(mboxrd_quoting, HandlesAMillionGreaterThanSignsOneAtATime) {
  const std::string run(1'000'000, '>');
  const std::string quoted_line = run + "From x\n";
  const std::string plain_line = run + "x\n";
  const std::string in = quoted_line + plain_line;
  EXPECT_EQ(quote(testing::split_every(in, 1)), ">" + quoted_line + plain_line);
  EXPECT_EQ(quote(testing::split_every(in, 4096)), ">" + quoted_line + plain_line);
}

TEST(mboxrd_quoting, PassesAnErrorOfTheNextSinkOn) {
  int calls = 0;
  callback_sink failing([&](std::string_view) -> result<void> {
    ++calls;
    return unexpected(error(errc::sink_failed, command_kind::none, resp_code::none, 28));
  });
  detail::mboxrd_quoting_sink quoting(failing);
  auto written = quoting.write("text\nFrom x\n");
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().system_error, 28);
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace pop3::agent
