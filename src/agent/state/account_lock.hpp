// One `pop3 fetch` per account at a time: a second run on the same account while one is
// active must fail fast, not wait and not deliver duplicates.
#pragma once

#include <filesystem>
#include <string>

#include "pop3/result.hpp"

namespace pop3::agent {

/// An exclusive flock(2) on a lock file, held until destruction (and released by the kernel
/// if the process dies, so a crash never leaves a stale lock). The lock belongs to the open
/// file, not to the process: a second acquire() in the same process fails too, and the
/// descriptor is close-on-exec, so programs started while it is held (an MDA) do not keep it.
/// The file itself is never removed (removing it would let two processes lock two different
/// files of the same name); while the lock is held it holds the owner's pid and a newline.
class account_lock {
 public:
  /// Takes the lock on `file` (created mode 0600, its directory and missing parents mode
  /// 0700 if missing) without waiting, and writes this process's id into it.
  /// `why` is cleared. Errors, reason in `why`:
  ///  - busy (another open file holds it): errc::timeout, and `why` names the holder's pid:
  ///    "another pop3 fetch (pid 1234) is running for this account" (without "(pid N)" if
  ///    the holder has not written its pid yet);
  ///  - any other failure (directory, open, flock, writing the pid): errc::io_error, with
  ///    errno in error::system_error.
  static result<account_lock> acquire(const std::filesystem::path& file, std::string& why);

  account_lock(account_lock&&) noexcept;
  account_lock& operator=(account_lock&&) noexcept;
  account_lock(const account_lock&) = delete;
  account_lock& operator=(const account_lock&) = delete;
  /// Empties the file (so no stale pid is left for a reader) and releases the lock.
  ~account_lock();

 private:
  explicit account_lock(int fd) noexcept : fd_(fd) {}
  void release() noexcept;
  int fd_ = -1;
};

}  // namespace pop3::agent
