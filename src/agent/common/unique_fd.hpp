// An owned file descriptor, closed on destruction, so that every early return closes what
// it opened. One type for the whole agent layer (delivery and state both use it).
#pragma once

#include <unistd.h>

#include <cerrno>
#include <utility>

namespace pop3::agent::detail {

/// Owns a file descriptor (-1: none) and closes it on destruction.
class unique_fd {
 public:
  unique_fd() noexcept = default;
  explicit unique_fd(int fd) noexcept : fd_(fd) {}
  unique_fd(unique_fd&& other) noexcept : fd_(other.release()) {}
  unique_fd& operator=(unique_fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = other.release();
    }
    return *this;
  }
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;
  ~unique_fd() { reset(); }

  int get() const noexcept { return fd_; }
  bool valid() const noexcept { return fd_ >= 0; }
  explicit operator bool() const noexcept { return valid(); }
  /// Gives up ownership: returns the descriptor, which the caller must close.
  int release() noexcept { return std::exchange(fd_, -1); }
  /// Closes the descriptor; returns 0 or the errno of close(2) (which may report a delayed
  /// write error on some file systems). The descriptor is gone either way.
  int reset() noexcept {
    if (fd_ < 0) return 0;
    // Never retry close() after EINTR: on Linux the descriptor is already released, and a
    // retry could close one another thread has just opened.
    const int result = ::close(std::exchange(fd_, -1));
    return result == 0 || errno == EINTR ? 0 : errno;
  }

 private:
  int fd_ = -1;
};

}  // namespace pop3::agent::detail
