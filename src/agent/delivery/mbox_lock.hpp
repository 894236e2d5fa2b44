// The locks an mbox is appended under, as mail readers and other delivery agents expect:
// an fcntl write lock on the file and a dotlock (FILE.lock) beside it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>

#include "pop3/result.hpp"

namespace pop3::agent::detail {

/// Both locks, held until release() or destruction.
///
/// The fcntl lock is an open file description lock (F_OFD_SETLK) where the system has them:
/// they conflict with classic POSIX locks (so other programs are excluded just the same), but
/// belong to our descriptor, so they also exclude another thread of this process and are not
/// dropped when this process closes some other descriptor of the file.
///
/// The dotlock is created with O_EXCL (good on local file systems and NFSv3 or later) and
/// holds this process's id in decimal and a newline (as liblockfile writes it). An existing
/// dotlock is taken to be left by a program that crashed, and removed, when it holds the id of
/// a process that does not exist (kill(pid, 0) fails with ESRCH: a `pop3 fetch` killed while
/// it held the lock does not hold up the next run), or when its modification time is older
/// than `stale_age` (any content). A live process's dotlock, or one without an id, is waited
/// for. On a file system shared between machines an id may name another machine's process;
/// two programs may then judge the same lock stale at once, and the fcntl lock still keeps
/// them apart unless one of them only uses dotlocks.
///
/// While held, the dotlock is kept fresh (keep_fresh(), from every write of a message), so
/// that a slow download is not taken for a crashed holder by programs that judge dotlocks by
/// age; and release() removes it only if it is still ours (same inode), never the dotlock of
/// a program that removed ours as stale anyway.
class mbox_lock {
 public:
  /// Takes the fcntl lock on `fd` (open for writing), then the dotlock `path`.lock, retrying
  /// both until `timeout` has passed in total (with at least one try each). Errors, reason in
  /// `why`:
  ///  - errc::timeout: still held by another process at the deadline;
  ///  - errc::io_error: any other failure (errno in error::system_error).
  static result<mbox_lock> acquire(int fd, const std::string& path,
                                   std::chrono::milliseconds timeout,
                                   std::chrono::seconds stale_age, std::string& why);

  mbox_lock(mbox_lock&& other) noexcept;
  mbox_lock& operator=(mbox_lock&& other) noexcept;
  mbox_lock(const mbox_lock&) = delete;
  mbox_lock& operator=(const mbox_lock&) = delete;
  ~mbox_lock() { release(); }

  /// Sets the dotlock's modification time to now if a fifth of `stale_age` has passed since
  /// it was made or last refreshed, and it is still ours. Best effort; never fails.
  void keep_fresh() noexcept;

  /// Removes the dotlock if it is still ours, then releases the fcntl lock. Idempotent.
  void release() noexcept;

 private:
  explicit mbox_lock(int fd) noexcept : fd_(fd) {}
  bool dotlock_is_ours() const noexcept;

  int fd_ = -1;          // not owned; -1 once released
  std::string dotlock_;  // empty while not held
  dev_t dotlock_device_ = 0;
  ino_t dotlock_inode_ = 0;
  bool dotlock_named_ = false;  // our id was written into it
  std::chrono::steady_clock::duration refresh_interval_{};
  std::chrono::steady_clock::time_point refreshed_{};
};

}  // namespace pop3::agent::detail
