#include "delivery/mda_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "delivery/posix_io.hpp"

extern char** environ;

namespace pop3::agent::detail {

namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

bool has_name(const char* entry, const std::vector<std::string>& replaced) {
  return std::any_of(replaced.begin(), replaced.end(), [entry](const std::string& variable) {
    const auto name_length = variable.find('=') + 1;  // with the '='
    return std::strncmp(entry, variable.c_str(), name_length) == 0;
  });
}

// In the child, between fork() and exec(): only async-signal-safe calls from here on, since
// another thread of the parent may have held a lock (malloc's) at the fork.
[[noreturn]] void exec_in_child(int input, char* const* argv, char* const* envp) noexcept {
  ::setpgid(0, 0);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  // A parent ignoring SIGPIPE would otherwise pass that on through exec.
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  ::sigaction(SIGPIPE, &default_action, nullptr);
  if (input != STDIN_FILENO) {
    if (::dup2(input, STDIN_FILENO) < 0) ::_exit(127);
  } else {
    ::fcntl(STDIN_FILENO, F_SETFD, 0);
  }
  // Also descriptors someone else opened without O_CLOEXEC (or inherited ones): the MDA
  // gets 0, 1 and 2 only. Without close_range (Linux < 5.9) close-on-exec has to do.
  ::close_range(3, ~0U, 0);
  ::execve("/bin/sh", argv, envp);
  ::_exit(127);
}

}  // namespace

int mda_process::start(const std::string& command,
                       const std::vector<std::string>& extra_environment, int input,
                       std::string& why) {
  std::vector<char*> envp;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    if (!has_name(*entry, extra_environment)) envp.push_back(*entry);
  }
  for (const std::string& variable : extra_environment)
    envp.push_back(const_cast<char*>(variable.c_str()));
  envp.push_back(nullptr);
  char shell[] = "/bin/sh";
  char dash_c[] = "-c";
  std::vector<char> command_line(command.begin(), command.end());
  command_line.push_back('\0');
  char* const argv[] = {shell, dash_c, command_line.data(), nullptr};

  const pid_t pid = ::fork();
  if (pid < 0) {
    const int error_number = errno;
    why = cannot("start", "the MDA", error_number);
    return error_number;
  }
  if (pid == 0) exec_in_child(input, argv, envp.data());
  // Also here, so that the group exists before kill_and_reap() may need it. EACCES means the
  // child has already run exec(), after its own setpgid().
  ::setpgid(pid, pid);
  pid_ = pid;
  return 0;
}

mda_process::wait_outcome mda_process::wait_until(steady_clock::time_point deadline,
                                                  int& status) noexcept {
  if (pid_ < 0) return wait_outcome::lost;
  // Polling with growing pauses: a quick MDA costs a millisecond or two, and it needs no
  // SIGCHLD handler (the process's business) nor pidfd (Linux only).
  milliseconds pause(1);
  for (;;) {
    const pid_t reaped = ::waitpid(pid_, &status, WNOHANG);
    if (reaped == pid_) {
      pid_ = -1;
      return wait_outcome::exited;
    }
    if (reaped < 0) {
      if (errno == EINTR) continue;
      pid_ = -1;
      return wait_outcome::lost;
    }
    const auto now = steady_clock::now();
    if (now >= deadline) return wait_outcome::running;
    std::this_thread::sleep_for(std::min<steady_clock::duration>(pause, deadline - now));
    pause = std::min(pause * 2, milliseconds(50));
  }
}

void mda_process::kill_and_reap() noexcept {
  if (pid_ < 0) return;
  // The shell is not reaped yet, so its pid, which names the group, cannot be reused.
  ::kill(-pid_, SIGKILL);
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "the MDA exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return "the MDA was killed by signal " + std::to_string(WTERMSIG(status));
  return "the MDA stopped with wait status " + std::to_string(status);
}

}  // namespace pop3::agent::detail
