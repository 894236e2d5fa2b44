#include "delivery/mda_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

extern char** environ;

namespace pop3::agent::detail {

namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// Blocks SIGPIPE in this thread while it lives. A write to a pipe without reader raises
// SIGPIPE in the writing thread; blocked, it stays pending, and is consumed here, so the
// write just fails with EPIPE. Unlike SIG_IGN, this changes nothing for the rest of the
// process (the thread-local counterpart of send()'s MSG_NOSIGNAL).
class sigpipe_blocker {
 public:
  sigpipe_blocker() noexcept {
    sigemptyset(&sigpipe_);
    sigaddset(&sigpipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &sigpipe_, &previous_);
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    // One pending before us is someone else's, and stays for them.
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
  }
  sigpipe_blocker(const sigpipe_blocker&) = delete;
  sigpipe_blocker& operator=(const sigpipe_blocker&) = delete;
  ~sigpipe_blocker() {
    if (!was_pending_) {
      sigset_t pending;
      sigemptyset(&pending);
      sigpending(&pending);
      if (sigismember(&pending, SIGPIPE) == 1) {
        const timespec no_wait{};
        while (sigtimedwait(&sigpipe_, nullptr, &no_wait) < 0 && errno == EINTR) {
        }
      }
    }
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }

 private:
  sigset_t sigpipe_{};
  sigset_t previous_{};
  bool was_pending_ = false;
};

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
                       const std::vector<std::string>& extra_environment, std::string& why) {
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

  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) {
    const int error_number = errno;
    why = cannot("create", "a pipe for the MDA", error_number);
    return error_number;
  }
  unique_fd read_end(ends[0]);
  unique_fd write_end(ends[1]);
  // Only our end is non-blocking: it lets write_input() wait with a timeout. The MDA's end
  // stays blocking, as programs expect of their standard input.
  if (::fcntl(write_end.get(), F_SETFL, O_NONBLOCK) != 0) {
    const int error_number = errno;
    why = cannot("set up", "the pipe for the MDA", error_number);
    return error_number;
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int error_number = errno;
    why = cannot("start", "the MDA", error_number);
    return error_number;
  }
  if (pid == 0) exec_in_child(read_end.get(), argv, envp.data());
  // Also here, so that the group exists before kill_and_reap() may need it. EACCES means the
  // child has already run exec(), after its own setpgid().
  ::setpgid(pid, pid);
  pid_ = pid;
  input_ = std::move(write_end);
  return 0;
}

int mda_process::write_input(std::string_view bytes, milliseconds idle) noexcept {
  if (!input_) return EPIPE;
  sigpipe_blocker blocker;
  auto deadline = steady_clock::now() + idle;
  while (!bytes.empty()) {
    const ssize_t written = ::write(input_.get(), bytes.data(), bytes.size());
    if (written >= 0) {
      bytes.remove_prefix(static_cast<std::size_t>(written));
      deadline = steady_clock::now() + idle;
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return errno;
    const auto left = std::chrono::ceil<milliseconds>(deadline - steady_clock::now());
    if (left.count() <= 0) return ETIMEDOUT;
    pollfd writable{input_.get(), POLLOUT, 0};
    // POLLERR (no reader any more) also ends the wait: the next write() says EPIPE.
    if (::poll(&writable, 1, static_cast<int>(left.count())) < 0 && errno != EINTR) return errno;
  }
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
  input_.reset();
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
