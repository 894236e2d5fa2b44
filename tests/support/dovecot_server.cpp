#include "support/dovecot_server.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <system_error>

extern char** environ;

#ifndef POP3_SOURCE_DIR
#error "POP3_SOURCE_DIR must name the source tree (it holds scripts/private-dovecot)"
#endif

namespace pop3::test {
namespace {

namespace fs = std::filesystem;

fs::path script_path() {
  return fs::path(POP3_SOURCE_DIR) / "scripts" / "private-dovecot";
}

[[noreturn]] void fail(const std::string& message) {
  ADD_FAILURE() << message;
  throw std::runtime_error(message);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
    s.pop_back();
  return s;
}

std::string last_lines(const std::string& text, std::size_t count) {
  std::size_t pos = text.size();
  if (pos > 0 && text[pos - 1] == '\n') --pos;
  for (std::size_t seen = 0; pos > 0; --pos) {
    if (text[pos - 1] == '\n' && ++seen == count) break;
  }
  return text.substr(pos);
}

struct script_result {
  int exit_code = -1;
  std::string output;  // stdout and stderr interleaved
};

// Runs scripts/private-dovecot without a shell (passwords may hold any character). Its output
// goes to a file rather than a pipe: nothing the script starts can then keep us waiting for EOF.
script_result run_script(const std::vector<std::string>& args, const fs::path& output_file) {
  const std::string program = script_path().string();
  std::vector<std::string> all{program};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : all)
    argv.push_back(arg.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, output_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = -1;
  const int spawn_error =
      posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawn_error != 0) {
    return {-1, "cannot run " + program + ": " + std::strerror(spawn_error)};
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return {-1, std::string("waitpid: ") + std::strerror(errno)};
  }
  script_result result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.output = read_file(output_file);
  return result;
}

std::string describe(const std::vector<std::string>& args, const script_result& result) {
  std::string command = "scripts/private-dovecot";
  for (const std::string& arg : args)
    command += " " + arg;
  return command + " failed (exit " + std::to_string(result.exit_code) + "):\n" +
         trim(result.output);
}

template <typename T>
bool parse_number(std::string_view text, T& value) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc{} && end == text.data() + text.size();
}

}  // namespace

dovecot_server::dovecot_server(std::vector<user> users, tls mode) {
  if (!fs::exists(script_path())) fail("missing " + script_path().string());
  // Short on purpose: Dovecot's unix sockets live below this directory (sun_path limit).
  std::string dir_template = "/tmp/p3d-XXXXXX";
  if (::mkdtemp(dir_template.data()) == nullptr) {
    fail(std::string("mkdtemp /tmp/p3d-XXXXXX: ") + std::strerror(errno));
  }
  dir_ = dir_template;

  std::vector<std::string> args{"start", dir_.string()};
  if (mode == tls::disabled) args.push_back("--no-tls");
  for (const user& u : users) {
    args.push_back("--user");
    args.push_back(u.name + ":" + u.password);
  }
  const script_result started = run_script(args, dir_ / "script.out");
  if (started.exit_code != 0) {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
    fail(describe(args, started));
  }
  running_ = true;

  const std::string port_text = trim(read_file(dir_ / "port"));
  const std::string pop3s_port_text =
      mode == tls::enabled ? trim(read_file(dir_ / "pop3s_port")) : "0";
  const std::string owner_text = trim(read_file(dir_ / "mail_owner"));
  const std::size_t colon = owner_text.find(':');
  if (!parse_number(port_text, port_) || !parse_number(pop3s_port_text, pop3s_port_) ||
      (mode == tls::enabled && (pop3s_port_ == 0 || !fs::exists(ca_file()))) ||
      colon == std::string::npos ||
      !parse_number(std::string_view(owner_text).substr(0, colon), mail_owner_.first) ||
      !parse_number(std::string_view(owner_text).substr(colon + 1), mail_owner_.second)) {
    stop();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
    fail("private-dovecot wrote an unreadable port '" + port_text + "', POP3S port '" +
         pop3s_port_text + "' or mail owner '" + owner_text + "', or no tls/ca.pem");
  }
}

dovecot_server::~dovecot_server() {
  if (::testing::Test::HasFailure()) {
    std::cerr << "--- last lines of " << (dir_ / "dovecot.log").string() << " ---\n"
              << last_lines(read_file(dir_ / "dovecot.log"), 30) << "\n";
  }
  stop();
  if (std::getenv("POP3_TEST_KEEP_DIR") != nullptr) {
    std::cerr << "POP3_TEST_KEEP_DIR: keeping " << dir_.string() << "\n";
    return;
  }
  std::error_code ignored;
  fs::remove_all(dir_, ignored);
}

std::filesystem::path dovecot_server::ca_file() const {
  if (pop3s_port_ == 0) return {};
  return dir_ / "tls" / "ca.pem";
}

std::filesystem::path dovecot_server::maildir(const std::string& user_name) const {
  return dir_ / "home" / user_name / "Maildir";
}

void dovecot_server::deliver(const std::string& user_name,
                             const std::vector<sample_message>& messages) const {
  // Chowning to the mail owner also works unprivileged: it is then the caller's own uid/gid.
  write_maildir(maildir(user_name), messages, mail_owner_);
}

std::size_t dovecot_server::maildir_message_count(const std::string& user_name) const {
  std::size_t count = 0;
  for (const char* sub : {"cur", "new"}) {
    for (const auto& entry : fs::directory_iterator(maildir(user_name) / sub)) {
      if (entry.is_regular_file()) ++count;
    }
  }
  return count;
}

void dovecot_server::add_user(const user& u) const {
  const std::vector<std::string> args{"add-user", dir_.string(), u.name + ":" + u.password};
  const script_result result = run_script(args, dir_ / "script.out");
  if (result.exit_code != 0) fail(describe(args, result));
}

void dovecot_server::stop() {
  if (!running_) return;
  running_ = false;
  const std::vector<std::string> args{"stop", dir_.string()};
  const script_result result = run_script(args, dir_ / "script.out");
  if (result.exit_code != 0) ADD_FAILURE() << describe(args, result);
}

}  // namespace pop3::test
