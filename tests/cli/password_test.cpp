#include "password.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace pop3::cli {
namespace {

struct env_guard {
  explicit env_guard(const char* value) {
    if (value)
      ::setenv("POP3_PASSWORD", value, 1);
    else
      ::unsetenv("POP3_PASSWORD");
  }
  ~env_guard() { ::unsetenv("POP3_PASSWORD"); }
};

TEST(password, from_environment) {
  env_guard env("s3cret with spaces");
  std::string why;
  EXPECT_EQ(read_password({}, why).value(), "s3cret with spaces");
}

TEST(password, from_file_first_line_only) {
  env_guard env("ignored");
  const auto path = std::filesystem::temp_directory_path() / "pop3-password-test";
  std::ofstream(path) << "file password\r\nsecond line\n";
  std::string why;
  EXPECT_EQ(read_password({path.string(), std::nullopt}, why).value(), "file password");
  std::filesystem::remove(path);
  auto missing = read_password({path.string(), std::nullopt}, why);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, errc::io_error);
  EXPECT_EQ(why, "cannot read password file " + path.string() + ": No such file or directory");
}

TEST(password, from_command) {
  env_guard env(nullptr);
  std::string why;
  EXPECT_EQ(read_password({std::nullopt, "printf 'cmd pass\\nmore\\n'"}, why).value(), "cmd pass");
  auto failing = read_password({std::nullopt, "echo leaked-secret; exit 3"}, why);
  ASSERT_FALSE(failing);
  EXPECT_EQ(failing.error().code, errc::io_error);
  EXPECT_EQ(why, "the password command failed (exit status 3)");  // no output in the message
}

TEST(password, none_or_both) {
  env_guard env(nullptr);
  std::string why;
  EXPECT_EQ(read_password({}, why).error().code, errc::invalid_argument);
  EXPECT_EQ(why, "no password: set POP3_PASSWORD, or use --password-file or --password-command");
  EXPECT_EQ(read_password({"f", "c"}, why).error().code, errc::invalid_argument);
}

}  // namespace
}  // namespace pop3::cli
