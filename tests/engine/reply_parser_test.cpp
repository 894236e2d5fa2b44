#include "reply_parser.hpp"

#include <gtest/gtest.h>

#include <string>

#include "event_text.hpp"

namespace pop3::detail {
namespace {

using test::escape;

TEST(reply_parser, status_indicators_exact) {
  auto ok = parse_status_line("+OK fine", false);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->indicator, status_indicator::ok);
  EXPECT_EQ(ok->text, "fine");
  auto bare_ok = parse_status_line("+OK", false);
  ASSERT_TRUE(bare_ok);
  EXPECT_EQ(bare_ok->text, "");
  auto err = parse_status_line("-ERR no", false);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->indicator, status_indicator::err);
  EXPECT_EQ(err->text, "no");
  auto bare_err = parse_status_line("-ERR", false);
  ASSERT_TRUE(bare_err);
  EXPECT_EQ(bare_err->indicator, status_indicator::err);
}

// security-cases.md 12 and 44: only "+OK"/"-ERR" followed by SP or the end of the line.
TEST(reply_parser, status_indicator_strictness) {
  for (std::string_view line : std::initializer_list<std::string_view>{
           "+ok", "+Ok", "+OKAY", "+OKfoo", "-err", "-ERRx", "-Err no", "+", "+ challenge",
           "+Do you even care?", "+Okay, do your thing.", "", " +OK", "OK", "*", "+OK\t",
           std::string_view("+OK\0", 4)}) {
    auto r = parse_status_line(line, false);
    ASSERT_FALSE(r) << escape(line);
    EXPECT_EQ(r.error().code, errc::bad_status_indicator) << escape(line);
  }
}

TEST(reply_parser, continuation_only_when_allowed) {
  auto c = parse_status_line("+ dGVzdA==", true);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->indicator, status_indicator::continuation);
  EXPECT_EQ(c->text, "dGVzdA==");
  auto empty = parse_status_line("+", true);
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->indicator, status_indicator::continuation);
  EXPECT_EQ(empty->text, "");
  // "+OK" is still +OK during AUTH, and "+x" is nothing.
  EXPECT_EQ(parse_status_line("+OK done", true)->indicator, status_indicator::ok);
  EXPECT_EQ(parse_status_line("+x", true).error().code, errc::bad_status_indicator);
}

TEST(reply_parser, response_codes) {
  struct row {
    std::string_view line;
    resp_code code;
    std::string_view code_text;
    std::string_view text;
  };
  for (const row& r : {
           row{"-ERR [AUTH] Authentication failed.", resp_code::auth, "AUTH",
               "Authentication failed."},
           row{"-ERR [SYS/TEMP] later", resp_code::sys_temp, "SYS/TEMP", "later"},
           row{"-ERR [SYS/PERM] never", resp_code::sys_perm, "SYS/PERM", "never"},
           row{"-ERR [IN-USE] locked", resp_code::in_use, "IN-USE", "locked"},
           row{"-ERR [LOGIN-DELAY] wait", resp_code::login_delay, "LOGIN-DELAY", "wait"},
           row{"-ERR [UTF8] utf8 needed", resp_code::utf8, "UTF8", "utf8 needed"},
           row{"-ERR [in-use] lower case", resp_code::in_use, "in-use", "lower case"},
           row{"-ERR [X/Y/Z] other", resp_code::other, "X/Y/Z", "other"},
           // RFC 2449 §8: detail below a known code is ignored; the text keeps it.
           row{"-ERR [SYS/TEMP/QUOTA] later", resp_code::sys_temp, "SYS/TEMP/QUOTA", "later"},
           row{"-ERR [IN-USE/LOCKED] busy", resp_code::in_use, "IN-USE/LOCKED", "busy"},
           row{"-ERR [auth/expired] x", resp_code::auth, "auth/expired", "x"},
           row{"-ERR [SYS] x", resp_code::other, "SYS", "x"},
           row{"-ERR [SYS/TEMPORARY] x", resp_code::other, "SYS/TEMPORARY", "x"},
           row{"-ERR [AUTHX] x", resp_code::other, "AUTHX", "x"},
           row{"-ERR [IN-USER/X] x", resp_code::other, "IN-USER/X", "x"},
           row{"+OK [AUTH]", resp_code::auth, "AUTH", ""},
           row{"-ERR [AUTH]no space", resp_code::auth, "AUTH", "no space"},
           row{"-ERR [unterminated", resp_code::none, "", "[unterminated"},
           row{"-ERR [two words] x", resp_code::none, "", "[two words] x"},
           row{"-ERR [] empty", resp_code::none, "", "[] empty"},
           row{"-ERR [A//B] x", resp_code::none, "", "[A//B] x"},
           row{"-ERR text [AUTH]", resp_code::none, "", "text [AUTH]"},
       }) {
    auto p = parse_status_line(r.line, false);
    ASSERT_TRUE(p) << r.line;
    EXPECT_EQ(p->code, r.code) << r.line;
    EXPECT_EQ(p->code_text, r.code_text) << r.line;
    EXPECT_EQ(p->text, r.text) << r.line;
  }
}

TEST(reply_parser, numbers) {
  EXPECT_EQ(parse_number("0", 10).value(), 0u);
  EXPECT_EQ(parse_number("0010", 10).value(), 10u);
  EXPECT_EQ(parse_number("18446744073709551615", UINT64_MAX).value(), UINT64_MAX);
  EXPECT_EQ(parse_number("18446744073709551616", UINT64_MAX).error().code, errc::number_overflow);
  EXPECT_EQ(parse_number("11", 10).error().code, errc::number_overflow);
  // A maximum below 9: the digit alone is over it (max - digit must not wrap around).
  EXPECT_EQ(parse_number("7", 5).error().code, errc::number_overflow);
  EXPECT_EQ(parse_number("5", 5).value(), 5u);
  EXPECT_EQ(parse_number("1", 0).error().code, errc::number_overflow);
  EXPECT_EQ(parse_number("0", 0).value(), 0u);
  for (std::string_view bad : {"", "-1", "+3", "0x10", "1 ", " 1", "1a", "\xd9\xa3"})
    EXPECT_EQ(parse_number(bad, UINT64_MAX).error().code, errc::malformed_reply) << bad;
}

// security-cases.md 39.
TEST(reply_parser, stat_fields) {
  auto s = parse_stat("2 320", 1000);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->count, 2u);
  EXPECT_EQ(s->octets, 320u);
  EXPECT_EQ(parse_stat("2 320 extra words", 1000)->octets, 320u);
  EXPECT_EQ(parse_stat("0 0", 1000)->count, 0u);
  struct bad {
    std::string_view text;
    errc code;
  };
  for (const bad& b :
       {bad{"-1 0", errc::malformed_reply}, bad{"+3 0", errc::malformed_reply},
        bad{"0x10 0", errc::malformed_reply}, bad{"", errc::malformed_reply},
        bad{"3", errc::malformed_reply}, bad{"3 -5", errc::malformed_reply},
        bad{"3  5", errc::malformed_reply}, bad{"18446744073709551616 1", errc::number_overflow},
        bad{"2147483648 5", errc::number_overflow}, bad{"1001 5", errc::number_overflow},
        bad{"3 99999999999999999999", errc::number_overflow}})
    EXPECT_EQ(parse_stat(b.text, 1000).error().code, b.code) << b.text;
}

TEST(reply_parser, list_lines) {
  auto l = parse_list_line("2 1000 whatever", 5);
  ASSERT_TRUE(l);
  EXPECT_EQ(l->message, 2u);
  EXPECT_EQ(l->octets, 1000u);
  EXPECT_EQ(parse_list_line("0 10", 5).error().code, errc::message_number_out_of_range);
  EXPECT_EQ(parse_list_line("6 10", 5).error().code, errc::message_number_out_of_range);
  EXPECT_EQ(parse_list_line("99999999999 10", 5).error().code, errc::message_number_out_of_range);
  EXPECT_EQ(parse_list_line("-1 10", 5).error().code, errc::malformed_reply);
  EXPECT_EQ(parse_list_line("1 -10", 5).error().code, errc::malformed_reply);
  EXPECT_EQ(parse_list_line("1", 5).error().code, errc::malformed_reply);
  EXPECT_EQ(parse_list_line("1 99999999999999999999", 5).error().code, errc::number_overflow);
}

// security-cases.md 42.
TEST(reply_parser, uidl_lines) {
  auto u = parse_uidl_line("1 whqtswO00WBw418f9t5JxYwZ", 5, 70);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->message, 1u);
  EXPECT_EQ(u->uid, "whqtswO00WBw418f9t5JxYwZ");
  EXPECT_TRUE(parse_uidl_line("1 " + std::string(70, 'x'), 5, 70));
  for (const std::string& bad :
       {"1 " + std::string(71, 'x'), "1 " + std::string(1 << 20, 'x'), std::string("1"),
        std::string("1 "), std::string("1 a b"), std::string("1 a\x1b"), std::string("1 \x7f"),
        std::string("1 caf\xc3\xa9"), std::string("1 a\0b", 5), std::string("1 a\tb")})
    EXPECT_EQ(parse_uidl_line(bad, 5, 70).error().code, errc::invalid_uid)
        << escape(bad.substr(0, 80));
  EXPECT_EQ(parse_uidl_line("0 abc", 5, 70).error().code, errc::message_number_out_of_range);
  EXPECT_EQ(parse_uidl_line("x abc", 5, 70).error().code, errc::malformed_reply);
}

TEST(reply_parser, split_first_word) {
  std::string_view word, rest;
  split_first_word("SASL PLAIN LOGIN", word, rest);
  EXPECT_EQ(word, "SASL");
  EXPECT_EQ(rest, "PLAIN LOGIN");
  split_first_word("TOP", word, rest);
  EXPECT_EQ(word, "TOP");
  EXPECT_EQ(rest, "");
}

}  // namespace
}  // namespace pop3::detail
