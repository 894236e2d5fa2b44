// state_file_stem(): one safe, visible file name per account name, never two names on one.
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "state/uid_store.hpp"

namespace pop3::agent {
namespace {

using namespace std::string_literals;

bool is_safe(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '@' || c == '+' || c == '-';
}

// The inverse of the documented encoding, written independently of it: if every stem decodes
// back to its name, no two names can share a stem.
std::string decode(std::string_view stem) {
  if (stem == "%") return "";
  std::string out;
  for (std::size_t i = 0; i < stem.size(); ++i) {
    if (stem[i] != '%') {
      out += stem[i];
      continue;
    }
    EXPECT_LE(i + 3, stem.size()) << stem;
    out += static_cast<char>(std::stoi(std::string(stem.substr(i + 1, 2)), nullptr, 16));
    i += 2;
  }
  return out;
}

// What every stem must be: a plain file name in the current directory.
void expect_safe_file_name(const std::string& stem) {
  EXPECT_FALSE(stem.empty());
  EXPECT_NE(stem, ".");
  EXPECT_NE(stem, "..");
  EXPECT_NE(stem.front(), '.') << stem;
  for (char c : stem)
    EXPECT_TRUE(is_safe(c) || c == '%') << stem;
}

TEST(state_file_stem, documented_examples) {
  EXPECT_EQ(state_file_stem("work"), "work");
  EXPECT_EQ(state_file_stem("a/b"), "a%2Fb");
  EXPECT_EQ(state_file_stem("a%2Fb"), "a%252Fb");
  EXPECT_EQ(state_file_stem("\xC3\xA9"), "%C3%A9");
  EXPECT_EQ(state_file_stem("alice@example.org+pop-3_x"), "alice@example.org+pop-3_x");
  EXPECT_EQ(state_file_stem("a b"), "a%20b");
  EXPECT_EQ(state_file_stem("a\0b"s), "a%00b");
  EXPECT_EQ(state_file_stem("\x7F\x80\xFF"), "%7F%80%FF");
}

TEST(state_file_stem, dot_names_and_the_empty_name_map_to_safe_names) {
  EXPECT_EQ(state_file_stem(""), "%");
  EXPECT_EQ(state_file_stem("."), "%2E");
  EXPECT_EQ(state_file_stem(".."), "%2E.");
  EXPECT_EQ(state_file_stem("..."), "%2E..");
  EXPECT_EQ(state_file_stem(".hidden"), "%2Ehidden");
  EXPECT_EQ(state_file_stem("a.b."), "a.b.");
}

TEST(state_file_stem, every_single_byte_is_itself_if_safe_and_encoded_otherwise) {
  constexpr std::string_view hex = "0123456789ABCDEF";
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    const std::string expected = is_safe(c) && c != '.'
                                     ? std::string(1, c)
                                     : std::string{'%', hex[static_cast<unsigned>(b) >> 4],
                                                   hex[static_cast<unsigned>(b) & 0xF]};
    EXPECT_EQ(state_file_stem(std::string(1, c)), expected) << "byte " << b;
  }
}

TEST(state_file_stem, distinct_names_give_distinct_safe_stems) {
  std::vector<std::string> names = {
      "",     "%",    "%%",    "%2",      "%2E", ".",     "..",   "...",  ".a",
      "%2Ea", "a/b",  "a%2Fb", "a%252Fb", "A/B", "a%2fb", "work", "Work", "w\xC3\xA9",
      "/",    "../x", "a\0"s,  "\0"s,     "%00", "a b",   "a+b",  "a%20b"};
  // Every name of one and two bytes, too.
  for (int a = 0; a < 256; ++a) {
    names.emplace_back(1, static_cast<char>(a));
    for (int b = 0; b < 256; ++b)
      names.push_back({static_cast<char>(a), static_cast<char>(b)});
  }
  std::set<std::string> unique_names(names.begin(), names.end());
  std::set<std::string> stems;
  for (const std::string& name : unique_names) {
    const std::string stem = state_file_stem(name);
    expect_safe_file_name(stem);
    EXPECT_EQ(decode(stem), name) << stem;
    stems.insert(stem);
  }
  EXPECT_EQ(stems.size(), unique_names.size());
}

}  // namespace
}  // namespace pop3::agent
