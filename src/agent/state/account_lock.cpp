#include "state/account_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "common/pid_line.hpp"
#include "common/unique_fd.hpp"
#include "state/private_directory.hpp"

namespace pop3::agent {

result<account_lock> account_lock::acquire(const std::filesystem::path& file, std::string& why) {
  why.clear();
  POP3_TRY(detail::make_private_directories(detail::directory_of(file), why));
  // O_CLOEXEC: a program we start (an MDA) must not inherit the lock and keep it after we
  // die. The lock is on the open file, so a second acquire() in this process fails too.
  detail::unique_fd fd(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600));
  if (!fd.valid()) return detail::system_failure("cannot open lock file " + file.string(), why);

  while (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    if (errno != EWOULDBLOCK) return detail::system_failure("cannot lock " + file.string(), why);
    const pid_t pid = detail::read_pid_line(fd.get());
    why = pid > 0
              ? "another pop3 fetch (pid " + std::to_string(pid) + ") is running for this account"
              : "another pop3 fetch is running for this account";
    return unexpected(error(errc::timeout, command_kind::none, resp_code::none, EWOULDBLOCK));
  }

  if (::ftruncate(fd.get(), 0) != 0 || !detail::write_pid_line(fd.get()))
    return detail::system_failure("cannot write the pid into lock file " + file.string(), why);
  return account_lock(fd.release());
}

account_lock::account_lock(account_lock&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}

account_lock& account_lock::operator=(account_lock&& o) noexcept {
  if (this != &o) {
    release();
    fd_ = std::exchange(o.fd_, -1);
  }
  return *this;
}

account_lock::~account_lock() {
  release();
}

void account_lock::release() noexcept {
  if (fd_ < 0) return;
  // Still holding the lock, so no other process is writing its pid: erase ours, and let
  // close() drop the lock.
  (void)::ftruncate(fd_, 0);
  ::close(fd_);
  fd_ = -1;
}

}  // namespace pop3::agent
