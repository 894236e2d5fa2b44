// expand_home() and default_config_path() under controlled HOME and XDG_CONFIG_HOME.
#include <pwd.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "config/config.hpp"
#include "config_test_support.hpp"

namespace pop3::agent {
namespace {

using testing::scoped_environment;

TEST(expand_home, replaces_a_leading_tilde_by_home) {
  scoped_environment home("HOME", "/home/alice");
  EXPECT_EQ(expand_home("~"), std::filesystem::path("/home/alice"));
  EXPECT_EQ(expand_home("~/Mail/work"), std::filesystem::path("/home/alice/Mail/work"));
  EXPECT_EQ(expand_home("~/"), std::filesystem::path("/home/alice/"));
}

TEST(expand_home, leaves_every_other_path_alone) {
  scoped_environment home("HOME", "/home/alice");
  EXPECT_EQ(expand_home("~bob/Mail"), std::filesystem::path("~bob/Mail"));
  EXPECT_EQ(expand_home("/var/mail/~/x"), std::filesystem::path("/var/mail/~/x"));
  EXPECT_EQ(expand_home("Mail/~"), std::filesystem::path("Mail/~"));
  EXPECT_EQ(expand_home(""), std::filesystem::path(""));
}

TEST(expand_home, uses_the_passwd_entry_without_home) {
  const passwd* entry = ::getpwuid(::getuid());
  ASSERT_NE(entry, nullptr);
  const std::string passwd_home = entry->pw_dir;
  {
    scoped_environment home("HOME", std::nullopt);
    EXPECT_EQ(expand_home("~/x"), std::filesystem::path(passwd_home) / "x");
  }
  {
    scoped_environment home("HOME", "");
    EXPECT_EQ(expand_home("~"), std::filesystem::path(passwd_home));
  }
}

TEST(default_config_path, is_under_xdg_config_home_when_absolute) {
  scoped_environment home("HOME", "/home/alice");
  scoped_environment xdg("XDG_CONFIG_HOME", "/srv/conf");
  EXPECT_EQ(default_config_path(), std::filesystem::path("/srv/conf/pop3/config.toml"));
}

TEST(default_config_path, is_under_home_without_xdg_config_home) {
  scoped_environment home("HOME", "/home/alice");
  scoped_environment xdg("XDG_CONFIG_HOME", std::nullopt);
  EXPECT_EQ(default_config_path(), std::filesystem::path("/home/alice/.config/pop3/config.toml"));
}

TEST(default_config_path, ignores_a_relative_or_empty_xdg_config_home) {
  scoped_environment home("HOME", "/home/alice");
  {
    scoped_environment xdg("XDG_CONFIG_HOME", "conf");
    EXPECT_EQ(default_config_path(), std::filesystem::path("/home/alice/.config/pop3/config.toml"));
  }
  {
    scoped_environment xdg("XDG_CONFIG_HOME", "");
    EXPECT_EQ(default_config_path(), std::filesystem::path("/home/alice/.config/pop3/config.toml"));
  }
}

}  // namespace
}  // namespace pop3::agent
