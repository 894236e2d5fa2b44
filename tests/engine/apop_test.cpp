#include "pop3/apop.hpp"

#include <gtest/gtest.h>

#include <string>

#include "engine_fixture.hpp"

namespace pop3::test {
namespace {

TEST(apop, rfc1939_digest_vector) {
  const auto d = apop_digest("<1896.697170952@dbc.mtview.ca.us>", "tanstaaf");
  EXPECT_EQ(std::string(d.data(), d.size()), "c4c9334bac560ecc979e58001b3e22fb");
}

TEST(apop, valid_timestamps) {
  for (std::string_view ts :
       {"<1896.697170952@dbc.mtview.ca.us>", "<a@b>", "<12.1.6700.Zm9vYmFyYmF6cXV4==@host>",
        "<\"quoted.local\"@example.org>", "<x@[127.0.0.1]>", "<!#$%&'*+-/=?^_`{|}~@x>"})
    EXPECT_TRUE(is_valid_msg_id(ts)) << ts;
}

// security-cases.md case 27, plus structural near-misses.
TEST(apop, invalid_timestamps) {
  const std::string binary_block = "<" + std::string("\x01\x80\xff\x7f", 4) + "@x>";
  for (std::string_view ts : {"<>", "<no-at>", "<a b@c>", "<a@b", "a@b>", "<\xC3\xA9@x>",
                              "<a\x01@b>", "<@b>", "<a@>", "<a..b@c>", "<.a@c>", "<a.@c>",
                              "<a@b..c>", "<a@[b]c>", "<\"unterminated@x>", "<a@b@c>", "<a@b\t>"})
    EXPECT_FALSE(is_valid_msg_id(ts)) << escape(ts);
  EXPECT_FALSE(is_valid_msg_id(binary_block));
  std::string collision_like(128, '\0');
  for (std::size_t i = 0; i < collision_like.size(); ++i)
    collision_like[i] = static_cast<char>(i * 37 + 11);
  EXPECT_FALSE(is_valid_msg_id("<" + collision_like + "@x>"));
}

TEST(apop, timestamp_is_first_angle_bracket_pair_of_the_greeting) {
  EXPECT_EQ(find_apop_timestamp("POP3 server ready <1896.697170952@dbc.mtview.ca.us>"),
            "<1896.697170952@dbc.mtview.ca.us>");
  EXPECT_EQ(find_apop_timestamp("ready <a@b> and <c@d>"), "<a@b>");
  EXPECT_EQ(find_apop_timestamp("ready <not valid> <a@b>"), "");  // first pair decides
  EXPECT_EQ(find_apop_timestamp("no timestamp"), "");
  EXPECT_EQ(find_apop_timestamp("dangling <a@b"), "");
}

TEST(apop, engine_uses_timestamp_and_never_sends_password) {
  engine_fixture f;
  EXPECT_EQ(f.feed("+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n"),
            (lines{"greeting \"POP3 server ready <1896.697170952@dbc.mtview.ca.us>\" "
                   "apop=<1896.697170952@dbc.mtview.ca.us>"}));
  EXPECT_EQ(f.eng().apop_timestamp(), "<1896.697170952@dbc.mtview.ca.us>");
  EXPECT_EQ(f.send(cmd::apop("mrose", "tanstaaf")),
            "APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n");
}

TEST(apop, greeting_without_valid_timestamp_makes_apop_unavailable) {
  for (std::string_view greeting : {"+OK ready\r\n", "+OK ready <no-at>\r\n",
                                    "+OK ready <\xC3\xA9@x>\r\n", "+OK ready <a b@c>\r\n"}) {
    engine_fixture f;
    f.feed(greeting);
    EXPECT_EQ(f.eng().apop_timestamp(), "");
    auto r = f.submit(cmd::apop("mrose", "tanstaaf"));
    ASSERT_FALSE(r) << escape(greeting);
    EXPECT_EQ(r.error().code, errc::apop_unavailable);
    EXPECT_EQ(f.eng().pending_output().size(), 0u);
  }
}

TEST(apop, err_greeting_timestamp_is_ignored_and_session_closes) {
  engine_fixture f;
  EXPECT_EQ(f.feed("-ERR go away <1896.697170952@dbc.mtview.ca.us>\r\n"),
            (lines{"err greeting \"go away <1896.697170952@dbc.mtview.ca.us>\""}));
  EXPECT_EQ(f.eng().apop_timestamp(), "");
  EXPECT_EQ(f.eng().state(), session_state::closed);
  EXPECT_EQ(f.submit(cmd::apop("mrose", "x")).error().code, errc::command_not_allowed);
}

}  // namespace
}  // namespace pop3::test
