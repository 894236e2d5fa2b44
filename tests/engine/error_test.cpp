#include "pop3/error.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "pop3/result.hpp"

namespace pop3 {
namespace {

TEST(error, category_and_std_error_code) {
  const std::error_code ec = errc::connection_closed;  // is_error_code_enum
  EXPECT_STREQ(ec.category().name(), "pop3");
  EXPECT_EQ(ec.message(), "the server closed the connection");
  EXPECT_EQ(ec, make_error_code(errc::connection_closed));
  EXPECT_NE(ec, make_error_code(errc::timeout));
}

TEST(error, every_code_has_a_distinct_name_and_description) {
  std::set<std::string_view> names, descriptions;
  int known = 0;
  for (int v = 0; v < 400; ++v) {
    const auto code = static_cast<errc>(v);
    if (name(code) == "unknown") continue;
    ++known;
    names.insert(name(code));
    descriptions.insert(describe(code));
  }
  EXPECT_EQ(known, 35);  // every enumerator of error.hpp
  EXPECT_EQ(names.size(), 35u);
  EXPECT_EQ(descriptions.size(), 35u);
  EXPECT_EQ(describe(static_cast<errc>(999)), "unknown error");
}

TEST(error, fatal_classification) {
  for (errc code : {errc::invalid_argument, errc::command_not_allowed, errc::no_such_message,
                    errc::server_error, errc::sink_failed})
    EXPECT_FALSE(is_fatal(code)) << name(code);
  for (errc code : {errc::bad_status_indicator, errc::line_too_long, errc::connection_closed,
                    errc::timeout, errc::deadline_exceeded, errc::io_error, errc::host_not_found})
    EXPECT_TRUE(is_fatal(code)) << name(code);
  EXPECT_TRUE(error(errc::timeout).fatal());
}

TEST(error, response_code_helpers) {
  EXPECT_TRUE(is_temporary(resp_code::sys_temp));
  EXPECT_TRUE(is_temporary(resp_code::in_use));
  EXPECT_TRUE(is_temporary(resp_code::login_delay));
  EXPECT_FALSE(is_temporary(resp_code::auth));
  EXPECT_FALSE(is_temporary(resp_code::sys_perm));
  EXPECT_EQ(to_string(resp_code::login_delay), "LOGIN-DELAY");
  EXPECT_EQ(to_string(session_state::tls_handshake), "tls_handshake");
  EXPECT_EQ(keyword(command_kind::retr), "RETR");
  EXPECT_EQ(keyword(command_kind::greeting), "greeting");
}

TEST(result, value_and_error_alternatives) {
  result<int> ok = 42;
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, 42);
  result<int> bad = unexpected(errc::timeout, command_kind::stat);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, errc::timeout);
  EXPECT_EQ(bad.error().command, command_kind::stat);
  EXPECT_EQ(bad.value_or(7), 7);
  result<std::string> moved = std::string("text");
  result<std::string> copy = moved;
  EXPECT_EQ(*copy, "text");
  copy = unexpected(errc::io_error);
  EXPECT_FALSE(copy);
  copy = moved;
  EXPECT_EQ(*copy, "text");
  result<void> fine;
  EXPECT_TRUE(fine);
  result<void> failed = unexpected(errc::server_error);
  EXPECT_EQ(failed.error(), errc::server_error);
}

TEST(result, try_macro_propagates) {
  auto inner = [](bool fail) -> result<int> {
    if (fail) return unexpected(errc::line_too_long);
    return 1;
  };
  auto outer = [&](bool fail) -> result<void> {
    POP3_TRY(inner(fail));
    return {};
  };
  EXPECT_TRUE(outer(false));
  EXPECT_EQ(outer(true).error().code, errc::line_too_long);
}

TEST(result, bad_access_aborts) {
  result<int> bad = unexpected(errc::timeout);
  EXPECT_DEATH((void)bad.value(), "");
  result<int> ok = 1;
  EXPECT_DEATH((void)ok.error(), "");
}

}  // namespace
}  // namespace pop3
