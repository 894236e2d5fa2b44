#include "password.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdlib>

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

TEST(password, an_empty_one_is_refused) {
  env_guard env("");
  std::string why;
  EXPECT_EQ(read_password({}, why).error().code, errc::invalid_argument);
  EXPECT_EQ(why,
            "no password: POP3_PASSWORD is empty; set it, or use --password-file or "
            "--password-command");
  EXPECT_EQ(read_password({std::nullopt, "true"}, why).error().code, errc::io_error);
  EXPECT_EQ(why, "the password command printed an empty line");
}

TEST(password, file_name_with_a_tilde) {
  // --password-file=~/pw: the shell leaves "~" alone after "=".
  env_guard env(nullptr);
  const char* old_home = std::getenv("HOME");
  const std::string saved = old_home ? old_home : "";
  const auto home = std::filesystem::temp_directory_path() / "pop3-password-home-test";
  std::filesystem::create_directories(home);
  std::ofstream(home / "pw") << "from home\n";
  ::setenv("HOME", home.c_str(), 1);
  std::string why;
  auto secret = read_password({"~/pw", std::nullopt}, why);
  if (old_home)
    ::setenv("HOME", saved.c_str(), 1);
  else
    ::unsetenv("HOME");
  std::filesystem::remove_all(home);
  ASSERT_TRUE(secret) << why;
  EXPECT_EQ(*secret, "from home");
}

}  // namespace
}  // namespace pop3::cli
