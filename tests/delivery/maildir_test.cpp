// Maildir delivery against real directories: what lands where, byte for byte.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "delivery/delivery.hpp"
#include "delivery/maildir_name.hpp"
#include "delivery_test_support.hpp"

namespace pop3::agent {
namespace {

using testing::deliver;
using testing::file_mode;
using testing::list_directory;
using testing::names_from;
using testing::read_file;
using testing::write_file;
using strings = std::vector<std::string>;

// Consumes TEXT from the front of REST; false if REST does not start with it.
bool skip(std::string_view& rest, std::string_view text) {
  if (!rest.starts_with(text)) return false;
  rest.remove_prefix(text.size());
  return true;
}

// Consumes MIN to MAX decimal digits from the front of REST (as many as there are).
bool skip_digits(std::string_view& rest, std::size_t min, std::size_t max) {
  std::size_t n = 0;
  while (n < rest.size() && n < max && rest[n] >= '0' && rest[n] <= '9')
    ++n;
  if (n < min || (n < rest.size() && rest[n] >= '0' && rest[n] <= '9')) return false;
  rest.remove_prefix(n);
  return true;
}

class maildir_test : public testing::delivery_test {
 protected:
  std::unique_ptr<delivery> open(const std::filesystem::path& directory, line_ending ends,
                                 maildir_name_source names = {}, bool deferred = false) {
    std::string why;
    maildir_options options;
    options.ends = ends;
    options.unique_name = std::move(names);
    options.deferred_durability = deferred;
    auto opened = open_maildir(directory, options, why);
    EXPECT_TRUE(opened) << why;
    return opened ? std::move(*opened) : nullptr;
  }
  std::filesystem::path maildir() const { return dir() / "Mail"; }
};

constexpr std::string_view message_crlf =
    "From: a@example.org\r\nSubject: test\r\n\r\nline one\r\nbare\rCR\r\nbare LF\nlast\r\n";
constexpr std::string_view message_lf =
    "From: a@example.org\nSubject: test\n\nline one\nbare\rCR\nbare LF\nlast\n";

TEST_F(maildir_test, CreatesAMissingMaildirAndItsParentsWithMode0700) {
  const auto target = dir() / "a" / "b" / "Mail";
  auto maildir = open(target, line_ending::lf);
  ASSERT_NE(maildir, nullptr);
  for (const auto& path :
       {dir() / "a", dir() / "a" / "b", target, target / "cur", target / "new", target / "tmp"}) {
    ASSERT_TRUE(std::filesystem::is_directory(path)) << path;
    EXPECT_EQ(file_mode(path), 0700u) << path;
  }
  EXPECT_EQ(list_directory(target), (strings{"cur", "new", "tmp"}));
  EXPECT_EQ(maildir->describe(), "maildir " + target.string());
}

TEST_F(maildir_test, UsesAnExistingMaildirAsItIsAndAddsMissingSubdirectories) {
  std::filesystem::create_directories(maildir() / "cur");
  write_file(maildir() / "cur" / "old:2,S", "old message\n");
  std::filesystem::permissions(maildir(), std::filesystem::perms(0750));
  ASSERT_NE(open(maildir(), line_ending::lf), nullptr);
  EXPECT_EQ(read_file(maildir() / "cur" / "old:2,S"), "old message\n");
  EXPECT_EQ(file_mode(maildir()), 0750u);
  EXPECT_EQ(file_mode(maildir() / "new"), 0700u);
  EXPECT_EQ(list_directory(maildir()), (strings{"cur", "new", "tmp"}));
}

TEST_F(maildir_test, APathThatIsAFileIsAnError) {
  write_file(dir() / "file", "x");
  std::string why;
  auto opened = open_maildir(dir() / "file" / "Mail", line_ending::lf, why);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, errc::io_error);
  EXPECT_EQ(opened.error().system_error, ENOTDIR);
  EXPECT_EQ(why, (dir() / "file").string() + " exists and is not a directory");
}

TEST_F(maildir_test, DeliversWithLfLineEndsByteForByte) {
  auto maildir = open(this->maildir(), line_ending::lf, names_from({"m1"}));
  std::string failure;
  ASSERT_TRUE(deliver(*maildir, {message_crlf}, &failure)) << failure;
  EXPECT_EQ(failure, "");
  const std::string name = "m1,S=" + std::to_string(message_lf.size());
  EXPECT_EQ(list_directory(this->maildir() / "new"), strings{name});
  EXPECT_EQ(read_file(this->maildir() / "new" / name), message_lf);
  EXPECT_EQ(file_mode(this->maildir() / "new" / name), 0600u);
  EXPECT_EQ(list_directory(this->maildir() / "tmp"), strings{});
  EXPECT_EQ(list_directory(this->maildir() / "cur"), strings{});
}

TEST_F(maildir_test, DeliversWithCrlfLineEndsAsReceived) {
  auto maildir = open(this->maildir(), line_ending::crlf, names_from({"m1"}));
  ASSERT_TRUE(deliver(*maildir, {message_crlf}));
  const std::string name = "m1,S=" + std::to_string(message_crlf.size());
  EXPECT_EQ(list_directory(this->maildir() / "new"), strings{name});
  EXPECT_EQ(read_file(this->maildir() / "new" / name), message_crlf);
  EXPECT_EQ(list_directory(this->maildir() / "tmp"), strings{});
}

TEST_F(maildir_test, ConvertsLineEndsSplitAcrossChunks) {
  auto maildir = open(this->maildir(), line_ending::lf, names_from({"m1"}));
  ASSERT_TRUE(deliver(*maildir, {"a\r", "\nb\r", "x\r\n", "\r", "\n", "end\r"}));
  EXPECT_EQ(read_file(this->maildir() / "new" / "m1,S=11"), "a\nb\rx\n\nend\r");
}

TEST_F(maildir_test, StandardNamesAreDistinctAndFollowTheMaildirConvention) {
  auto maildir = open(this->maildir(), line_ending::lf);
  for (const char* text : {"one\r\n", "two\r\n", "three\r\n"})
    ASSERT_TRUE(deliver(*maildir, {text}));
  const auto names = list_directory(this->maildir() / "new");
  ASSERT_EQ(names.size(), 3u);
  char host[256] = {};
  ASSERT_EQ(::gethostname(host, sizeof host - 1), 0);
  const std::string prefix_after_time = "P" + std::to_string(::getpid()) + "Q";
  const std::string suffix_before_size = "." + detail::maildir_host_name(host) + ",S=";
  strings contents;
  for (const auto& name : names) {
    // TIME.M<usec>P<pid>Q<counter>.<host>,S=<size>
    std::string_view rest = name;
    ASSERT_TRUE(skip_digits(rest, 1, 20) && skip(rest, ".M") && skip_digits(rest, 1, 6) &&
                skip(rest, prefix_after_time) && skip_digits(rest, 1, 20) &&
                skip(rest, suffix_before_size))
        << name;
    contents.push_back(read_file(this->maildir() / "new" / name));
    EXPECT_EQ(rest, std::to_string(contents.back().size())) << name;
  }
  std::sort(contents.begin(), contents.end());
  EXPECT_EQ(contents, (strings{"one\n", "three\n", "two\n"}));
}

// Setting both times of `path` (without following a symbolic link) to `age` ago.
void age_by(const std::filesystem::path& path, std::chrono::seconds age) {
  timespec times[2] = {};
  times[0].tv_sec = times[1].tv_sec = ::time(nullptr) - static_cast<time_t>(age.count());
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW), 0) << path;
}

TEST_F(maildir_test, OpeningRemovesOnlyRegularFilesInTmpUntouchedFor36Hours) {
  const auto tmp = this->maildir() / "tmp";
  std::filesystem::create_directories(tmp);
  using std::chrono::hours;
  write_file(tmp / "killed-long-ago", "partial");
  age_by(tmp / "killed-long-ago", hours(37));
  write_file(tmp / "just-36-hours", "partial");
  age_by(tmp / "just-36-hours", hours(36) - std::chrono::seconds(60));
  write_file(tmp / "being-written", "partial");
  std::filesystem::create_directory(tmp / "a-directory");
  age_by(tmp / "a-directory", hours(48));
  write_file(this->dir() / "elsewhere", "keep me");
  std::filesystem::create_symlink(this->dir() / "elsewhere", tmp / "a-link");
  age_by(tmp / "a-link", hours(48));
  // Read recently but written long ago: still in use by someone.
  write_file(tmp / "read-recently", "partial");
  timespec times[2] = {};
  times[0].tv_sec = ::time(nullptr);
  times[1].tv_sec = ::time(nullptr) - 48 * 3600;
  ASSERT_EQ(::utimensat(AT_FDCWD, (tmp / "read-recently").c_str(), times, 0), 0);

  auto maildir = open(this->maildir(), line_ending::lf);
  ASSERT_TRUE(maildir);
  EXPECT_EQ(list_directory(tmp),
            (strings{"a-directory", "a-link", "being-written", "just-36-hours", "read-recently"}));
  EXPECT_EQ(read_file(this->dir() / "elsewhere"), "keep me");
}

TEST_F(maildir_test, AZeroStaleAgeRemovesNothing) {
  const auto tmp = this->maildir() / "tmp";
  std::filesystem::create_directories(tmp);
  write_file(tmp / "killed-long-ago", "partial");
  age_by(tmp / "killed-long-ago", std::chrono::hours(100));
  maildir_options options;
  options.stale_tmp_age = std::chrono::seconds(0);
  std::string why;
  ASSERT_TRUE(open_maildir(this->maildir(), options, why)) << why;
  EXPECT_EQ(list_directory(tmp), strings{"killed-long-ago"});
}

TEST_F(maildir_test, HostNamesAreEscapedAsDovecotAndQmailDo) {
  EXPECT_EQ(detail::maildir_host_name("a/b:c.example"), "a\\057b\\072c.example");
  EXPECT_TRUE(detail::is_valid_maildir_name("1.M2P3Q4.host"));
  for (const char* bad : {"", ".", "..", "a/b"})
    EXPECT_FALSE(detail::is_valid_maildir_name(bad));
  EXPECT_FALSE(detail::is_valid_maildir_name(std::string_view("a\0b", 3)));
}

TEST_F(maildir_test, NeverOverwritesAMessageAlreadyInNew) {
  auto maildir = open(this->maildir(), line_ending::lf, names_from({"same", "other"}));
  const std::string size = std::to_string(message_lf.size());
  write_file(this->maildir() / "new" / ("same,S=" + size), "someone else's message\n");
  ASSERT_TRUE(deliver(*maildir, {message_crlf}));
  EXPECT_EQ(list_directory(this->maildir() / "new"),
            (strings{"other,S=" + size, "same,S=" + size}));
  EXPECT_EQ(read_file(this->maildir() / "new" / ("same,S=" + size)), "someone else's message\n");
  EXPECT_EQ(read_file(this->maildir() / "new" / ("other,S=" + size)), message_lf);
  EXPECT_EQ(list_directory(this->maildir() / "tmp"), strings{});
}

TEST_F(maildir_test, SkipsANameTakenInTmp) {
  auto maildir = open(this->maildir(), line_ending::lf, names_from({"busy", "free"}));
  write_file(this->maildir() / "tmp" / "busy", "being written by someone else");
  ASSERT_TRUE(deliver(*maildir, {"x\r\n"}));
  EXPECT_EQ(list_directory(this->maildir() / "new"), strings{"free,S=2"});
  EXPECT_EQ(list_directory(this->maildir() / "tmp"), strings{"busy"});
  EXPECT_EQ(read_file(this->maildir() / "tmp" / "busy"), "being written by someone else");
}

TEST_F(maildir_test, GivesUpWhenEveryNameIsTakenAndLeavesNothing) {
  auto maildir = open(this->maildir(), line_ending::lf, [] { return std::string("same"); });
  write_file(this->maildir() / "new" / "same,S=2", "old\n");
  std::string failure;
  auto delivered = deliver(*maildir, {"x\r\n"}, &failure);
  ASSERT_FALSE(delivered);
  EXPECT_EQ(delivered.error().code, errc::sink_failed);
  EXPECT_EQ(delivered.error().system_error, EEXIST);
  EXPECT_EQ(failure, "cannot link " + (this->maildir() / "tmp" / "same").string() + " into " +
                         (this->maildir() / "new").string() + "/: 100 names tried, all taken");
  EXPECT_EQ(list_directory(this->maildir() / "new"), strings{"same,S=2"});
  EXPECT_EQ(read_file(this->maildir() / "new" / "same,S=2"), "old\n");
  EXPECT_EQ(list_directory(this->maildir() / "tmp"), strings{});
}

TEST_F(maildir_test, AnUnusableNameFromTheSourceIsAnError) {
  auto maildir = open(this->maildir(), line_ending::lf, names_from({"../escape"}));
  std::string why;
  auto sink = maildir->begin({}, why);
  ASSERT_FALSE(sink);
  EXPECT_EQ(sink.error().code, errc::io_error);
  EXPECT_EQ(sink.error().system_error, EINVAL);
  EXPECT_EQ(why, "the Maildir name source gave an unusable name \"../escape\"");
  EXPECT_EQ(list_directory(dir()), strings{"Mail"});
}

TEST_F(maildir_test, AbortLeavesTmpAndNewEmpty) {
  auto maildir = open(this->maildir(), line_ending::lf, names_from({"m1"}));
  std::string why;
  auto sink = maildir->begin({}, why);
  ASSERT_TRUE(sink) << why;
  ASSERT_TRUE((*sink)->write("half a mess"));
  EXPECT_EQ(list_directory(this->maildir() / "tmp"), strings{"m1"});
  (*sink)->abort(error(errc::connection_closed));
  EXPECT_EQ(list_directory(this->maildir() / "tmp"), strings{});
  EXPECT_EQ(list_directory(this->maildir() / "new"), strings{});
  EXPECT_EQ((*sink)->failure(), "");
  auto late = (*sink)->write("age\r\n");
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, errc::sink_failed);
}

TEST_F(maildir_test, DestructionWithoutFinishLeavesNothing) {
  auto maildir = open(this->maildir(), line_ending::crlf, names_from({"m1"}));
  {
    std::string why;
    auto sink = maildir->begin({}, why);
    ASSERT_TRUE(sink) << why;
    ASSERT_TRUE((*sink)->write("half a message"));
  }
  EXPECT_EQ(list_directory(this->maildir() / "tmp"), strings{});
  EXPECT_EQ(list_directory(this->maildir() / "new"), strings{});
}

TEST_F(maildir_test, CallsAfterFinishAreRefused) {
  auto maildir = open(this->maildir(), line_ending::crlf, names_from({"m1"}));
  std::string why;
  auto sink = maildir->begin({}, why);
  ASSERT_TRUE(sink) << why;
  ASSERT_TRUE((*sink)->write("x\r\n"));
  ASSERT_TRUE((*sink)->finish());
  auto again = (*sink)->finish();
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, errc::sink_failed);
  EXPECT_EQ(again.error().system_error, EINVAL);
  (*sink)->abort(error(errc::connection_closed));  // ignored: the message stays delivered
  EXPECT_EQ(read_file(this->maildir() / "new" / "m1,S=3"), "x\r\n");
}

TEST_F(maildir_test, TheSinkMayOutliveTheDelivery) {
  auto maildir = open(this->maildir(), line_ending::crlf, names_from({"m1"}));
  std::string why;
  auto sink = maildir->begin({}, why);
  ASSERT_TRUE(sink) << why;
  maildir.reset();
  ASSERT_TRUE((*sink)->write("x\r\n"));
  ASSERT_TRUE((*sink)->finish());
  EXPECT_EQ(read_file(this->maildir() / "new" / "m1,S=3"), "x\r\n");
}

// Deferred durability: finish() leaves the message complete in tmp/ with its file still open;
// make_durable() syncs the whole group, links it into new/ and closes the files, once: a
// message is never in new/ before its data is on disk.
std::size_t open_descriptors() {
  return static_cast<std::size_t>(std::distance(
      std::filesystem::directory_iterator("/proc/self/fd"), std::filesystem::directory_iterator()));
}

TEST_F(maildir_test, DeferredDurabilityKeepsTheGroupOpenUntilMakeDurable) {
  std::string why;
  auto opened = open(maildir(), line_ending::lf, names_from({"m1", "m2", "m3"}), true);
  ASSERT_TRUE(opened);
  delivery& destination = *opened;
  // Nothing waiting: a no-op that succeeds.
  ASSERT_TRUE(destination.make_durable(why)) << why;
  EXPECT_EQ(why, "");

  const std::size_t before = open_descriptors();
  for (std::string_view body : {"one\r\n", "two\r\n", "three\r\n"}) {
    auto sink = destination.begin({}, why);
    ASSERT_TRUE(sink) << why;
    ASSERT_TRUE((*sink)->write(body));
    ASSERT_TRUE((*sink)->finish()) << (*sink)->failure();
    (*sink)->abort(error(errc::connection_closed));  // ignored once finished, as ever
  }
  EXPECT_EQ(list_directory(maildir() / "new"), strings{});
  EXPECT_EQ(list_directory(maildir() / "tmp"), (strings{"m1", "m2", "m3"}));
  EXPECT_EQ(read_file(maildir() / "tmp" / "m3"), "three\n");
  EXPECT_EQ(open_descriptors(), before + 3);  // the group, waiting for its fsync

  ASSERT_TRUE(destination.make_durable(why)) << why;
  EXPECT_EQ(why, "");
  EXPECT_EQ(open_descriptors(), before);
  EXPECT_EQ(list_directory(maildir() / "new"), (strings{"m1,S=4", "m2,S=4", "m3,S=6"}));
  EXPECT_EQ(list_directory(maildir() / "tmp"), strings{});
  EXPECT_EQ(read_file(maildir() / "new" / "m3,S=6"), "three\n");
  // Settled: the next call has nothing left to do.
  ASSERT_TRUE(destination.make_durable(why)) << why;
  EXPECT_EQ(open_descriptors(), before);
}

TEST_F(maildir_test, DeferredMessagesNeverMadeDurableAreNotDelivered) {
  auto opened = open(maildir(), line_ending::lf, names_from({"m1", "m2"}), true);
  ASSERT_TRUE(opened);
  const std::size_t before = open_descriptors();
  for (std::string_view body : {"one\r\n", "two\r\n"})
    ASSERT_TRUE(deliver(*opened, {body}));
  EXPECT_EQ(list_directory(maildir() / "tmp"), (strings{"m1", "m2"}));
  opened.reset();  // the run ends before the group is settled
  EXPECT_EQ(list_directory(maildir() / "new"), strings{});
  EXPECT_EQ(list_directory(maildir() / "tmp"), strings{});
  EXPECT_EQ(open_descriptors(), before - 2);  // the directories of the delivery, closed too
}

TEST_F(maildir_test, DeferredMessagesTakeAnotherNameIfTheirsIsTakenInNew) {
  std::string why;
  auto opened = open(maildir(), line_ending::lf, names_from({"m1", "m2"}), true);
  ASSERT_TRUE(opened);
  ASSERT_TRUE(deliver(*opened, {"one\r\n"}));
  write_file(maildir() / "new" / "m1,S=4", "someone else's\n");  // delivered meanwhile
  ASSERT_TRUE(opened->make_durable(why)) << why;
  EXPECT_EQ(list_directory(maildir() / "new"), (strings{"m1,S=4", "m2,S=4"}));
  EXPECT_EQ(read_file(maildir() / "new" / "m1,S=4"), "someone else's\n");
  EXPECT_EQ(read_file(maildir() / "new" / "m2,S=4"), "one\n");
  EXPECT_EQ(list_directory(maildir() / "tmp"), strings{});
}

TEST_F(maildir_test, WithoutDeferralMakeDurableHasNothingToDo) {
  auto maildir = open(this->maildir(), line_ending::crlf, names_from({"m1"}));
  const std::size_t before = open_descriptors();
  ASSERT_TRUE(deliver(*maildir, {"x\r\n"}));
  EXPECT_EQ(open_descriptors(), before);  // durable, its file closed, in finish()
  std::string why = "not cleared";
  ASSERT_TRUE(maildir->make_durable(why));
  EXPECT_EQ(why, "");
  EXPECT_EQ(read_file(this->maildir() / "new" / "m1,S=3"), "x\r\n");
}

// 20 MiB streamed in 16 KiB chunks: every byte arrives, and the memory the process uses does
// not grow with the message.
TEST_F(maildir_test, StreamsA20MiBMessageIn16KiBChunks) {
  auto maildir = open(this->maildir(), line_ending::lf, names_from({"big"}));
  std::string why;
  auto sink = maildir->begin({}, why);
  ASSERT_TRUE(sink) << why;
  ASSERT_NO_FATAL_FAILURE(testing::stream_large_message(**sink));
  testing::expect_large_message_stored(this->maildir() / "new" /
                                       ("big,S=" + std::to_string((20u << 20) / 64 * 63)));
  EXPECT_EQ(list_directory(this->maildir() / "tmp"), strings{});
}

}  // namespace
}  // namespace pop3::agent
