// The home directory and the default place of the configuration file.
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace pop3::agent {
namespace {

// $HOME first, as every shell does; the passwd entry for programs started without one
// (cron, some service managers).
std::optional<std::string> home_directory() {
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') return home;
  long hint = ::sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buffer(hint > 0 ? static_cast<std::size_t>(hint) : 16384);
  passwd entry{};
  passwd* found = nullptr;
  if (::getpwuid_r(::getuid(), &entry, buffer.data(), buffer.size(), &found) != 0 ||
      found == nullptr || found->pw_dir == nullptr || *found->pw_dir == '\0')
    return std::nullopt;
  return std::string(found->pw_dir);
}

}  // namespace

std::filesystem::path expand_home(const std::string& path) {
  if (path != "~" && path.rfind("~/", 0) != 0) return path;
  auto home = home_directory();
  if (!home) return path;
  if (path == "~") return *home;
  return std::filesystem::path(*home) / path.substr(2);
}

std::filesystem::path default_config_path() {
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg != nullptr) {
    std::filesystem::path base(xdg);
    if (base.is_absolute()) return base / "pop3" / "config.toml";
  }
  return expand_home("~/.config/pop3/config.toml");
}

}  // namespace pop3::agent
