#include "report.hpp"

#include <gtest/gtest.h>

namespace pop3::cli {
namespace {

TEST(report, exit_codes_follow_sysexits) {
  EXPECT_EQ(exit_code_for(error(errc::host_not_found)), 68);
  EXPECT_EQ(exit_code_for(error(errc::connection_refused)), 69);
  EXPECT_EQ(exit_code_for(error(errc::timeout)), 75);
  EXPECT_EQ(exit_code_for(error(errc::deadline_exceeded)), 75);
  EXPECT_EQ(exit_code_for(error(errc::io_error)), 74);
  EXPECT_EQ(exit_code_for(error(errc::sink_failed)), 74);
  EXPECT_EQ(exit_code_for(error(errc::bad_status_indicator)), 76);
  EXPECT_EQ(exit_code_for(error(errc::connection_closed)), 76);
  EXPECT_EQ(exit_code_for(error(errc::line_too_long)), 76);
  EXPECT_EQ(exit_code_for(error(errc::no_such_message)), 65);
  EXPECT_EQ(exit_code_for(error(errc::invalid_argument)), 65);
  EXPECT_EQ(exit_code_for(error(errc::apop_unavailable)), 69);
  EXPECT_EQ(exit_code_for(error(errc::server_error, command_kind::pass, resp_code::auth)), 77);
  EXPECT_EQ(exit_code_for(error(errc::server_error, command_kind::pass)), 77);
  EXPECT_EQ(exit_code_for(error(errc::server_error, command_kind::apop)), 77);
  EXPECT_EQ(exit_code_for(error(errc::server_error, command_kind::pass, resp_code::in_use)), 75);
  EXPECT_EQ(exit_code_for(error(errc::server_error, command_kind::user, resp_code::login_delay)),
            75);
  EXPECT_EQ(exit_code_for(error(errc::server_error, command_kind::retr)), 69);
  EXPECT_EQ(exit_code_for(error(errc::server_error, command_kind::retr, resp_code::sys_temp)), 75);
  EXPECT_EQ(exit_code_for(error(errc::server_error, command_kind::greeting, resp_code::sys_perm)),
            69);
}

// security-cases.md 10 and 47: server text never reaches the terminal raw, and is bounded.
TEST(report, printable_escapes_and_bounds) {
  EXPECT_EQ(printable("plain text"), "plain text");
  EXPECT_EQ(printable("\x1b[31;1;4mPOP3\x1b[0m"), "\\x1B[31;1;4mPOP3\\x1B[0m");
  EXPECT_EQ(printable("a\r\nb\tc\x7f\xc3\xa9"), "a\\x0D\\x0Ab\\x09c\\x7F\\xC3\\xA9");
  EXPECT_EQ(printable(std::string_view("nul\0x", 5)), "nul\\x00x");
  EXPECT_EQ(printable("back\\slash"), "back\\\\slash");
  EXPECT_EQ(printable(std::string(1 << 20, 'x'), 10), "xxxxxxxxxx...");
}

TEST(report, failure_lines) {
  server_reply reply{false, command_kind::pass, "Authentication \x1b[2Jfailed.", resp_code::auth,
                     "AUTH"};
  EXPECT_EQ(failure_line("login failed",
                         error(errc::server_error, command_kind::pass, resp_code::auth), reply),
            "pop3: login failed: the server answered -ERR [AUTH] \"Authentication "
            "\\x1B[2Jfailed.\"");
  EXPECT_EQ(failure_line("cannot connect to h port 1", error(errc::connection_refused), {}),
            "pop3: cannot connect to h port 1: connection refused");
  EXPECT_EQ(
      failure_line("retrieving message 1 failed",
                   error(errc::io_error, command_kind::retr, resp_code::none, ECONNRESET), {}),
      "pop3: retrieving message 1 failed: input/output error (Connection reset by peer)");
}

}  // namespace
}  // namespace pop3::cli
