#include "secret.hpp"

#include <sys/wait.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

namespace pop3::agent {
namespace {

std::string first_line(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

result<std::string> from_file(const std::filesystem::path& path, std::string& why) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    why = "cannot read password file " + path.string() + ": " + std::strerror(errno);
    return unexpected(errc::io_error);
  }
  std::string line;
  std::getline(in, line);
  if (in.bad()) {
    why = "cannot read password file " + path.string();
    return unexpected(errc::io_error);
  }
  return first_line(line);
}

result<std::string> from_command(const std::string& command, std::string& why) {
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) {
    why = std::string("cannot run the password command: ") + std::strerror(errno);
    return unexpected(errc::io_error);
  }
  std::string output;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;)
    output.append(buffer, n);
  const int status = ::pclose(pipe);
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    why = "the password command failed";
    if (status != -1 && WIFEXITED(status))
      why += " (exit status " + std::to_string(WEXITSTATUS(status)) + ")";
    else if (status != -1 && WIFSIGNALED(status))
      why += " (killed by signal " + std::to_string(WTERMSIG(status)) + ")";
    return unexpected(errc::io_error);
  }
  return first_line(output);
}

}  // namespace

result<std::string> read_secret(const password_setting& setting, std::string& why) {
  const int sources = int{setting.value.has_value()} + int{setting.file.has_value()} +
                      int{setting.command.has_value()};
  if (sources > 1) {
    why =
        "more than one password source: give one of password, password_file, "
        "password_command";
    return unexpected(errc::invalid_argument);
  }
  // An empty secret is refused rather than sent: it is almost always an empty file, a
  // command that printed nothing or an unset shell variable, and every failed login counts
  // against the server's lockout.
  const auto refuse_empty = [&](std::string words) -> result<std::string> {
    why = std::move(words);
    return unexpected(errc::io_error);
  };
  if (setting.value) {
    if (setting.value->empty()) return refuse_empty("the password is empty");
    return *setting.value;
  }
  if (setting.file) {
    auto line = from_file(*setting.file, why);
    if (line && line->empty())
      return refuse_empty("the password file " + setting.file->string() +
                          " is empty (the password is its first line)");
    return line;
  }
  if (setting.command) {
    auto line = from_command(*setting.command, why);
    if (line && line->empty()) return refuse_empty("the password command printed an empty line");
    return line;
  }
  const char* env = std::getenv(setting.environment.c_str());
  if (env != nullptr && *env != '\0') return std::string(env);
  why = "no password: " + setting.environment + (env ? " is empty" : " is not set");
  return unexpected(errc::invalid_argument);
}

}  // namespace pop3::agent
