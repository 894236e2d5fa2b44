#include "delivery/mbox_lock.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <thread>
#include <utility>

#include "common/pid_line.hpp"
#include "delivery/posix_io.hpp"

namespace pop3::agent::detail {

namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

#ifdef F_OFD_SETLK
constexpr int set_lock = F_OFD_SETLK;
#else
constexpr int set_lock = F_SETLK;
#endif

enum class attempt : unsigned char { taken, busy, failed };

// One try at the fcntl lock on the whole file (l_len 0: to the end, however it grows).
attempt try_fcntl_lock(int fd, short type, int& error_number) {
  struct flock range {};
  range.l_type = type;
  range.l_whence = SEEK_SET;
  range.l_start = 0;
  range.l_len = 0;
  range.l_pid = 0;  // must be 0 for an open file description lock
  for (;;) {
    if (::fcntl(fd, set_lock, &range) == 0) return attempt::taken;
    error_number = errno;
    if (error_number == EINTR) continue;
    return error_number == EACCES || error_number == EAGAIN ? attempt::busy : attempt::failed;
  }
}

// A dotlock is stale when it names a process that no longer exists on this machine (a run
// killed while it held the lock: the next run need not wait), or, whoever made it, when it
// has not been touched for `stale_age`.
bool is_stale(const std::string& dotlock, const struct stat& status,
              std::chrono::seconds stale_age) {
  const unique_fd file(::open(dotlock.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  const pid_t owner = file.valid() ? read_pid_line(file.get()) : 0;  // 0: no id
  if (owner > 0 && ::kill(owner, 0) != 0 && errno == ESRCH) return true;
  return std::chrono::seconds(std::time(nullptr) - status.st_mtime) > stale_age;
}

// One try at the dotlock; a stale one is removed and the try repeated once. The dotlock
// holds this process's id, so that a run killed while holding it is recognised at once.
// `made`: the dotlock's identity once taken, so that it is later recognised as ours.
attempt try_dotlock(const std::string& dotlock, std::chrono::seconds stale_age, int& error_number,
                    struct stat& made, bool& named) {
  for (int tries = 0; tries < 2; ++tries) {
    const int fd = ::open(dotlock.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
      unique_fd created(fd);
      // Best effort: without the id the lock is still a lock, judged stale by its age only.
      named = write_pid_line(fd);
      if (::fstat(fd, &made) != 0) made = {};
      return attempt::taken;
    }
    error_number = errno;
    if (error_number != EEXIST) return attempt::failed;
    struct stat status {};
    if (::stat(dotlock.c_str(), &status) != 0) continue;  // just removed by its holder
    if (!is_stale(dotlock, status, stale_age)) return attempt::busy;
    ::unlink(dotlock.c_str());
  }
  return attempt::busy;
}

// Retries `try_once` with growing pauses until it is no longer busy or the deadline passed.
template <class Try>
attempt retry_until(steady_clock::time_point deadline, Try try_once) {
  milliseconds pause(5);
  for (;;) {
    const attempt outcome = try_once();
    if (outcome != attempt::busy) return outcome;
    const auto now = steady_clock::now();
    if (now >= deadline) return attempt::busy;
    std::this_thread::sleep_for(std::min<steady_clock::duration>(pause, deadline - now));
    pause = std::min(pause * 2, milliseconds(100));
  }
}

}  // namespace

result<mbox_lock> mbox_lock::acquire(int fd, const std::string& path, milliseconds timeout,
                                     std::chrono::seconds stale_age, std::string& why) {
  const auto deadline = steady_clock::now() + timeout;
  const std::string waited = " (waited " + std::to_string(timeout.count()) + " ms)";
  int error_number = 0;
  switch (retry_until(deadline, [&] { return try_fcntl_lock(fd, F_WRLCK, error_number); })) {
    case attempt::taken:
      break;
    case attempt::busy:
      why = "cannot lock " + path + ": another process holds a lock on it" + waited;
      return unexpected(errc::timeout);
    case attempt::failed:
      why = cannot("lock", path, error_number);
      return unexpected(error(errc::io_error, {}, {}, error_number));
  }
  mbox_lock lock(fd);  // from here on, any return releases the fcntl lock
  std::string dotlock = path + ".lock";
  struct stat made {};
  bool named = false;
  switch (retry_until(deadline,
                      [&] { return try_dotlock(dotlock, stale_age, error_number, made, named); })) {
    case attempt::taken:
      break;
    case attempt::busy:
      why = "cannot lock " + path + ": " + dotlock + " exists" + waited;
      return unexpected(errc::timeout);
    case attempt::failed:
      why = cannot("create the dotlock", dotlock, error_number);
      return unexpected(error(errc::io_error, {}, {}, error_number));
  }
  lock.dotlock_ = std::move(dotlock);
  lock.dotlock_device_ = made.st_dev;
  lock.dotlock_inode_ = made.st_ino;
  lock.dotlock_named_ = named;
  lock.refresh_interval_ = std::chrono::duration_cast<steady_clock::duration>(stale_age) / 5;
  lock.refreshed_ = steady_clock::now();
  return lock;
}

mbox_lock::mbox_lock(mbox_lock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      dotlock_(std::move(other.dotlock_)),
      dotlock_device_(other.dotlock_device_),
      dotlock_inode_(other.dotlock_inode_),
      dotlock_named_(other.dotlock_named_),
      refresh_interval_(other.refresh_interval_),
      refreshed_(other.refreshed_) {
  other.dotlock_.clear();
}

mbox_lock& mbox_lock::operator=(mbox_lock&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = std::exchange(other.fd_, -1);
    dotlock_ = std::move(other.dotlock_);
    other.dotlock_.clear();
    dotlock_device_ = other.dotlock_device_;
    dotlock_inode_ = other.dotlock_inode_;
    dotlock_named_ = other.dotlock_named_;
    refresh_interval_ = other.refresh_interval_;
    refreshed_ = other.refreshed_;
  }
  return *this;
}

bool mbox_lock::dotlock_is_ours() const noexcept {
  // The same file, and still naming this process: a file made in its place may get the same
  // inode number once ours is removed. (If our id could not be written, the inode decides.)
  if (dotlock_.empty()) return false;
  const unique_fd file(::open(dotlock_.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  struct stat status {};
  return file.valid() && ::fstat(file.get(), &status) == 0 && status.st_dev == dotlock_device_ &&
         status.st_ino == dotlock_inode_ &&
         (!dotlock_named_ || read_pid_line(file.get()) == ::getpid());
}

void mbox_lock::keep_fresh() noexcept {
  const auto now = steady_clock::now();
  if (now - refreshed_ < refresh_interval_ || !dotlock_is_ours()) return;
  refreshed_ = now;
  (void)::utimensat(AT_FDCWD, dotlock_.c_str(), nullptr, 0);  // both times: now
}

void mbox_lock::release() noexcept {
  if (!dotlock_.empty()) {
    if (dotlock_is_ours()) ::unlink(dotlock_.c_str());
    dotlock_.clear();
  }
  if (fd_ >= 0) {
    int ignored = 0;
    (void)try_fcntl_lock(fd_, F_UNLCK, ignored);
    fd_ = -1;
  }
}

}  // namespace pop3::agent::detail
