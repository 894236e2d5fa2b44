// mboxrd delivery against real files and real competing processes: exact bytes on disk, the
// file untouched after a failure, both locks honoured.
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "delivery/delivery.hpp"
#include "delivery_test_support.hpp"

namespace pop3::agent {
namespace {

using namespace std::chrono_literals;
using std::chrono::steady_clock;
using testing::deliver;
using testing::file_mode;
using testing::list_directory;
using testing::read_file;
using testing::write_file;
using strings = std::vector<std::string>;

// 1000000000 seconds after the epoch.
constexpr std::string_view from_lf = "From MAILER-DAEMON Sun Sep  9 01:46:40 2001\n";
constexpr std::string_view from_crlf = "From MAILER-DAEMON Sun Sep  9 01:46:40 2001\r\n";

class mbox_test : public testing::delivery_test {
 protected:
  std::unique_ptr<delivery> open(const std::filesystem::path& file, line_ending ends,
                                 std::chrono::milliseconds lock_timeout = 5s) {
    mbox_options options;
    options.ends = ends;
    options.lock_timeout = lock_timeout;
    options.clock = [] { return std::chrono::system_clock::from_time_t(1000000000); };
    std::string why;
    auto opened = open_mbox(file, options, why);
    EXPECT_TRUE(opened) << why;
    return opened ? std::move(*opened) : nullptr;
  }
  std::filesystem::path mbox() const { return dir() / "mbox"; }
  std::string dotlock() const { return mbox().string() + ".lock"; }
};

// True if this process can take a write lock on `file` now (an open file description lock
// conflicts with ours even within the process), which it releases at once.
bool can_lock(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_RDWR | O_CLOEXEC);
  EXPECT_GE(fd, 0);
  struct flock range {};
  range.l_type = F_WRLCK;
  range.l_whence = SEEK_SET;
  const bool locked = ::fcntl(fd, F_OFD_SETLK, &range) == 0;
  ::close(fd);
  return locked;
}

// Another process holding a classic fcntl write lock on a file, as a mail reader would.
class lock_holder {
 public:
  // Holds the lock until release(), or for `hold` if it is not zero.
  explicit lock_holder(const std::filesystem::path& file, std::chrono::milliseconds hold = 0ms) {
    int ready[2], stop[2];
    EXPECT_EQ(::pipe2(ready, O_CLOEXEC), 0);
    EXPECT_EQ(::pipe2(stop, O_CLOEXEC), 0);
    pid_ = ::fork();
    if (pid_ == 0) {
      // The child: async-signal-safe calls only. Without our copy of the write end, the
      // parent closing its own is the end of the pipe.
      ::close(stop[1]);
      ::close(ready[0]);
      const int fd = ::open(file.c_str(), O_RDWR);
      struct flock range {};
      range.l_type = F_WRLCK;
      range.l_whence = SEEK_SET;
      if (fd < 0 || ::fcntl(fd, F_SETLKW, &range) != 0) ::_exit(1);
      if (::write(ready[1], "L", 1) != 1) ::_exit(1);
      pollfd until_stopped{stop[0], POLLIN, 0};
      ::poll(&until_stopped, 1, hold.count() > 0 ? static_cast<int>(hold.count()) : -1);
      ::_exit(0);
    }
    ::close(ready[1]);
    ::close(stop[0]);
    stop_ = stop[1];
    char byte = 0;
    EXPECT_EQ(::read(ready[0], &byte, 1), 1) << "the lock holder did not take the lock";
    ::close(ready[0]);
  }
  lock_holder(const lock_holder&) = delete;
  lock_holder& operator=(const lock_holder&) = delete;
  ~lock_holder() { release(); }

  void release() {
    if (pid_ <= 0) return;
    ::close(stop_);
    int status = 0;
    EXPECT_EQ(::waitpid(pid_, &status, 0), pid_);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
  int stop_ = -1;
};

// Every kind of line the quoting must get right, CRLF as the server sends it.
constexpr std::string_view tricky_crlf =
    "From the beginning\r\n"
    "From: x@example.org\r\n"
    "\r\n"
    "From the start of a line\r\n"
    ">From one\r\n"
    ">>From two\r\n"
    "From\r\n"
    "Fromage\r\n"
    ">From\r\n"
    ">>Fro\r\n"
    " From indented\r\n"
    "a From inside\r\n"
    ">>>>x\r\n"
    "\rFrom after a bare CR\r\n"
    "bare LF\nFrom after it\r\n";
constexpr std::string_view tricky_quoted_lf =
    ">From the beginning\n"
    "From: x@example.org\n"
    "\n"
    ">From the start of a line\n"
    ">>From one\n"
    ">>>From two\n"
    "From\n"
    "Fromage\n"
    ">From\n"
    ">>Fro\n"
    " From indented\n"
    "a From inside\n"
    ">>>>x\n"
    "\rFrom after a bare CR\n"
    "bare LF\n>From after it\n";
constexpr std::string_view tricky_quoted_crlf =
    ">From the beginning\r\n"
    "From: x@example.org\r\n"
    "\r\n"
    ">From the start of a line\r\n"
    ">>From one\r\n"
    ">>>From two\r\n"
    "From\r\n"
    "Fromage\r\n"
    ">From\r\n"
    ">>Fro\r\n"
    " From indented\r\n"
    "a From inside\r\n"
    ">>>>x\r\n"
    "\rFrom after a bare CR\r\n"
    "bare LF\n>From after it\r\n";

TEST_F(mbox_test, CreatesAMissingFileWithMode0600) {
  auto mbox = open(this->mbox(), line_ending::lf);
  ASSERT_NE(mbox, nullptr);
  EXPECT_EQ(read_file(this->mbox()), "");
  EXPECT_EQ(file_mode(this->mbox()), 0600u);
  EXPECT_EQ(mbox->describe(), "mbox " + this->mbox().string());
}

TEST_F(mbox_test, AMissingDirectoryOrADirectoryIsAnError) {
  std::string why;
  auto opened = open_mbox(dir() / "missing" / "mbox", line_ending::lf, 1s, why);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, errc::io_error);
  EXPECT_EQ(opened.error().system_error, ENOENT);
  EXPECT_EQ(why,
            "cannot open " + (dir() / "missing" / "mbox").string() + ": No such file or directory");
  opened = open_mbox(dir(), line_ending::lf, 1s, why);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().system_error, EISDIR);
  EXPECT_EQ(why, "cannot open " + dir().string() + ": Is a directory");
}

TEST_F(mbox_test, QuotesFromLinesWithLfLineEnds) {
  auto mbox = open(this->mbox(), line_ending::lf);
  ASSERT_TRUE(deliver(*mbox, {tricky_crlf}));
  EXPECT_EQ(read_file(this->mbox()), std::string(from_lf) + std::string(tricky_quoted_lf) + "\n");
  // The dotlock is gone; the journal stays as long as the delivery object.
  EXPECT_EQ(list_directory(dir()), (strings{"mbox", "mbox.pop3-append"}));
  mbox.reset();
  EXPECT_EQ(list_directory(dir()), strings{"mbox"});
}

TEST_F(mbox_test, QuotesFromLinesWithCrlfLineEnds) {
  auto mbox = open(this->mbox(), line_ending::crlf);
  ASSERT_TRUE(deliver(*mbox, {tricky_crlf}));
  EXPECT_EQ(read_file(this->mbox()),
            std::string(from_crlf) + std::string(tricky_quoted_crlf) + "\r\n");
}

// The message cut in two at every offset: inside "From ", between the '>'s, between CR and
// LF. The file must be the same every time.
TEST_F(mbox_test, QuotesTheSameAtEverySplitPoint) {
  for (const line_ending ends : {line_ending::lf, line_ending::crlf}) {
    const std::string expected =
        ends == line_ending::lf ? std::string(from_lf) + std::string(tricky_quoted_lf) + "\n"
                                : std::string(from_crlf) + std::string(tricky_quoted_crlf) + "\r\n";
    for (std::size_t split = 0; split <= tricky_crlf.size(); ++split) {
      const auto file = dir() / ("mbox-" + std::to_string(split));
      auto mbox = open(file, ends);
      ASSERT_TRUE(deliver(*mbox, {tricky_crlf.substr(0, split), tricky_crlf.substr(split)}));
      ASSERT_EQ(read_file(file), expected)
          << "split at " << split << (ends == line_ending::lf ? " (lf)" : " (crlf)");
      std::filesystem::remove(file);
    }
    auto mbox = open(this->mbox(), ends);
    ASSERT_TRUE(deliver(*mbox, testing::split_every(tricky_crlf, 1)));
    EXPECT_EQ(read_file(this->mbox()), expected) << "one octet at a time";
    std::filesystem::remove(this->mbox());
  }
}

TEST_F(mbox_test, EndsEveryMessageWithALineEndAndAnEmptyLine) {
  struct example {
    line_ending ends;
    std::vector<std::string_view> chunks;
    std::string expected;
  };
  const std::vector<example> examples = {
      {line_ending::lf, {"no line end"}, std::string(from_lf) + "no line end\n\n"},
      {line_ending::lf, {">>Fro"}, std::string(from_lf) + ">>Fro\n\n"},
      {line_ending::lf, {"x\r\n>", ">Fro", "m "}, std::string(from_lf) + "x\n>>>From \n\n"},
      {line_ending::lf, {"ends in CR\r"}, std::string(from_lf) + "ends in CR\r\n\n"},
      {line_ending::lf, {}, std::string(from_lf) + "\n"},
      {line_ending::crlf, {"no line end"}, std::string(from_crlf) + "no line end\r\n\r\n"},
      {line_ending::crlf, {"x\r\n"}, std::string(from_crlf) + "x\r\n\r\n"},
      {line_ending::crlf, {}, std::string(from_crlf) + "\r\n"},
  };
  for (std::size_t n = 0; n < examples.size(); ++n) {
    const auto file = dir() / ("mbox-" + std::to_string(n));
    auto mbox = open(file, examples[n].ends);
    ASSERT_TRUE(deliver(*mbox, examples[n].chunks));
    EXPECT_EQ(read_file(file), examples[n].expected) << "example " << n;
  }
}

TEST_F(mbox_test, AppendsMessagesOneAfterAnother) {
  write_file(this->mbox(), "From MAILER-DAEMON Thu Jan  1 00:00:00 1970\nold\n\n");
  auto mbox = open(this->mbox(), line_ending::lf);
  ASSERT_TRUE(deliver(*mbox, {"first\r\n"}));
  ASSERT_TRUE(deliver(*mbox, {"From second\r\n"}));
  EXPECT_EQ(read_file(this->mbox()), "From MAILER-DAEMON Thu Jan  1 00:00:00 1970\nold\n\n" +
                                         std::string(from_lf) + "first\n\n" + std::string(from_lf) +
                                         ">From second\n\n");
}

TEST_F(mbox_test, AbortLeavesTheFileAsItWas) {
  const std::string before = std::string(from_lf) + "old\n\n";
  write_file(this->mbox(), before);
  auto mbox = open(this->mbox(), line_ending::lf);
  std::string why;
  auto sink = mbox->begin({}, why);
  ASSERT_TRUE(sink) << why;
  ASSERT_TRUE((*sink)->write("Subject: half\r\n\r\nFrom here on"));
  EXPECT_NE(read_file(this->mbox()), before);  // the message was really being written
  (*sink)->abort(error(errc::connection_closed));
  EXPECT_EQ(read_file(this->mbox()), before);
  EXPECT_EQ((*sink)->failure(), "");
  EXPECT_EQ(list_directory(dir()), (strings{"mbox", "mbox.pop3-append"}));
  EXPECT_TRUE(can_lock(this->mbox()));
}

TEST_F(mbox_test, DestructionWithoutFinishLeavesTheFileAsItWas) {
  const std::string before = std::string(from_lf) + "old\n\n";
  write_file(this->mbox(), before);
  auto mbox = open(this->mbox(), line_ending::crlf);
  {
    std::string why;
    auto sink = mbox->begin({}, why);
    ASSERT_TRUE(sink) << why;
    ASSERT_TRUE((*sink)->write("half a message\r\n"));
  }
  EXPECT_EQ(read_file(this->mbox()), before);
  EXPECT_EQ(list_directory(dir()), (strings{"mbox", "mbox.pop3-append"}));
  EXPECT_TRUE(can_lock(this->mbox()));
}

TEST_F(mbox_test, HoldsBothLocksWhileAMessageIsWritten) {
  auto mbox = open(this->mbox(), line_ending::lf);
  std::string why;
  auto sink = mbox->begin({}, why);
  ASSERT_TRUE(sink) << why;
  EXPECT_EQ(read_file(dotlock()), std::to_string(::getpid()) + "\n");  // names its holder
  EXPECT_FALSE(can_lock(this->mbox()));
  ASSERT_TRUE((*sink)->write("x\r\n"));
  ASSERT_TRUE((*sink)->finish());
  EXPECT_FALSE(std::filesystem::exists(dotlock()));
  EXPECT_TRUE(can_lock(this->mbox()));
}

TEST_F(mbox_test, TimesOutWhileAnotherProcessHoldsTheFcntlLock) {
  const std::string before = "From MAILER-DAEMON Thu Jan  1 00:00:00 1970\nold\n\n";
  write_file(this->mbox(), before);
  auto mbox = open(this->mbox(), line_ending::lf, 200ms);
  lock_holder holder(this->mbox());
  const auto start = steady_clock::now();
  std::string why;
  auto sink = mbox->begin({}, why);
  const auto waited = steady_clock::now() - start;
  ASSERT_FALSE(sink);
  EXPECT_EQ(sink.error().code, errc::timeout);
  EXPECT_EQ(why, "cannot lock " + this->mbox().string() +
                     ": another process holds a lock on it (waited 200 ms)");
  EXPECT_GE(waited, 200ms);
  EXPECT_LT(waited, 5s);
  holder.release();
  EXPECT_EQ(read_file(this->mbox()), before);
  EXPECT_EQ(list_directory(dir()), strings{"mbox"});
}

TEST_F(mbox_test, WaitsForAnFcntlLockReleasedWithinTheTimeout) {
  auto mbox = open(this->mbox(), line_ending::lf, 10s);
  lock_holder holder(this->mbox(), 300ms);
  const auto start = steady_clock::now();
  ASSERT_TRUE(deliver(*mbox, {"x\r\n"}));
  EXPECT_GE(steady_clock::now() - start, 200ms);
  EXPECT_EQ(read_file(this->mbox()), std::string(from_lf) + "x\n\n");
}

TEST_F(mbox_test, TimesOutOnAnExistingDotlockAndLeavesIt) {
  const std::string before = "From MAILER-DAEMON Thu Jan  1 00:00:00 1970\nold\n\n";
  write_file(this->mbox(), before);
  write_file(dotlock(), "");
  auto mbox = open(this->mbox(), line_ending::lf, 200ms);
  const auto start = steady_clock::now();
  std::string why;
  auto sink = mbox->begin({}, why);
  const auto waited = steady_clock::now() - start;
  ASSERT_FALSE(sink);
  EXPECT_EQ(sink.error().code, errc::timeout);
  EXPECT_EQ(why,
            "cannot lock " + this->mbox().string() + ": " + dotlock() + " exists (waited 200 ms)");
  EXPECT_GE(waited, 200ms);
  EXPECT_LT(waited, 5s);
  EXPECT_EQ(read_file(this->mbox()), before);
  EXPECT_EQ(list_directory(dir()), (strings{"mbox", "mbox.lock"}));
  EXPECT_TRUE(can_lock(this->mbox()));  // the fcntl lock taken first was given back
}

TEST_F(mbox_test, RemovesAStaleDotlock) {
  write_file(dotlock(), "");
  std::filesystem::last_write_time(
      dotlock(), std::filesystem::file_time_type::clock::now() - std::chrono::minutes(6));
  auto mbox = open(this->mbox(), line_ending::lf, 200ms);
  ASSERT_TRUE(deliver(*mbox, {"x\r\n"}));
  EXPECT_EQ(read_file(this->mbox()), std::string(from_lf) + "x\n\n");
  mbox.reset();
  EXPECT_EQ(list_directory(dir()), strings{"mbox"});
}

// The id of a process that has ended and been reaped, so that no process has it (until the
// system hands it out again, which takes a whole cycle of pid_max).
pid_t ended_process() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  EXPECT_EQ(::waitpid(child, &status, 0), child);
  return child;
}

TEST_F(mbox_test, RemovesAFreshDotlockWhoseProcessHasEndedAtOnce) {
  // What a `pop3 fetch` killed in the middle of a delivery leaves.
  write_file(dotlock(), std::to_string(ended_process()) + "\n");
  auto mbox = open(this->mbox(), line_ending::lf, 200ms);
  ASSERT_TRUE(deliver(*mbox, {"x\r\n"}));
  EXPECT_EQ(read_file(this->mbox()), std::string(from_lf) + "x\n\n");
  mbox.reset();
  EXPECT_EQ(list_directory(dir()), strings{"mbox"});
}

TEST_F(mbox_test, WaitsForAFreshDotlockOfALiveProcessOrWithoutAnId) {
  const std::string live = std::to_string(::getppid()) + "\n";
  const std::string ended = std::to_string(ended_process());
  // Not exactly digits and a newline: no id, so only its age could make it stale.
  for (const std::string& content : {live, ended, ended + "\n\n", " " + ended + "\n",
                                     std::string("0\n"), std::string("99999999\n")}) {
    SCOPED_TRACE(content);
    write_file(dotlock(), content);
    auto mbox = open(this->mbox(), line_ending::lf, 200ms);
    std::string why;
    auto sink = mbox->begin({}, why);
    ASSERT_FALSE(sink);
    EXPECT_EQ(sink.error().code, errc::timeout);
    EXPECT_EQ(
        why, "cannot lock " + this->mbox().string() + ": " + dotlock() + " exists (waited 200 ms)");
    EXPECT_EQ(read_file(dotlock()), content);
  }
}

TEST_F(mbox_test, KeepsItsDotlockFreshWhileAMessageIsWritten) {
  // Programs that judge dotlocks by age must not take a slow download for a crashed holder.
  mbox_options options;
  options.ends = line_ending::lf;
  options.stale_dotlock_age = std::chrono::seconds(1);  // refreshed every 200 ms
  std::string why;
  auto mbox = open_mbox(this->mbox(), options, why);
  ASSERT_TRUE(mbox) << why;
  auto sink = (*mbox)->begin({}, why);
  ASSERT_TRUE(sink) << why;
  const auto long_ago = std::filesystem::file_time_type::clock::now() - std::chrono::minutes(10);
  std::filesystem::last_write_time(dotlock(), long_ago);
  ASSERT_TRUE((*sink)->write("first line\r\n"));  // too soon to refresh
  EXPECT_EQ(std::filesystem::last_write_time(dotlock()), long_ago);
  std::this_thread::sleep_for(250ms);
  ASSERT_TRUE((*sink)->write("second line\r\n"));
  EXPECT_GT(std::filesystem::last_write_time(dotlock()),
            std::filesystem::file_time_type::clock::now() - std::chrono::minutes(1));
  ASSERT_TRUE((*sink)->finish());
  EXPECT_FALSE(std::filesystem::exists(dotlock()));
}

TEST_F(mbox_test, LeavesADotlockThatIsNoLongerItsOwn) {
  // Someone judged ours stale and took the lock: theirs must survive our release.
  auto mbox = open(this->mbox(), line_ending::lf);
  std::string why;
  auto sink = mbox->begin({}, why);
  ASSERT_TRUE(sink) << why;
  std::filesystem::remove(dotlock());
  write_file(dotlock(), "12345\n");
  ASSERT_TRUE((*sink)->write("x\r\n"));
  ASSERT_TRUE((*sink)->finish());
  EXPECT_EQ(read_file(dotlock()), "12345\n");
  EXPECT_EQ(read_file(this->mbox()), std::string(from_lf) + "x\n\n");
}

// Whether this process has `file` open (a look at /proc/self/fd): the delivery under test
// holds it while it waits for the lock.
bool process_has_open(const std::filesystem::path& file) {
  std::error_code ec;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    std::error_code link_error;
    if (std::filesystem::read_symlink(it->path(), link_error) == file) return true;
  }
  return false;
}

void wait_until_open(const std::filesystem::path& file) {
  const auto deadline = steady_clock::now() + 10s;
  while (!process_has_open(file) && steady_clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  ASSERT_TRUE(process_has_open(file)) << "the delivery never opened " << file;
}

TEST_F(mbox_test, AppendsToTheFileThePathNamesAfterWaitingForTheLock) {
  // A mail reader holds the lock, and meanwhile deletes the emptied mbox or writes a new one
  // and renames it into place. The message must go to the file the path names once the lock
  // is ours, not to the one opened before: that one is gone, or no longer read.
  const std::string old_content = "From MAILER-DAEMON Thu Jan  1 00:00:00 1970\nold\n\n";
  const std::string rewritten = "From MAILER-DAEMON Thu Jan  1 00:00:00 1970\nkept\n\n";
  for (const bool removed : {true, false}) {
    SCOPED_TRACE(removed ? "removed" : "replaced");
    write_file(this->mbox(), old_content);
    write_file(dotlock(), std::to_string(::getppid()) + "\n");  // a live holder
    auto mbox = open(this->mbox(), line_ending::lf, 10s);
    result<void> delivered;
    std::thread delivery([&] { delivered = deliver(*mbox, {"x\r\n"}); });
    wait_until_open(this->mbox());
    if (removed) {
      std::filesystem::remove(this->mbox());
    } else {
      write_file(dir() / "mbox.new", rewritten);
      std::filesystem::rename(dir() / "mbox.new", this->mbox());
    }
    std::filesystem::remove(dotlock());  // the reader is done
    delivery.join();
    ASSERT_TRUE(delivered);
    EXPECT_EQ(read_file(this->mbox()),
              (removed ? std::string() : rewritten) + std::string(from_lf) + "x\n\n");
    if (removed) {
      EXPECT_EQ(file_mode(this->mbox()), 0600u);
    }
    mbox.reset();
    EXPECT_EQ(list_directory(dir()), strings{"mbox"});
    std::filesystem::remove(this->mbox());
  }
}

}  // namespace
}  // namespace pop3::agent
