// One `pop3 fetch` per account at a time: a second run on the same account while one is
// active must fail fast, not wait and not deliver duplicates.
#pragma once

#include <filesystem>
#include <string>

#include "pop3/result.hpp"

namespace pop3::agent {

/// An exclusive flock(2) on a lock file, held until destruction (and released by the kernel
/// if the process dies, so a crash never leaves a stale lock).
class account_lock {
 public:
  /// Takes the lock on `file` (created mode 0600, directory created if missing) without
  /// waiting, and writes this process's id into it. Errors, reason in `why`:
  ///  - busy (another process holds it): returns errc::timeout and `why` names the holder's
  ///    pid ("another pop3 fetch (pid 1234) is running for this account");
  ///  - any other failure: errc::io_error.
  static result<account_lock> acquire(const std::filesystem::path& file, std::string& why);

  account_lock(account_lock&&) noexcept;
  account_lock& operator=(account_lock&&) noexcept;
  account_lock(const account_lock&) = delete;
  account_lock& operator=(const account_lock&) = delete;
  ~account_lock();

 private:
  explicit account_lock(int fd) noexcept : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace pop3::agent
