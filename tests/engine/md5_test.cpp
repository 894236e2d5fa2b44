#include "md5.hpp"

#include <gtest/gtest.h>

#include <string>

namespace pop3::detail {
namespace {

std::string hex(const md5::digest& d) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (auto b : d) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

std::string md5_of(std::string_view s) {
  md5 h;
  h.update(s);
  return hex(h.finish());
}

// The test suite of RFC 1321 appendix A.5.
TEST(md5, rfc1321_test_suite) {
  EXPECT_EQ(md5_of(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(md5_of("a"), "0cc175b9c0f1b6a831c399e269772661");
  EXPECT_EQ(md5_of("abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(md5_of("message digest"), "f96b697d7cb7938d525a2f31aaf161d0");
  EXPECT_EQ(md5_of("abcdefghijklmnopqrstuvwxyz"), "c3fcd3d76192e4007dfb496cca67e13b");
  EXPECT_EQ(md5_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"),
            "d174ab98d277d9f5a5611c2c9f419d9f");
  EXPECT_EQ(md5_of("1234567890123456789012345678901234567890123456789012345678901234567890"
                   "1234567890"),
            "57edf4a22be3c955ac49da2e2107b67a");
}

TEST(md5, incremental_updates_equal_one_update_at_every_split) {
  const std::string text(200, 'x');
  const std::string whole = md5_of(text);
  for (std::size_t split = 0; split <= text.size(); ++split) {
    md5 h;
    h.update(std::string_view(text).substr(0, split));
    h.update(std::string_view(text).substr(split));
    ASSERT_EQ(hex(h.finish()), whole) << "split at " << split;
  }
}

}  // namespace
}  // namespace pop3::detail
