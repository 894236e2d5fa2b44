#include "pop3/capabilities.hpp"

#include <gtest/gtest.h>

#include <string>

namespace pop3 {
namespace {

TEST(capabilities, rfc2449_tags_and_arguments) {
  capabilities c;
  EXPECT_FALSE(c.known());
  for (auto [name, args] : std::initializer_list<std::pair<const char*, const char*>>{
           {"TOP", ""},
           {"uidl", ""},
           {"USER", ""},
           {"PIPELINING", ""},
           {"RESP-CODES", ""},
           {"AUTH-RESP-CODE", ""},
           {"STLS", ""},
           {"SASL", "PLAIN LOGIN SCRAM-SHA-256"},
           {"EXPIRE", "30 USER"},
           {"LOGIN-DELAY", "900"},
           {"IMPLEMENTATION", "Dovecot"},
           {"UTF8", "USER"},
           {"LANG", ""},
           {"X-FUTURE", "whatever"}})
    EXPECT_TRUE(c.apply(name, args)) << name;
  c.mark_known();
  EXPECT_TRUE(c.known());
  EXPECT_TRUE(c.top && c.uidl && c.user && c.pipelining && c.resp_codes && c.auth_resp_code &&
              c.stls && c.utf8 && c.utf8_user && c.lang);
  EXPECT_EQ(c.expire_days, 30u);
  EXPECT_FALSE(c.never_expires);
  EXPECT_EQ(c.login_delay_seconds, 900u);
  EXPECT_EQ(c.implementation(), "Dovecot");
  EXPECT_EQ(c.sasl_mechanisms(), "PLAIN LOGIN SCRAM-SHA-256");
  EXPECT_TRUE(c.has_sasl("login"));
  EXPECT_FALSE(c.has_sasl("SCRAM-SHA-1"));
  EXPECT_FALSE(c.has_sasl(""));
  c.clear();
  EXPECT_FALSE(c.known());
  EXPECT_FALSE(c.top);
  EXPECT_EQ(c.sasl_mechanisms(), "");
}

TEST(capabilities, odd_arguments) {
  capabilities c;
  EXPECT_TRUE(c.apply("EXPIRE", "NEVER"));
  EXPECT_TRUE(c.never_expires);
  EXPECT_FALSE(c.expire_days);
  EXPECT_TRUE(c.apply("EXPIRE", "soon"));
  EXPECT_FALSE(c.expire_days);
  EXPECT_TRUE(c.apply("LOGIN-DELAY", "99999999999"));  // overflow: not announced
  EXPECT_FALSE(c.login_delay_seconds);
  EXPECT_TRUE(c.apply("UTF8", ""));
  EXPECT_TRUE(c.utf8);
  EXPECT_FALSE(c.utf8_user);
  EXPECT_TRUE(c.apply("SASL", ""));
  EXPECT_FALSE(c.has_sasl("PLAIN"));
}

// Found by capa_fuzzer (fuzz/corpus/capa_fuzzer/regression-*): the engine hands a tag without
// arguments over as a view with no data pointer, and copying from it was undefined behaviour
// (memcpy from null), which the asan preset's UBSan reports.
TEST(capabilities, text_tags_without_arguments_clear_the_text) {
  capabilities c;
  ASSERT_TRUE(c.apply("SASL", "PLAIN"));
  ASSERT_TRUE(c.apply("IMPLEMENTATION", "x"));
  EXPECT_TRUE(c.apply("SASL", std::string_view{}));
  EXPECT_TRUE(c.apply("IMPLEMENTATION", std::string_view{}));
  EXPECT_EQ(c.sasl_mechanisms(), "");
  EXPECT_EQ(c.implementation(), "");
}

TEST(capabilities, texts_longer_than_storage_are_refused) {
  capabilities c;
  ASSERT_TRUE(c.apply("SASL", "PLAIN"));
  EXPECT_FALSE(c.apply("SASL", std::string(capabilities::max_text + 1, 'A')));
  EXPECT_EQ(c.sasl_mechanisms(), "PLAIN");  // unchanged
  EXPECT_TRUE(c.apply("IMPLEMENTATION", std::string(capabilities::max_text, 'x')));
  EXPECT_EQ(c.implementation().size(), capabilities::max_text);
}

}  // namespace
}  // namespace pop3
