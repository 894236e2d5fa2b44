// MDA delivery with real processes: the message is spooled to a file without a name and the
// command runs only on a complete message; the bytes it reads, its exit status, how much of
// the message it read, timeouts, and that nothing is left behind (no zombie, no descriptor,
// no spool file).
#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include <gtest/gtest.h>

#include "delivery/delivery.hpp"
#include "delivery_test_support.hpp"

namespace pop3::agent {
namespace {

using namespace std::chrono_literals;
using std::chrono::steady_clock;
using testing::deliver;
using testing::list_directory;
using testing::no_child_left;
using testing::read_file;
using strings = std::vector<std::string>;

// Sets an environment variable for the life of the object, then puts back what was there.
class scoped_environment_variable {
 public:
  scoped_environment_variable(const char* name, const std::string& value) : name_(name) {
    if (const char* previous = std::getenv(name)) previous_ = previous;
    ::setenv(name, value.c_str(), 1);
  }
  scoped_environment_variable(const scoped_environment_variable&) = delete;
  scoped_environment_variable& operator=(const scoped_environment_variable&) = delete;
  ~scoped_environment_variable() {
    if (previous_) {
      ::setenv(name_, previous_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> previous_;
};

// Unmounts a file system at the end of a scope, even one left by a failed assertion.
class unmount_at_exit {
 public:
  explicit unmount_at_exit(std::filesystem::path mount_point)
      : mount_point_(std::move(mount_point)) {}
  unmount_at_exit(const unmount_at_exit&) = delete;
  unmount_at_exit& operator=(const unmount_at_exit&) = delete;
  ~unmount_at_exit() { EXPECT_EQ(::umount(mount_point_.c_str()), 0) << std::strerror(errno); }

 private:
  std::filesystem::path mount_point_;
};

// Every test spools into a fresh directory of its own ($TMPDIR), so that it can see that the
// spool file never shows up there.
class mda_test : public testing::delivery_test {
 protected:
  mda_test() { std::filesystem::create_directory(spool()); }

  std::unique_ptr<delivery> open(const std::string& command, line_ending ends,
                                 std::chrono::milliseconds timeout = 10s) {
    std::string why;
    auto opened = open_mda(command, ends, timeout, why);
    EXPECT_TRUE(opened) << why;
    return opened ? std::move(*opened) : nullptr;
  }
  std::filesystem::path spool() const { return dir() / "spool"; }
  std::string out() const { return (dir() / "out").string(); }
  std::string marker() const { return (dir() / "marker").string(); }

 private:
  scoped_environment_variable tmpdir_{"TMPDIR", spool().string()};
};

constexpr std::string_view message_crlf = "Subject: t\r\n\r\nFrom here\r\nbare\rCR\r\nlast\r\n";
constexpr std::string_view message_lf = "Subject: t\n\nFrom here\nbare\rCR\nlast\n";
static_assert(message_lf.size() == 35);

TEST_F(mda_test, TheCommandReadsTheMessageWithLfLineEnds) {
  auto mda = open("cat > '" + out() + "'", line_ending::lf);
  std::string failure;
  ASSERT_TRUE(deliver(*mda, testing::split_every(message_crlf, 5), &failure)) << failure;
  EXPECT_EQ(read_file(out()), message_lf);
  EXPECT_TRUE(no_child_left());
  EXPECT_EQ(list_directory(spool()), strings{});
}

TEST_F(mda_test, TheCommandReadsTheMessageAsReceivedWithCrlf) {
  auto mda = open("cat > '" + out() + "'", line_ending::crlf);
  ASSERT_TRUE(deliver(*mda, {message_crlf}));
  EXPECT_EQ(read_file(out()), message_crlf);
  EXPECT_EQ(mda->describe(), "mda cat > '" + out() + "'");
}

TEST_F(mda_test, TheEnvironmentNamesTheAccountAndTheUid) {
  scoped_environment_variable stale("POP3_UID", "stale value from outside");
  auto mda =
      open("cat > /dev/null; printf '%s|%s' \"$POP3_ACCOUNT\" \"$POP3_UID\" > '" + out() + "'",
           line_ending::lf);
  message_info info;
  info.account = "work";
  info.uid = "UID-1234";
  ASSERT_TRUE(deliver(*mda, {"x\r\n"}, nullptr, info));
  EXPECT_EQ(read_file(out()), "work|UID-1234");
}

TEST_F(mda_test, ANonZeroExitStatusIsAFailure) {
  auto mda = open("cat > /dev/null; exit 1", line_ending::lf);
  std::string failure;
  auto delivered = deliver(*mda, {message_crlf}, &failure);
  ASSERT_FALSE(delivered);
  EXPECT_EQ(delivered.error().code, errc::sink_failed);
  EXPECT_EQ(delivered.error().system_error, 0);
  EXPECT_EQ(failure, "the MDA exited with status 1");
  EXPECT_TRUE(no_child_left());
}

TEST_F(mda_test, ACommandKilledByASignalIsAFailure) {
  auto mda = open("cat > /dev/null; kill -9 $$", line_ending::lf);
  std::string failure;
  auto delivered = deliver(*mda, {message_crlf}, &failure);
  ASSERT_FALSE(delivered);
  EXPECT_EQ(delivered.error().code, errc::sink_failed);
  EXPECT_EQ(delivered.error().system_error, 0);
  EXPECT_EQ(failure, "the MDA was killed by signal 9");
  EXPECT_TRUE(no_child_left());
}

// Exit status 0 is not enough: the command must have read the message to its end.
TEST_F(mda_test, ACommandThatReadsNothingAndExitsZeroIsAFailure) {
  auto mda = open("true", line_ending::lf);
  std::string failure;
  auto delivered = deliver(*mda, {message_crlf}, &failure);
  ASSERT_FALSE(delivered);
  EXPECT_EQ(delivered.error().code, errc::sink_failed);
  EXPECT_EQ(delivered.error().system_error, 0);
  EXPECT_EQ(failure, "the MDA exited with status 0 but read only 0 of 35 octets of the message");
  EXPECT_TRUE(no_child_left());
  EXPECT_EQ(list_directory(spool()), strings{});
}

TEST_F(mda_test, ACommandThatReadsPartAndExitsZeroIsAFailure) {
  auto mda = open("head -c 10 > /dev/null", line_ending::lf);
  std::string failure;
  auto delivered = deliver(*mda, {message_crlf}, &failure);
  ASSERT_FALSE(delivered);
  EXPECT_EQ(delivered.error().code, errc::sink_failed);
  EXPECT_EQ(delivered.error().system_error, 0);
  EXPECT_EQ(failure, "the MDA exited with status 0 but read only 10 of 35 octets of the message");
  EXPECT_TRUE(no_child_left());
}

// The whole message is written, yet nothing runs until finish(): a pop3 fetch killed before
// the end of a message never hands an MDA part of it.
TEST_F(mda_test, TheCommandDoesNotRunBeforeFinish) {
  auto mda = open("touch '" + marker() + "'; cat > '" + out() + "'", line_ending::lf);
  std::string why;
  auto sink = mda->begin({}, why);
  ASSERT_TRUE(sink) << why;
  for (const std::string_view chunk : testing::split_every(message_crlf, 7))
    ASSERT_TRUE((*sink)->write(chunk)) << (*sink)->failure();
  // Time enough for a command started early to have created its marker.
  std::this_thread::sleep_for(200ms);
  EXPECT_TRUE(no_child_left());
  EXPECT_FALSE(std::filesystem::exists(marker()));
  ASSERT_TRUE((*sink)->finish()) << (*sink)->failure();
  EXPECT_TRUE(std::filesystem::exists(marker()));
  EXPECT_EQ(read_file(out()), message_lf);
}

// The spool has no name in $TMPDIR before, during and after the command's run; the command's
// standard input is that file ("#INODE (deleted)" is how Linux names an O_TMPFILE file).
TEST_F(mda_test, TheSpoolFileIsVisibleNowhere) {
  const std::string listing = (dir() / "listing").string();
  const std::string where = (dir() / "where").string();
  auto mda = open("cat > '" + out() + "'; ls -A '" + spool().string() + "' > '" + listing +
                      "'; readlink /proc/$$/fd/0 > '" + where + "'",
                  line_ending::crlf);
  std::string why;
  auto sink = mda->begin({}, why);
  ASSERT_TRUE(sink) << why;
  EXPECT_EQ(list_directory(spool()), strings{});
  ASSERT_TRUE((*sink)->write(message_crlf));
  EXPECT_EQ(list_directory(spool()), strings{});
  ASSERT_TRUE((*sink)->finish()) << (*sink)->failure();
  EXPECT_EQ(list_directory(spool()), strings{});
  EXPECT_EQ(read_file(listing), "");
  const std::string spool_file = read_file(where);
  const std::string prefix = spool().string() + "/#";
  const std::string suffix = " (deleted)\n";
  ASSERT_GT(spool_file.size(), prefix.size() + suffix.size()) << spool_file;
  EXPECT_EQ(spool_file.substr(0, prefix.size()), prefix) << spool_file;
  EXPECT_EQ(spool_file.substr(spool_file.size() - suffix.size()), suffix) << spool_file;
  EXPECT_EQ(read_file(out()), message_crlf);
}

TEST_F(mda_test, AMissingSpoolDirectoryFailsBegin) {
  const auto missing = dir() / "missing";
  scoped_environment_variable tmpdir("TMPDIR", missing.string());
  auto mda = open("touch '" + marker() + "'; cat > /dev/null", line_ending::lf);
  std::string why;
  auto sink = mda->begin({}, why);
  ASSERT_FALSE(sink);
  EXPECT_EQ(sink.error().code, errc::io_error);
  EXPECT_EQ(sink.error().system_error, ENOENT);
  EXPECT_EQ(why,
            "cannot create a spool file in " + missing.string() + ": No such file or directory");
  EXPECT_TRUE(no_child_left());
  EXPECT_FALSE(std::filesystem::exists(marker()));
}

// A relative $TMPDIR would depend on the working directory: /tmp is used instead.
TEST_F(mda_test, ARelativeTmpdirIsIgnored) {
  scoped_environment_variable tmpdir("TMPDIR", "relative/spool");
  const std::string where = (dir() / "where").string();
  auto mda = open("cat > /dev/null; readlink /proc/$$/fd/0 > '" + where + "'", line_ending::lf);
  std::string failure;
  ASSERT_TRUE(deliver(*mda, {message_crlf}, &failure)) << failure;
  EXPECT_EQ(read_file(where).substr(0, 6), "/tmp/#");
}

// A spool directory on a full file system (a 256 KiB tmpfs; mount(2) needs root, as in
// full_filesystem_test.cpp): write() names the directory, and the space is free again after.
TEST_F(mda_test, AFullSpoolDirectoryFailsWrite) {
  const auto small = dir() / "small";
  std::filesystem::create_directory(small);
  ASSERT_EQ(::mount("tmpfs", small.c_str(), "tmpfs", 0, "size=256k,mode=0700"), 0)
      << "cannot mount a 256 KiB tmpfs at " << small << ": " << std::strerror(errno)
      << " (this test must run as root)";
  // Unmounted however the test ends, after everything below has closed its descriptors.
  const unmount_at_exit unmount(small);
  {
    scoped_environment_variable tmpdir("TMPDIR", small.string());
    auto mda = open("touch '" + marker() + "'; cat > '" + out() + "'", line_ending::crlf);
    const std::string big(1u << 20, 'x');  // four times the file system
    std::string failure;
    auto delivered = deliver(*mda, testing::split_every(big, 16384), &failure);
    ASSERT_FALSE(delivered);
    EXPECT_EQ(delivered.error().code, errc::sink_failed);
    EXPECT_EQ(delivered.error().system_error, ENOSPC);
    EXPECT_EQ(failure,
              "cannot write the spool file in " + small.string() + ": No space left on device");
    EXPECT_TRUE(no_child_left());
    EXPECT_FALSE(std::filesystem::exists(marker()));
    // The failed spool was dropped: a message of 200 KiB fits again.
    const std::string fits(200u << 10, 'y');
    ASSERT_TRUE(deliver(*mda, {fits}, &failure)) << failure;
    EXPECT_EQ(read_file(out()), fits);
  }
}

TEST_F(mda_test, ACommandThatDoesNotExitIsKilledAfterTheTimeout) {
  const std::string pid_file = (dir() / "pid").string();
  // The sleep runs in the background, so killing the shell alone would not stop it.
  auto mda = open("cat > /dev/null; sleep 60 & echo $! > '" + pid_file + "'; wait", line_ending::lf,
                  300ms);
  std::string why;
  auto sink = mda->begin({}, why);
  ASSERT_TRUE(sink) << why;
  ASSERT_TRUE((*sink)->write(message_crlf));
  const auto start = steady_clock::now();
  auto finished = (*sink)->finish();
  const auto took = steady_clock::now() - start;
  ASSERT_FALSE(finished);
  EXPECT_EQ(finished.error().code, errc::sink_failed);
  EXPECT_EQ(finished.error().system_error, ETIMEDOUT);
  EXPECT_EQ((*sink)->failure(), "the MDA did not exit within 300 ms; it was killed");
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 10s);
  EXPECT_TRUE(no_child_left());
  // The background sleep was killed with the shell's process group: it is gone, or a zombie
  // waiting for init.
  const std::string sleeper = read_file(pid_file);
  ASSERT_FALSE(sleeper.empty());
  const std::string stat_file = "/proc/" + sleeper.substr(0, sleeper.find('\n')) + "/stat";
  bool dead = false;
  for (const auto deadline = steady_clock::now() + 5s; !dead && steady_clock::now() < deadline;
       std::this_thread::sleep_for(10ms)) {
    std::ifstream stat(stat_file);
    std::string pid, name, state;
    dead = !(stat >> pid >> name >> state) || state == "Z";
  }
  EXPECT_TRUE(dead) << "the background sleep of the MDA still runs";
}

// Aborted before finish(), the message never reaches the command: it never ran.
TEST_F(mda_test, AbortBeforeFinishNeverRunsTheCommand) {
  auto mda = open("touch '" + marker() + "'; cat > /dev/null", line_ending::lf);
  std::string why;
  auto sink = mda->begin({}, why);
  ASSERT_TRUE(sink) << why;
  ASSERT_TRUE((*sink)->write("half"));
  (*sink)->abort(error(errc::connection_closed));
  EXPECT_TRUE(no_child_left());
  EXPECT_FALSE(std::filesystem::exists(marker()));
  EXPECT_EQ((*sink)->failure(), "");
  auto late = (*sink)->finish();
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, errc::sink_failed);
  EXPECT_EQ(late.error().system_error, EINVAL);
  EXPECT_FALSE(std::filesystem::exists(marker()));
  EXPECT_TRUE(no_child_left());
}

TEST_F(mda_test, DestructionWithoutFinishNeverRunsTheCommand) {
  auto mda = open("touch '" + marker() + "'; cat > /dev/null", line_ending::lf);
  {
    std::string why;
    auto sink = mda->begin({}, why);
    ASSERT_TRUE(sink) << why;
    ASSERT_TRUE((*sink)->write("half"));
  }
  EXPECT_TRUE(no_child_left());
  EXPECT_FALSE(std::filesystem::exists(marker()));
}

std::set<int> open_descriptors() {
  std::set<int> descriptors;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd"))
    descriptors.insert(std::stoi(entry.path().filename().string()));
  // Without the directory_iterator's own, closed by now.
  std::erase_if(descriptors, [](int fd) { return ::fcntl(fd, F_GETFD) < 0; });
  return descriptors;
}

// What `ls -l /proc/self/fd` says descriptor `fd` points to ("" if it has none).
std::string descriptor_target(const std::string& listing, int fd) {
  const std::string key = " " + std::to_string(fd) + " -> ";
  const auto at = listing.find(key);
  if (at == std::string::npos) return "";
  const auto start = at + key.size();
  return listing.substr(start, listing.find('\n', start) - start);
}

// The MDA gets 0, 1 and 2 only, even while a Maildir and an mbox message are open here and
// this process holds a descriptor without close-on-exec. `ls /proc/self/fd` also lists 3: the
// descriptor ls itself opened to read that directory, as `ls -l` shows (3 -> /proc/PID/fd,
// PID being that ls's own).
TEST_F(mda_test, NoDescriptorLeaksIntoTheCommand) {
  const int inheritable = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(inheritable, 3);
  std::string why;
  auto maildir = open_maildir(dir() / "Mail", line_ending::lf, why);
  ASSERT_TRUE(maildir) << why;
  auto maildir_message = (*maildir)->begin({}, why);
  ASSERT_TRUE(maildir_message) << why;
  auto mbox = open_mbox(dir() / "mbox", line_ending::lf, 1s, why);
  ASSERT_TRUE(mbox) << why;
  auto mbox_message = (*mbox)->begin({}, why);
  ASSERT_TRUE(mbox_message) << why;
  const std::string long_listing = (dir() / "long").string();
  auto mda = open("cat > /dev/null; ls /proc/self/fd > '" + out() + "'; ls -l /proc/self/fd > '" +
                      long_listing + "'",
                  line_ending::lf);
  std::string failure;
  ASSERT_TRUE(deliver(*mda, {"x\r\n"}, &failure)) << failure;
  ::close(inheritable);
  EXPECT_EQ(read_file(out()), "0\n1\n2\n3\n");
  const std::string listing = read_file(long_listing);
  const std::string ls_own = descriptor_target(listing, 3);
  ASSERT_GT(ls_own.size(), std::string("/proc//fd").size()) << listing;
  EXPECT_EQ(ls_own.substr(0, 6), "/proc/") << listing;
  EXPECT_EQ(ls_own.substr(ls_own.size() - 3), "/fd") << listing;
  EXPECT_EQ(ls_own.find_first_not_of("0123456789", 6), ls_own.size() - 3) << listing;
  EXPECT_EQ(descriptor_target(listing, 0).substr(0, spool().string().size() + 2),
            spool().string() + "/#")
      << listing;
}

// Every descriptor the library holds is close-on-exec, so that no program this process
// starts (not only an MDA) inherits one.
TEST_F(mda_test, EveryDescriptorOfTheLibraryIsCloseOnExec) {
  const auto before = open_descriptors();
  std::string why;
  auto maildir = open_maildir(dir() / "Mail", line_ending::lf, why);
  ASSERT_TRUE(maildir) << why;
  auto maildir_message = (*maildir)->begin({}, why);
  ASSERT_TRUE(maildir_message) << why;
  auto mbox = open_mbox(dir() / "mbox", line_ending::lf, 1s, why);
  ASSERT_TRUE(mbox) << why;
  auto mbox_message = (*mbox)->begin({}, why);
  ASSERT_TRUE(mbox_message) << why;
  auto mda = open("cat > /dev/null", line_ending::lf);
  auto mda_message = mda->begin({}, why);
  ASSERT_TRUE(mda_message) << why;
  const auto during = open_descriptors();
  std::size_t added = 0;
  for (const int fd : during) {
    if (before.count(fd) != 0) continue;
    const int flags = ::fcntl(fd, F_GETFD);
    ++added;
    EXPECT_NE(flags & FD_CLOEXEC, 0) << "descriptor " << fd << " is inherited by exec()";
  }
  // tmp/, new/, the tmp/ file, the mbox, its journal, the MDA's spool file
  EXPECT_EQ(added, 6u);
  ASSERT_TRUE((*mda_message)->finish());
}

// 20 MiB streamed in 16 KiB chunks through the spool: every byte arrives, and the memory this
// process uses does not grow with the message.
TEST_F(mda_test, StreamsA20MiBMessageIn16KiBChunks) {
  auto mda = open("cat > '" + out() + "'", line_ending::lf);
  std::string why;
  auto sink = mda->begin({}, why);
  ASSERT_TRUE(sink) << why;
  ASSERT_NO_FATAL_FAILURE(testing::stream_large_message(**sink));
  testing::expect_large_message_stored(out());
  EXPECT_EQ(list_directory(spool()), strings{});
}

TEST_F(mda_test, AnEmptyCommandIsRefused) {
  std::string why;
  auto opened = open_mda(" ", line_ending::lf, 1s, why);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, errc::invalid_argument);
  EXPECT_EQ(why, "no MDA command given");
}

}  // namespace
}  // namespace pop3::agent
