// An mbox append interrupted by a real SIGKILL: the next delivery cuts off the fragment the
// killed process left (and only that), as the journal FILE.pop3-append records it. Exact
// bytes on disk, exact warnings.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "delivery/delivery.hpp"
#include "delivery/mbox_journal.hpp"
#include "delivery_test_support.hpp"

namespace pop3::agent {
namespace {

using namespace std::chrono_literals;
using testing::deliver;
using testing::file_mode;
using testing::list_directory;
using testing::read_file;
using testing::write_file;
using strings = std::vector<std::string>;

// 1000000000 seconds after the epoch.
constexpr std::string_view from_lf = "From MAILER-DAEMON Sun Sep  9 01:46:40 2001\n";
constexpr std::string_view from_crlf = "From MAILER-DAEMON Sun Sep  9 01:46:40 2001\r\n";
const std::string old_mail = std::string(from_lf) + "old\n\n";  // 49 octets
// Another delivery agent's message, without the empty line ours end with.
constexpr std::string_view other_mail =
    "From other@example.org Sat Jan  1 00:00:00 2000\nSubject: other\n\nbody\n";

mbox_options fixed_options(line_ending ends, std::vector<std::string>* warnings) {
  mbox_options options;
  options.ends = ends;
  options.lock_timeout = 5s;
  options.clock = [] { return std::chrono::system_clock::from_time_t(1000000000); };
  if (warnings != nullptr)
    options.warning = [warnings](const std::string& words) { warnings->push_back(words); };
  return options;
}

// How the child process ends, always by SIGKILL.
enum class child_end : unsigned char {
  kill_mid_message,   // after write(), without finish()
  kill_after_finish,  // after finish() succeeded, before the delivery object is destroyed
  kill_after_abort,   // after abort(), before the delivery object is destroyed
};

// Forks a child that delivers `chunks` to `file` and ends as `end` says. Returns true if it
// died of SIGKILL where it was meant to (its exit status 2 would mean a failure before).
bool run_killed_child(const std::filesystem::path& file, std::vector<std::string_view> chunks,
                      child_end end) {
  const pid_t child = ::fork();
  if (child == 0) {
    std::string why;
    auto mbox = open_mbox(file, fixed_options(line_ending::lf, nullptr), why);
    if (!mbox) ::_exit(2);
    auto sink = (*mbox)->begin({}, why);
    if (!sink) ::_exit(2);
    for (const std::string_view chunk : chunks)
      if (!(*sink)->write(chunk)) ::_exit(2);
    if (end == child_end::kill_after_finish && !(*sink)->finish()) ::_exit(2);
    if (end == child_end::kill_after_abort) (*sink)->abort(error(errc::connection_closed));
    ::kill(::getpid(), SIGKILL);
    ::_exit(3);
  }
  int status = 0;
  if (::waitpid(child, &status, 0) != child) return false;
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

void append_file(const std::filesystem::path& file, std::string_view bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::app);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.flush()) << "cannot append to " << file;
}

class mbox_crash_test : public testing::delivery_test {
 protected:
  std::unique_ptr<delivery> open(line_ending ends = line_ending::lf) {
    std::string why;
    auto opened = open_mbox(mbox(), fixed_options(ends, &warnings_), why);
    EXPECT_TRUE(opened) << why;
    return opened ? std::move(*opened) : nullptr;
  }
  std::filesystem::path mbox() const { return dir() / "mbox"; }
  std::filesystem::path journal() const { return dir() / "mbox.pop3-append"; }
  // The journal's record for this mbox, `before` being the mbox's first OFFSET octets (the
  // format is checked byte for byte in mbox_journal_record).
  std::string expected_record(detail::append_state state, std::string_view before) const {
    struct stat status {};
    EXPECT_EQ(::stat(mbox().c_str(), &status), 0);
    const std::string_view tail =
        before.substr(before.size() - std::min<std::size_t>(before.size(), 64));
    return detail::encode(
        {state, before.size(), status.st_dev, status.st_ino, detail::fnv1a(tail)});
  }
  // The killed child's dotlock stays, fresh, naming the child; the next delivery removes it
  // at once because that process has ended.
  void expect_killed_childs_dotlock() const {
    const std::string owner = read_file(dir() / "mbox.lock");
    ASSERT_GE(owner.size(), 2u);
    EXPECT_EQ(owner.back(), '\n');
    EXPECT_EQ(owner.find_first_not_of("0123456789"), owner.size() - 1) << owner;
    EXPECT_NE(owner, std::to_string(::getpid()) + "\n");
  }

  std::vector<std::string> warnings_;
};

TEST(mbox_journal_record, IsOneFixedSelfCheckingLine) {
  const detail::journal_record record{detail::append_state::writing, 49, 2049, 12345, 0xdeadbeef};
  const std::string text =
      "pop3-append 1 writing 00000000000000000049 00000000000000002049 00000000000000012345 "
      "deadbeef e7dc67e6\n";
  EXPECT_EQ(detail::encode(record), text);
  const auto parsed = detail::parse_journal(text);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->state, detail::append_state::writing);
  EXPECT_EQ(parsed->offset, 49u);
  EXPECT_EQ(parsed->device, 2049u);
  EXPECT_EQ(parsed->inode, 12345u);
  EXPECT_EQ(parsed->tail, 0xdeadbeefu);
  std::string other_offset = text;
  other_offset[41] = '8';  // 48: the checksum no longer matches
  EXPECT_FALSE(detail::parse_journal(other_offset));
  EXPECT_FALSE(detail::parse_journal(text.substr(0, text.size() - 1)));
  EXPECT_FALSE(detail::parse_journal(text + "\n"));
  EXPECT_FALSE(detail::parse_journal(""));
}

TEST_F(mbox_crash_test, AFragmentLeftByAKilledRunIsCutOff) {
  write_file(mbox(), old_mail);
  ASSERT_TRUE(
      run_killed_child(mbox(), {"Subject: cut\r\n\r\nhalf a li"}, child_end::kill_mid_message));
  const std::string fragment = std::string(from_lf) + "Subject: cut\n\nhalf a li";
  ASSERT_EQ(read_file(mbox()), old_mail + fragment);  // the fragment really is there
  const std::string record = read_file(journal());
  EXPECT_EQ(record, expected_record(detail::append_state::writing, old_mail));
  EXPECT_EQ(file_mode(journal()), 0600u);
  expect_killed_childs_dotlock();

  auto mbox = open();
  ASSERT_TRUE(deliver(*mbox, {"B\r\n"}));
  EXPECT_EQ(read_file(this->mbox()), old_mail + std::string(from_lf) + "B\n\n");
  EXPECT_EQ(warnings_, strings{"cut off the " + std::to_string(fragment.size()) +
                               " octets of an incomplete message that an interrupted delivery "
                               "left at the end of " +
                               this->mbox().string()});
  EXPECT_EQ(read_file(journal()), expected_record(detail::append_state::written,
                                                  old_mail + std::string(from_lf) + "B\n\n"));
  mbox.reset();
  EXPECT_EQ(list_directory(dir()), strings{"mbox"});
}

TEST_F(mbox_crash_test, AFragmentOfOnlyPartOfTheFromLineIsCutOff) {
  write_file(mbox(), old_mail);
  ASSERT_TRUE(run_killed_child(mbox(), {}, child_end::kill_mid_message));
  // What a kill inside the "From " line's write would leave.
  ::truncate(mbox().c_str(), static_cast<off_t>(old_mail.size() + 9));
  ASSERT_EQ(read_file(mbox()), old_mail + "From MAIL");
  expect_killed_childs_dotlock();
  auto mbox = open();
  ASSERT_TRUE(deliver(*mbox, {"B\r\n"}));
  EXPECT_EQ(read_file(this->mbox()), old_mail + std::string(from_lf) + "B\n\n");
  EXPECT_EQ(warnings_, strings{"cut off the 9 octets of an incomplete message that an "
                               "interrupted delivery left at the end of " +
                               this->mbox().string()});
}

TEST_F(mbox_crash_test, AMessageFinishedBeforeTheKillIsKept) {
  write_file(mbox(), old_mail);
  ASSERT_TRUE(
      run_killed_child(mbox(), {"Subject: A\r\n\r\nwhole\r\n"}, child_end::kill_after_finish));
  const std::string with_a = old_mail + std::string(from_lf) + "Subject: A\n\nwhole\n\n";
  ASSERT_EQ(read_file(mbox()), with_a);
  EXPECT_EQ(read_file(journal()), expected_record(detail::append_state::written, with_a));
  EXPECT_FALSE(std::filesystem::exists(dir() / "mbox.lock"));

  auto mbox = open();
  ASSERT_TRUE(deliver(*mbox, {"B\r\n"}));
  EXPECT_EQ(read_file(this->mbox()), with_a + std::string(from_lf) + "B\n\n");
  EXPECT_EQ(warnings_, strings{});
  mbox.reset();
  EXPECT_EQ(list_directory(dir()), strings{"mbox"});
}

// An aborted message was cut off and recorded so: mail another program appends later is
// not taken for a fragment, even though it starts with "From " where ours did.
TEST_F(mbox_crash_test, MailAppendedAfterAnAbortedMessageIsKept) {
  write_file(mbox(), old_mail);
  ASSERT_TRUE(run_killed_child(mbox(), {"half"}, child_end::kill_after_abort));
  ASSERT_EQ(read_file(mbox()), old_mail);
  const std::string other = "From MAILER-DAEMON Sat Jan  1 00:00:00 2000\nSubject: other\n\n";
  append_file(mbox(), other);
  auto mbox = open();
  ASSERT_TRUE(deliver(*mbox, {"B\r\n"}));
  EXPECT_EQ(read_file(this->mbox()), old_mail + other + std::string(from_lf) + "B\n\n");
  EXPECT_EQ(warnings_, strings{});
}

TEST_F(mbox_crash_test, MailAppendedAfterAFragmentIsNotCutOff) {
  // The fragment ends mid-line, so the other "From " line does not start a line; or it ends
  // with a line end.
  for (const std::string_view part : {"half a li", "a whole line\r\n"}) {
    SCOPED_TRACE(part);
    warnings_.clear();
    write_file(mbox(), old_mail);
    std::filesystem::remove(journal());
    ASSERT_TRUE(
        run_killed_child(mbox(), {"Subject: cut\r\n\r\n", part}, child_end::kill_mid_message));
    append_file(mbox(), other_mail);  // another delivery agent, which ignores our dotlock
    const std::string before = read_file(mbox());
    ASSERT_EQ(before.size(), old_mail.size() + from_lf.size() + 14 + (part.size() == 9 ? 9 : 13) +
                                 other_mail.size());
    expect_killed_childs_dotlock();
    auto mbox = open();
    ASSERT_TRUE(deliver(*mbox, {"B\r\n"}));
    EXPECT_EQ(read_file(this->mbox()), before + "\n" + std::string(from_lf) + "B\n\n");
    EXPECT_EQ(warnings_, strings{"left the incomplete message that an interrupted delivery left "
                                 "at octet 49 of " +
                                 this->mbox().string() + ": other mail was appended after it"});
  }
}

TEST_F(mbox_crash_test, AFileChangedSinceTheKillIsNotCutOff) {
  write_file(mbox(), old_mail);
  ASSERT_TRUE(run_killed_child(mbox(), {"half a li"}, child_end::kill_mid_message));
  // A mail reader rewrote the old message in place (same file, same size).
  std::string changed = read_file(mbox());
  changed.replace(changed.find("old"), 3, "OLD");
  write_file(mbox(), changed);
  expect_killed_childs_dotlock();
  auto mbox = open();
  ASSERT_TRUE(deliver(*mbox, {"B\r\n"}));
  EXPECT_EQ(read_file(this->mbox()), changed + "\n\n" + std::string(from_lf) + "B\n\n");
  EXPECT_EQ(warnings_, strings{"did not cut off anything from " + this->mbox().string() +
                               ": it changed since the interrupted delivery recorded in " +
                               journal().string()});
}

TEST_F(mbox_crash_test, ADamagedJournalIsIgnoredAndReplaced) {
  // What a killed run would have left, had its journal not been damaged.
  const std::string looks_like_a_fragment = old_mail + std::string(from_lf) + "partial";
  write_file(mbox(), old_mail);
  ASSERT_TRUE(run_killed_child(mbox(), {"partial"}, child_end::kill_mid_message));
  ASSERT_EQ(read_file(mbox()), looks_like_a_fragment);
  const std::string real = read_file(journal());
  ASSERT_EQ(real.size(), 103u);
  std::string wrong_sum = real;
  wrong_sum[41] = '8';  // offset 48 instead of 49
  expect_killed_childs_dotlock();
  for (const std::string& damaged :
       {std::string("pop3-append 1 writing 49\n"), wrong_sum, real.substr(0, 102), real + "x"}) {
    SCOPED_TRACE(damaged);
    warnings_.clear();
    write_file(mbox(), looks_like_a_fragment);
    write_file(journal(), damaged);
    auto mbox = open();
    ASSERT_TRUE(deliver(*mbox, {"B\r\n"}));
    EXPECT_EQ(read_file(this->mbox()),
              looks_like_a_fragment + "\n\n" + std::string(from_lf) + "B\n\n");
    EXPECT_EQ(warnings_, strings{"ignored " + journal().string() +
                                 ": it is damaged or not a journal of pop3; it was replaced"});
    EXPECT_EQ(read_file(journal()),
              expected_record(detail::append_state::written, read_file(this->mbox())));
  }
}

TEST_F(mbox_crash_test, AJournalOfAnotherFileIsIgnored) {
  const auto other = dir() / "other";
  write_file(other, old_mail);
  ASSERT_TRUE(run_killed_child(other, {"half a li"}, child_end::kill_mid_message));
  // The same bytes in our mbox, and the other file's journal as ours: only the inode differs.
  const std::string left = read_file(other);
  write_file(mbox(), left);
  std::filesystem::rename(dir() / "other.pop3-append", journal());
  auto mbox = open();
  ASSERT_TRUE(deliver(*mbox, {"B\r\n"}));
  EXPECT_EQ(read_file(this->mbox()), left + "\n\n" + std::string(from_lf) + "B\n\n");
  EXPECT_EQ(warnings_,
            strings{"ignored " + journal().string() + ": it was written for another file than " +
                    this->mbox().string() + "; it was replaced"});
  EXPECT_EQ(read_file(other), left);
}

TEST_F(mbox_crash_test, AJournalThatIsASymbolicLinkIsNeverWrittenThrough) {
  const auto target = dir() / "target";
  write_file(target, "precious\n");
  std::filesystem::create_symlink(target, journal());
  auto mbox = open();
  ASSERT_TRUE(deliver(*mbox, {"B\r\n"}));
  EXPECT_EQ(read_file(this->mbox()), std::string(from_lf) + "B\n\n");
  EXPECT_EQ(warnings_, strings{"ignored " + journal().string() +
                               ": it is not a regular file of this user; it was replaced"});
  EXPECT_EQ(read_file(target), "precious\n");
  EXPECT_FALSE(std::filesystem::is_symlink(journal()));
  mbox.reset();
  EXPECT_EQ(list_directory(dir()), (strings{"mbox", "target"}));
}

TEST_F(mbox_crash_test, OurFromLineStartsAfterAnEmptyLine) {
  struct example {
    line_ending ends;
    std::string before;
    std::string added;
  };
  const std::string old = "From x@example.org Thu Jan  1 00:00:00 1970\nSubject: old\n\n";
  const std::vector<example> examples = {
      {line_ending::lf, old + "no line end", "\n\n"},
      {line_ending::lf, old + "one line end\n", "\n"},
      {line_ending::lf, old + "an empty line\n\n", ""},
      {line_ending::lf, old + "an empty CRLF line\r\n\r\n", ""},
      {line_ending::crlf, old + "no line end", "\r\n\r\n"},
      {line_ending::crlf, old + "one line end\r\n", "\r\n"},
      {line_ending::crlf, old + "one LF\n", "\r\n"},
      {line_ending::crlf, old + "an empty line\r\n\r\n", ""},
  };
  for (std::size_t n = 0; n < examples.size(); ++n) {
    SCOPED_TRACE(n);
    const example& e = examples[n];
    write_file(mbox(), e.before);
    auto mbox = open(e.ends);
    ASSERT_TRUE(deliver(*mbox, {"B\r\n"}));
    const std::string message = e.ends == line_ending::lf ? std::string(from_lf) + "B\n\n"
                                                          : std::string(from_crlf) + "B\r\n\r\n";
    EXPECT_EQ(read_file(this->mbox()), e.before + e.added + message);
    // A message that fails is cut off with its separator: the file is as it was.
    std::string why;
    auto sink = mbox->begin({}, why);
    ASSERT_TRUE(sink) << why;
    (*sink)->abort(error(errc::connection_closed));
    EXPECT_EQ(read_file(this->mbox()), e.before + e.added + message);
  }
  write_file(mbox(), "x");
  auto mbox = open();
  std::string why;
  auto sink = mbox->begin({}, why);
  ASSERT_TRUE(sink) << why;
  (*sink)->abort(error(errc::connection_closed));
  EXPECT_EQ(read_file(this->mbox()), "x");
  EXPECT_EQ(warnings_, strings{});
}

}  // namespace
}  // namespace pop3::agent
