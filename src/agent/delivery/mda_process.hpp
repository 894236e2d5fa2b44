// One run of a mail delivery agent: /bin/sh -c COMMAND in a process group of its own, its
// standard input a file the caller gives (the spooled message).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace pop3::agent::detail {

class mda_process {
 public:
  /// Starts the command with `extra_environment` ("NAME=value", replacing any variable of
  /// the same name) added to ours, and `input` as its standard input. The child gets a
  /// duplicate of `input`, so it shares the open file description: the offset it leaves
  /// behind is the one `input` has here. Standard output and error are inherited; every
  /// other descriptor is closed in the child, whatever its close-on-exec flag; SIGPIPE is
  /// set to its default action and the signal mask cleared. Returns 0 or the errno, with the
  /// reason in `why`.
  int start(const std::string& command, const std::vector<std::string>& extra_environment,
            int input, std::string& why);

  mda_process() = default;
  mda_process(const mda_process&) = delete;
  mda_process& operator=(const mda_process&) = delete;
  /// Kills and reaps a process still running: no zombie is left behind.
  ~mda_process() { kill_and_reap(); }

  enum class wait_outcome : unsigned char { exited, running, lost };
  /// Waits until the command exits or `deadline` passes. exited: `status` is its wait
  /// status; lost: it was reaped by someone else (SIGCHLD ignored), status unknown.
  wait_outcome wait_until(std::chrono::steady_clock::time_point deadline, int& status) noexcept;
  /// SIGKILL to the process group (the shell and whatever it started), then reaps the shell.
  void kill_and_reap() noexcept;

 private:
  pid_t pid_ = -1;  // -1 once reaped
};

/// "the MDA exited with status 1", "the MDA was killed by signal 9".
std::string describe_wait_status(int status);

}  // namespace pop3::agent::detail
