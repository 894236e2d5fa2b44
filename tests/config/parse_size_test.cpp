// parse_size(): the accepted forms and everything refused (docs/pop3-config.5, max_size).
#include <cstdint>
#include <optional>
#include <string_view>

#include <gtest/gtest.h>

#include "config/config.hpp"

namespace pop3::agent {
namespace {

struct size_case {
  std::string_view text;
  std::optional<std::uint64_t> expected;
};

class parse_size_vectors : public ::testing::TestWithParam<size_case> {};

TEST_P(parse_size_vectors, gives_the_exact_size_or_nothing) {
  EXPECT_EQ(parse_size(GetParam().text), GetParam().expected) << GetParam().text;
}

constexpr std::uint64_t max_int64 = 9223372036854775807ULL;

INSTANTIATE_TEST_SUITE_P(
    sizes, parse_size_vectors,
    ::testing::Values(
        // accepted
        size_case{"0", 0}, size_case{"1", 1}, size_case{"1000", 1000}, size_case{"2K", 2048},
        size_case{"2k", 2048}, size_case{"25M", 25ULL << 20}, size_case{"5m", 5ULL << 20},
        size_case{"1G", 1ULL << 30}, size_case{"3g", 3ULL << 30}, size_case{"0M", 0},
        size_case{"007", 7}, size_case{"9223372036854775807", max_int64},
        size_case{"8589934591G", 8589934591ULL << 30},
        // too large for an off_t
        size_case{"9223372036854775808", std::nullopt},
        size_case{"18446744073709551616", std::nullopt},
        size_case{"99999999999999999999999", std::nullopt}, size_case{"8589934592G", std::nullopt},
        size_case{"9007199254740992K", std::nullopt},
        // malformed
        size_case{"", std::nullopt}, size_case{"K", std::nullopt}, size_case{" 5M", std::nullopt},
        size_case{"5M ", std::nullopt}, size_case{"5 M", std::nullopt},
        size_case{"5MB", std::nullopt}, size_case{"5T", std::nullopt},
        size_case{"5KK", std::nullopt}, size_case{"-5", std::nullopt},
        size_case{"+5", std::nullopt}, size_case{"1.5M", std::nullopt},
        size_case{"0x10", std::nullopt}, size_case{"1_000", std::nullopt}));

}  // namespace
}  // namespace pop3::agent
