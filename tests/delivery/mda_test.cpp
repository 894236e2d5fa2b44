// MDA delivery with real processes: the bytes the command reads, its exit status, timeouts,
// and that nothing is left behind (no zombie, no descriptor, no signal).
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <set>
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
using testing::no_child_left;
using testing::read_file;

class mda_test : public testing::delivery_test {
 protected:
  std::unique_ptr<delivery> open(const std::string& command, line_ending ends,
                                 std::chrono::milliseconds timeout = 10s) {
    std::string why;
    auto opened = open_mda(command, ends, timeout, why);
    EXPECT_TRUE(opened) << why;
    return opened ? std::move(*opened) : nullptr;
  }
  std::string out() const { return (dir() / "out").string(); }
};

constexpr std::string_view message_crlf = "Subject: t\r\n\r\nFrom here\r\nbare\rCR\r\nlast\r\n";
constexpr std::string_view message_lf = "Subject: t\n\nFrom here\nbare\rCR\nlast\n";

TEST_F(mda_test, TheCommandReadsTheMessageWithLfLineEnds) {
  auto mda = open("cat > '" + out() + "'", line_ending::lf);
  std::string failure;
  ASSERT_TRUE(deliver(*mda, testing::split_every(message_crlf, 5), &failure)) << failure;
  EXPECT_EQ(read_file(out()), message_lf);
  EXPECT_TRUE(no_child_left());
}

TEST_F(mda_test, TheCommandReadsTheMessageAsReceivedWithCrlf) {
  auto mda = open("cat > '" + out() + "'", line_ending::crlf);
  ASSERT_TRUE(deliver(*mda, {message_crlf}));
  EXPECT_EQ(read_file(out()), message_crlf);
  EXPECT_EQ(mda->describe(), "mda cat > '" + out() + "'");
}

TEST_F(mda_test, TheEnvironmentNamesTheAccountAndTheUid) {
  ::setenv("POP3_UID", "stale value from outside", 1);
  auto mda =
      open("cat > /dev/null; printf '%s|%s' \"$POP3_ACCOUNT\" \"$POP3_UID\" > '" + out() + "'",
           line_ending::lf);
  message_info info;
  info.account = "work";
  info.uid = "UID-1234";
  ASSERT_TRUE(deliver(*mda, {"x\r\n"}, nullptr, info));
  ::unsetenv("POP3_UID");
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
  EXPECT_EQ(failure, "the MDA was killed by signal 9");
  EXPECT_TRUE(no_child_left());
}

// The command exits without reading: our write gets EPIPE, and the SIGPIPE it raised neither
// kills this process nor stays pending, and the signal mask is as before.
TEST_F(mda_test, ACommandThatStopsReadingIsAFailureWithoutSigpipe) {
  struct sigaction before {};
  ASSERT_EQ(::sigaction(SIGPIPE, nullptr, &before), 0);
  auto mda = open("exit 0", line_ending::lf);
  const std::string big(4u << 20, 'x');
  std::string failure;
  auto delivered = deliver(*mda, testing::split_every(big, 65536), &failure);
  ASSERT_FALSE(delivered);
  EXPECT_EQ(delivered.error().code, errc::sink_failed);
  EXPECT_EQ(delivered.error().system_error, EPIPE);
  EXPECT_EQ(failure, "cannot write to the MDA: Broken pipe (the MDA exited with status 0)");
  sigset_t pending, mask;
  ASSERT_EQ(::sigpending(&pending), 0);
  EXPECT_EQ(::sigismember(&pending, SIGPIPE), 0);
  ASSERT_EQ(::pthread_sigmask(SIG_BLOCK, nullptr, &mask), 0);
  EXPECT_EQ(::sigismember(&mask, SIGPIPE), 0);
  struct sigaction after {};
  ASSERT_EQ(::sigaction(SIGPIPE, nullptr, &after), 0);
  EXPECT_EQ(after.sa_handler, before.sa_handler);
  EXPECT_TRUE(no_child_left());
}

TEST_F(mda_test, ACommandThatDoesNotExitIsKilledAfterTheTimeout) {
  const std::string pid_file = (dir() / "pid").string();
  // The sleep runs in the background, so killing the shell alone would not stop it.
  auto mda = open("cat > /dev/null; sleep 60 & echo $! > '" + pid_file + "'; wait", line_ending::lf,
                  300ms);
  const auto start = steady_clock::now();
  std::string failure;
  auto delivered = deliver(*mda, {message_crlf}, &failure);
  const auto took = steady_clock::now() - start;
  ASSERT_FALSE(delivered);
  EXPECT_EQ(delivered.error().code, errc::sink_failed);
  EXPECT_EQ(delivered.error().system_error, ETIMEDOUT);
  EXPECT_EQ(failure,
            "the MDA did not exit within 300 ms after the end of the message; it was "
            "killed");
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

TEST_F(mda_test, ACommandThatTakesNoDataIsKilledAfterTheTimeout) {
  auto mda = open("sleep 60", line_ending::lf, 300ms);
  const std::string big(4u << 20, 'x');
  const auto start = steady_clock::now();
  std::string failure;
  auto delivered = deliver(*mda, {big}, &failure);
  ASSERT_FALSE(delivered);
  EXPECT_EQ(delivered.error().system_error, ETIMEDOUT);
  EXPECT_EQ(failure, "the MDA took no data for 300 ms; it was killed");
  EXPECT_LT(steady_clock::now() - start, 10s);
  EXPECT_TRUE(no_child_left());
}

TEST_F(mda_test, AbortKillsAndReapsTheCommand) {
  auto mda = open("cat > '" + out() + "'; sleep 60", line_ending::lf);
  std::string why;
  auto sink = mda->begin({}, why);
  ASSERT_TRUE(sink) << why;
  ASSERT_TRUE((*sink)->write("half"));
  const auto start = steady_clock::now();
  (*sink)->abort(error(errc::connection_closed));
  EXPECT_LT(steady_clock::now() - start, 5s);
  EXPECT_TRUE(no_child_left());
  EXPECT_EQ((*sink)->failure(), "");
  auto late = (*sink)->finish();
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, errc::sink_failed);
}

TEST_F(mda_test, DestructionWithoutFinishKillsAndReapsTheCommand) {
  auto mda = open("cat > /dev/null; sleep 60", line_ending::lf);
  {
    std::string why;
    auto sink = mda->begin({}, why);
    ASSERT_TRUE(sink) << why;
    ASSERT_TRUE((*sink)->write("half"));
  }
  EXPECT_TRUE(no_child_left());
}

std::set<int> open_descriptors() {
  std::set<int> descriptors;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd"))
    descriptors.insert(std::stoi(entry.path().filename().string()));
  // Without the directory_iterator's own, closed by now.
  std::erase_if(descriptors, [](int fd) { return ::fcntl(fd, F_GETFD) < 0; });
  return descriptors;
}

// The MDA gets 0, 1 and 2 only, even while a Maildir and an mbox message are open here and
// this process holds a descriptor without close-on-exec. (ls itself opens 3 to read the
// directory.)
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
  auto mda = open("cat > /dev/null; ls /proc/self/fd > '" + out() + "'", line_ending::lf);
  ASSERT_TRUE(deliver(*mda, {"x\r\n"}));
  EXPECT_EQ(read_file(out()), "0\n1\n2\n3\n");
  ::close(inheritable);
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
  EXPECT_EQ(added, 5u);  // tmp/, new/, the tmp/ file, the mbox, the pipe to the MDA
  ASSERT_TRUE((*mda_message)->finish());
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
