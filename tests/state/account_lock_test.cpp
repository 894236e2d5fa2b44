// The per-account lock across real processes: a second fetch fails at once and names the
// first one's pid; the kernel releases the lock when its holder dies.
#include "state/account_lock.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "test_files.hpp"

namespace pop3::agent {
namespace {

namespace fs = std::filesystem;
using testing::mode_of;
using testing::read_bytes;
using testing::temp_directory;

std::string busy_message(long pid) {
  return "another pop3 fetch (pid " + std::to_string(pid) + ") is running for this account";
}

// A child process that takes the lock and holds it until killed; killed and reaped on
// destruction whatever the test did.
class lock_holder {
 public:
  explicit lock_holder(const fs::path& file) {
    int ready[2];
    if (::pipe(ready) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(ready[0]);
      std::string why;
      auto lock = account_lock::acquire(file, why);
      const char status = lock ? 'L' : 'F';
      (void)!::write(ready[1], &status, 1);
      for (;;)
        ::pause();
    }
    ::close(ready[1]);
    char status = 0;
    if (pid_ > 0 && ::read(ready[0], &status, 1) == 1) locked_ = status == 'L';
    ::close(ready[0]);
  }
  ~lock_holder() { kill(); }
  lock_holder(const lock_holder&) = delete;
  lock_holder& operator=(const lock_holder&) = delete;

  pid_t pid() const { return pid_; }
  bool locked() const { return locked_; }
  /// SIGKILL and wait: the child never releases the lock itself.
  bool kill() {
    if (pid_ <= 0) return false;
    int status = 0;
    const bool killed = ::kill(pid_, SIGKILL) == 0 && ::waitpid(pid_, &status, 0) == pid_ &&
                        WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
    pid_ = -1;
    return killed;
  }

 private:
  pid_t pid_ = -1;
  bool locked_ = false;
};

class account_lock_test : public ::testing::Test {
 protected:
  temp_directory dir_;
  fs::path file_ = dir_.path() / "work.lock";
};

TEST_F(account_lock_test, holds_the_pid_while_held_and_nothing_after) {
  testing::scoped_umask umask(022);
  std::string why = "not cleared";
  {
    auto lock = account_lock::acquire(file_, why);
    ASSERT_TRUE(lock) << why;
    EXPECT_EQ(why, "");
    EXPECT_EQ(read_bytes(file_), std::to_string(::getpid()) + "\n");
    EXPECT_EQ(mode_of(file_), 0600u);
  }
  EXPECT_TRUE(fs::exists(file_));
  EXPECT_EQ(read_bytes(file_), "");
}

TEST_F(account_lock_test, a_second_acquire_in_the_same_process_is_busy) {
  std::string why;
  auto first = account_lock::acquire(file_, why);
  ASSERT_TRUE(first) << why;
  auto second = account_lock::acquire(file_, why);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, errc::timeout);
  EXPECT_EQ(why, busy_message(::getpid()));
  // The failed attempt did not disturb the holder's pid.
  EXPECT_EQ(read_bytes(file_), std::to_string(::getpid()) + "\n");
  { auto drop = std::move(*first); }
  auto third = account_lock::acquire(file_, why);
  EXPECT_TRUE(third) << why;
}

TEST_F(account_lock_test, a_moved_lock_stays_held_until_its_last_owner_goes) {
  std::string why;
  std::optional<account_lock> moved;
  {
    auto lock = account_lock::acquire(file_, why);
    ASSERT_TRUE(lock) << why;
    moved.emplace(std::move(*lock));
  }
  auto busy = account_lock::acquire(file_, why);
  ASSERT_FALSE(busy);
  EXPECT_EQ(busy.error().code, errc::timeout);
  moved.reset();
  auto free_now = account_lock::acquire(file_, why);
  EXPECT_TRUE(free_now) << why;
}

TEST_F(account_lock_test, another_process_holding_it_makes_acquire_fail_fast_with_its_pid) {
  lock_holder holder(file_);
  ASSERT_GT(holder.pid(), 0);
  ASSERT_TRUE(holder.locked());

  std::string why;
  const auto start = std::chrono::steady_clock::now();
  auto lock = account_lock::acquire(file_, why);
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(lock);
  EXPECT_EQ(lock.error().code, errc::timeout);
  EXPECT_EQ(why, busy_message(holder.pid()));
  EXPECT_LT(waited, std::chrono::seconds(2));

  // Killed, the holder cannot release anything: the kernel does.
  ASSERT_TRUE(holder.kill());
  auto after = account_lock::acquire(file_, why);
  ASSERT_TRUE(after) << why;
  EXPECT_EQ(read_bytes(file_), std::to_string(::getpid()) + "\n");
}

TEST_F(account_lock_test, a_holder_that_has_not_written_its_pid_yet_is_reported_without_one) {
  const int fd = ::open(file_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
  std::string why;
  auto lock = account_lock::acquire(file_, why);
  ::close(fd);
  ASSERT_FALSE(lock);
  EXPECT_EQ(lock.error().code, errc::timeout);
  EXPECT_EQ(why, "another pop3 fetch is running for this account");
}

TEST_F(account_lock_test, the_descriptor_is_not_inherited_by_programs_started_later) {
  std::string why;
  auto lock = account_lock::acquire(file_, why);
  ASSERT_TRUE(lock) << why;
  int found = 0;
  for (const auto& entry : fs::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    const fs::path target = fs::read_symlink(entry.path(), ec);
    if (ec || target != file_) continue;
    ++found;
    const int fd = std::stoi(entry.path().filename().string());
    EXPECT_NE(::fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
  }
  EXPECT_EQ(found, 1);
}

TEST_F(account_lock_test, creates_missing_private_directories) {
  testing::scoped_umask umask(022);
  file_ = dir_.path() / "a" / "b" / "work.lock";
  std::string why;
  auto lock = account_lock::acquire(file_, why);
  ASSERT_TRUE(lock) << why;
  EXPECT_EQ(mode_of(dir_.path() / "a"), 0700u);
  EXPECT_EQ(mode_of(dir_.path() / "a" / "b"), 0700u);
  EXPECT_EQ(mode_of(file_), 0600u);
}

TEST_F(account_lock_test, a_lock_directory_under_a_regular_file_is_an_io_error) {
  const fs::path plain = dir_.path() / "plain";
  testing::write_bytes(plain, "x");
  std::string why;
  auto lock = account_lock::acquire(plain / "locks" / "work.lock", why);
  ASSERT_FALSE(lock);
  EXPECT_EQ(lock.error().code, errc::io_error);
  EXPECT_EQ(lock.error().system_error, ENOTDIR);
  EXPECT_EQ(why, "cannot create directory " + plain.string() + ": Not a directory");
  EXPECT_EQ(read_bytes(plain), "x");
}

}  // namespace
}  // namespace pop3::agent
