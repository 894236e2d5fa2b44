#include "password.hpp"

#include <sys/wait.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

namespace pop3::cli {
namespace {

std::string first_line(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

result<std::string> from_file(const std::string& path, std::string& why) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    why = "cannot read password file " + path + ": " + std::strerror(errno);
    return unexpected(errc::io_error);
  }
  std::string line;
  std::getline(in, line);
  if (in.bad()) {
    why = "cannot read password file " + path;
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

result<std::string> read_password(const password_source& source, std::string& why) {
  if (source.file && source.command) {
    why = "give either --password-file or --password-command, not both";
    return unexpected(errc::invalid_argument);
  }
  if (source.file) return from_file(*source.file, why);
  if (source.command) return from_command(*source.command, why);
  if (const char* env = std::getenv("POP3_PASSWORD")) return std::string(env);
  why = "no password: set POP3_PASSWORD, or use --password-file or --password-command";
  return unexpected(errc::invalid_argument);
}

}  // namespace pop3::cli
