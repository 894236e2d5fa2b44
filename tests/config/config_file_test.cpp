// load_config() on real files: the `password` rule judged on the file's real mode (chmod),
// relative paths resolved against the file's directory, unreadable and odd files.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "config/config.hpp"
#include "config_test_support.hpp"

namespace pop3::agent {
namespace {

using testing::temporary_directory;

const std::string with_password = R"([accounts.work]
host = "pop.example.org"
user = "alice"
password = "s3cret-value"
maildir = "Mail/work"
)";

std::string refused_because_readable(const std::filesystem::path& file) {
  return file.string() +
         ":4:1: accounts.work.password: password in a file that others can read: chmod 600 " +
         file.string() + ", or use password_command / password_file";
}

TEST(load_config, refuses_a_password_in_a_world_readable_file) {
  temporary_directory dir;
  auto file = dir.write("config.toml", with_password, 0644);
  std::string why;
  auto config = load_config(file, why);
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().code, errc::invalid_argument);
  EXPECT_EQ(why, refused_because_readable(file));
  EXPECT_EQ(why.find("s3cret-value"), std::string::npos);
}

TEST(load_config, refuses_a_password_in_a_group_readable_file) {
  temporary_directory dir;
  auto file = dir.write("config.toml", with_password, 0640);
  std::string why;
  auto config = load_config(file, why);
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().code, errc::invalid_argument);
  EXPECT_EQ(why, refused_because_readable(file));
  EXPECT_EQ(why.find("s3cret-value"), std::string::npos);
}

TEST(load_config, accepts_a_password_in_a_private_file_and_resolves_paths_beside_it) {
  temporary_directory dir;
  auto file = dir.write("config.toml", with_password, 0600);
  std::string why;
  auto config = load_config(file, why);
  ASSERT_TRUE(config.has_value()) << why;
  EXPECT_EQ(why, "");
  EXPECT_EQ(config->file, file);
  ASSERT_EQ(config->accounts.size(), 1U);
  const auto& account = config->accounts[0];
  EXPECT_EQ(account.name, "work");
  EXPECT_EQ(account.password.value, "s3cret-value");
  EXPECT_EQ(account.delivery, delivery_kind::maildir);
  EXPECT_EQ(account.delivery_target, (dir.path() / "Mail" / "work").string());
  EXPECT_EQ(account.defined_at, file.string() + ":1");
}

TEST(load_config, accepts_any_mode_without_a_password_key) {
  temporary_directory dir;
  auto file = dir.write("config.toml", R"([accounts.work]
host = "h"
user = "u"
password_file = "secret"
mbox = "/var/mail/u"
)",
                        0666);
  std::string why;
  auto config = load_config(file, why);
  ASSERT_TRUE(config.has_value()) << why;
  EXPECT_EQ(config->accounts[0].password.file, dir.path() / "secret");
}

TEST(load_config, names_the_file_and_errno_when_it_cannot_be_read) {
  temporary_directory dir;
  auto missing = dir.path() / "missing.toml";
  std::string why;
  auto config = load_config(missing, why);
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().code, errc::io_error);
  EXPECT_EQ(config.error().system_error, ENOENT);
  EXPECT_EQ(why, missing.string() + ": cannot read: No such file or directory");
}

TEST(load_config, refuses_a_directory) {
  temporary_directory dir;
  std::string why;
  auto config = load_config(dir.path(), why);
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().code, errc::invalid_argument);
  EXPECT_EQ(why, dir.path().string() + ": not a regular file");
}

TEST(load_config, refuses_a_fifo_without_waiting_for_a_writer) {
  temporary_directory dir;
  auto fifo = dir.path() / "config.toml";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string why;
  auto config = load_config(fifo, why);
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().code, errc::invalid_argument);
  EXPECT_EQ(why, fifo.string() + ": not a regular file");
}

TEST(load_config, reports_errors_with_the_path_as_given) {
  temporary_directory dir;
  auto file = dir.write("config.toml", "[accounts.work]\nhost = \"h\"\nport = 0\n", 0600);
  std::string why;
  auto config = load_config(file, why);
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(why, file.string() + ":3:8: accounts.work.port: 0 is out of range 1-65535");
}

}  // namespace
}  // namespace pop3::agent
