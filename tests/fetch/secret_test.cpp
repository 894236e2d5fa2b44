// read_secret(): every source of a password, and that no failure shows the secret.
#include "fetch/secret.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace pop3::agent {
namespace {

TEST(secret, value_file_command_and_named_environment_variable) {
  std::string why;
  password_setting value;
  value.value = "inline s3cret";
  EXPECT_EQ(read_secret(value, why).value(), "inline s3cret");

  const auto path = std::filesystem::temp_directory_path() / "pop3-secret-test";
  std::ofstream(path) << "from file\r\nsecond\n";
  password_setting file;
  file.file = path;
  EXPECT_EQ(read_secret(file, why).value(), "from file");
  std::filesystem::remove(path);

  password_setting command;
  command.command = "printf 'token\\nrest'";
  EXPECT_EQ(read_secret(command, why).value(), "token");

  password_setting environment;
  environment.environment = "POP3_SECRET_TEST_VARIABLE";
  ::setenv("POP3_SECRET_TEST_VARIABLE", "from env", 1);
  EXPECT_EQ(read_secret(environment, why).value(), "from env");
  ::unsetenv("POP3_SECRET_TEST_VARIABLE");
  auto unset = read_secret(environment, why);
  ASSERT_FALSE(unset);
  EXPECT_EQ(unset.error().code, errc::invalid_argument);
  EXPECT_EQ(why, "no password: POP3_SECRET_TEST_VARIABLE is not set");
}

TEST(secret, an_empty_secret_is_refused_from_every_source) {
  std::string why;
  password_setting value;
  value.value = "";
  auto r = read_secret(value, why);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::io_error);
  EXPECT_EQ(why, "the password is empty");

  const auto path = std::filesystem::temp_directory_path() / "pop3-secret-empty-test";
  for (const char* content : {"", "\n", "\r\nsecond line\n"}) {
    std::ofstream(path) << content;
    password_setting file;
    file.file = path;
    r = read_secret(file, why);
    ASSERT_FALSE(r) << content;
    EXPECT_EQ(r.error().code, errc::io_error);
    EXPECT_EQ(why,
              "the password file " + path.string() + " is empty (the password is its first line)");
  }
  std::filesystem::remove(path);

  password_setting command;
  command.command = "printf '\\r\\nsecond line'";
  r = read_secret(command, why);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::io_error);
  EXPECT_EQ(why, "the password command printed an empty line");

  password_setting environment;
  environment.environment = "POP3_SECRET_TEST_VARIABLE";
  ::setenv("POP3_SECRET_TEST_VARIABLE", "", 1);
  r = read_secret(environment, why);
  ::unsetenv("POP3_SECRET_TEST_VARIABLE");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::invalid_argument);
  EXPECT_EQ(why, "no password: POP3_SECRET_TEST_VARIABLE is empty");
}

TEST(secret, two_sources_are_refused_without_showing_either) {
  password_setting both;
  both.value = "hunter2";
  both.command = "echo other";
  std::string why;
  auto r = read_secret(both, why);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::invalid_argument);
  EXPECT_EQ(why,
            "more than one password source: give one of password, password_file, "
            "password_command");
}

TEST(secret, a_failing_command_is_reported_without_its_output) {
  password_setting command;
  command.command = "echo leaked-secret; kill -9 $$";
  std::string why;
  auto r = read_secret(command, why);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::io_error);
  EXPECT_EQ(why, "the password command failed (killed by signal 9)");
}

}  // namespace
}  // namespace pop3::agent
