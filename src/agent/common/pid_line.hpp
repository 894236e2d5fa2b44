// The content of pop3's lock files (the account lock, an mbox's dotlock): the holder's
// process id in decimal and a newline, as liblockfile writes it, so that whoever finds the
// lock taken can name its holder or tell that the holder has died.
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <string>

namespace pop3::agent::detail {

/// Writes this process's "PID\n" at the start of `fd` (whole, retrying short writes and
/// EINTR). False on failure, errno set.
inline bool write_pid_line(int fd) {
  const std::string text = std::to_string(::getpid()) + "\n";
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n =
        ::pwrite(fd, text.data() + done, text.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

/// The process id `fd` holds from its start when its whole content is a decimal number from
/// 1 to 4194304 (Linux's largest pid_max) and one newline; 0 for anything else, such as a
/// file whose holder has taken the lock but not written its id yet.
inline pid_t read_pid_line(int fd) {
  std::array<char, 24> text{};
  ssize_t n = 0;
  do {
    n = ::pread(fd, text.data(), text.size(), 0);
  } while (n < 0 && errno == EINTR);
  if (n < 2 || text[static_cast<std::size_t>(n) - 1] != '\n') return 0;
  const char* digits_end = text.data() + n - 1;
  unsigned long pid = 0;  // unsigned: from_chars then takes no sign
  const auto [end, ec] = std::from_chars(text.data(), digits_end, pid);
  if (ec != std::errc() || end != digits_end || pid == 0 || pid > 4194304) return 0;
  return static_cast<pid_t>(pid);
}

}  // namespace pop3::agent::detail
