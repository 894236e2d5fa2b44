// Where `pop3 fetch` puts messages: a Maildir, an mboxrd file, or the standard input of a
// mail delivery agent (MDA). Every kind streams: memory does not grow with message size.
// A message reported delivered survives a power cut; a failed one leaves nothing behind.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "pop3/result.hpp"
#include "pop3/sink.hpp"

namespace pop3::agent {

/// What is known of a message before its data arrives.
struct message_info {
  std::string account;     ///< the account's name (for the MDA's environment)
  std::string uid;         ///< from UIDL; empty if the server has none
  std::uint32_t number{};  ///< the message number in this session
  std::uint64_t size{};    ///< the size LIST announced (a hint; the data may differ)
};

/// Line ends of what is stored. The server sends CRLF; Unix mail tools expect LF.
/// lf: each CRLF becomes LF; a bare CR or a bare LF is stored as it is.
/// crlf: the data is stored as received.
enum class line_ending : std::uint8_t { lf, crlf };

/// One message being delivered, a body_sink (see pop3/sink.hpp for the order of calls).
/// write() takes the message as the server sent it (CRLF line ends, dot-unstuffed).
/// finish() returns success only when the message is durable (or, for a Maildir with
/// deferred durability, complete in tmp/: see maildir_options::deferred_durability):
///  - Maildir: the file in tmp/ written, fsync'ed, linked into new/ and new/ fsync'ed;
///  - mbox: appended, fsync'ed, and the locks released;
///  - MDA: the message spooled whole, then the command run on it, which read all of it and
///    exited with status 0.
/// abort() (or destruction without finish()) leaves nothing behind: the tmp/ file removed,
/// the mbox truncated back to its size before the message, the MDA's spool file dropped (the
/// MDA never ran).
/// A failed write() or finish() has already undone the message the same way; later calls
/// return the same error. Calls after finish() succeeded are errors (abort() is ignored).
/// Errors of write()/finish(): errc::sink_failed, with errno in error::system_error when a
/// system call failed (ETIMEDOUT for an MDA timeout, 0 for an MDA's exit status or for an
/// MDA that did not read the whole message);
/// failure() then says what failed in words.
class delivery_sink : public body_sink {
 public:
  /// What went wrong, for the user, naming the path and the system's reason:
  /// "cannot write /home/a/Mail/tmp/NAME: No space left on device". Empty while nothing has
  /// failed.
  virtual const std::string& failure() const noexcept = 0;
};

/// A destination. Not thread-safe: one message at a time per destination object.
class delivery {
 public:
  virtual ~delivery() = default;
  /// Starts one message: creates the tmp/ file, takes the mbox locks and writes the "From "
  /// line, or creates the MDA's spool file. Returns a non-null sink, or an error with the
  /// reason in `why`:
  ///  - errc::timeout: the mbox stayed locked by another process for the whole lock timeout;
  ///  - errc::io_error: anything else, errno in error::system_error.
  virtual result<std::unique_ptr<delivery_sink>> begin(const message_info& message,
                                                       std::string& why) = 0;
  /// For messages: "maildir /home/a/Mail/work", "mbox /var/mail/a", "mda procmail -d a".
  virtual std::string describe() const = 0;
  /// Whether finish() leaves the message to make_durable() (a Maildir opened with
  /// maildir_options::deferred_durability); false for every other destination.
  virtual bool defers_durability() const noexcept { return false; }
  /// Makes durable every message finished since the last call, when the destination defers
  /// durability (maildir_options::deferred_durability); nothing to do otherwise (an mbox and
  /// an MDA are durable when finish() returns). On failure (errc::io_error, the reason in
  /// `why`, e.g. "cannot fsync /home/a/Mail/new/NAME: Input/output error") none of the
  /// group may be taken as durable: some may be in the destination (a Maildir's new/), and
  /// gone after a power cut. Either way the group is settled: the next call covers only
  /// messages finished after this one.
  virtual result<void> make_durable(std::string& why) {
    why.clear();
    return {};
  }
};

/// Unique base names for Maildir files, one per call (see maildir_options::unique_name).
using maildir_name_source = std::function<std::string()>;

struct maildir_options {
  line_ending ends = line_ending::lf;
  /// A message is written to tmp/NAME and linked (never renamed, never over an existing
  /// file) to new/NAME,S=SIZE, SIZE being the octets stored. When either name is taken,
  /// another name is asked for (at most 100 names per message). A name must not be empty,
  /// "." or "..", nor contain '/'. Empty: the Maildir convention
  /// "SECONDS.M<microseconds>P<pid>Q<counter>.<host>" with '/' and ':' in the host name
  /// written "\057" and "\072" (as Dovecot and qmail do). Tests inject their own.
  maildir_name_source unique_name;
  /// open_maildir() removes the regular files in tmp/ neither accessed nor modified for this
  /// long: what deliveries killed before their link into new/ left (never a delivered
  /// message). 36 hours, as qmail's maildir(5) has it; zero: none is removed.
  std::chrono::seconds stale_tmp_age{std::chrono::hours(36)};
  /// false: finish() returns once the message is durable (the tmp/ file and new/ fsync'ed).
  /// true: finish() returns once the message is complete in tmp/ (its writeback started),
  /// and delivery::make_durable() delivers every message finished since its last call at
  /// once: each file fsync'ed and linked into new/, then new/ fsync'ed, the tmp/ names
  /// removed. The files of the messages in waiting stay open until then, so the caller
  /// bounds the group (`pop3 fetch`: 64 messages or 32 MiB). A message is in new/ only with
  /// all its data on disk; messages never made durable are removed from tmp/ when the
  /// delivery is destroyed (they were not delivered).
  bool deferred_durability = false;
};

/// A Maildir at `directory`, created with cur/, new/ and tmp/ (and missing parents, mode
/// 0700, before the umask) if it does not exist; each directory created is made durable
/// (its parent fsync'ed); stale files in tmp/ are removed (maildir_options::stale_tmp_age).
/// Errors: errc::io_error with the reason in `why`.
result<std::unique_ptr<delivery>> open_maildir(const std::filesystem::path& directory,
                                               const maildir_options& options, std::string& why);
result<std::unique_ptr<delivery>> open_maildir(const std::filesystem::path& directory,
                                               line_ending ends, std::string& why);

struct mbox_options {
  line_ending ends = line_ending::lf;
  /// How long begin() waits, in total, for the fcntl lock and the dotlock.
  std::chrono::milliseconds lock_timeout{std::chrono::seconds(10)};
  /// A dotlock older than this is taken to be left by a crashed program and removed.
  std::chrono::seconds stale_dotlock_age{std::chrono::minutes(5)};
  /// The time written in each "From " line; empty: std::chrono::system_clock::now.
  std::function<std::chrono::system_clock::time_point()> clock;
  /// Told, in words for the user, what begin() found left by an interrupted delivery and did
  /// about it (see open_mbox); called from begin(), under the mbox's locks; must not throw.
  /// Empty: nothing is told.
  std::function<void(const std::string&)> warning;
};

/// An mboxrd file, created (mode 0600) if it does not exist. Each message is appended under
/// an fcntl write lock on the file and a dotlock FILE.lock (created with O_EXCL; both are
/// retried until `lock_timeout`), as:
///   "From MAILER-DAEMON Sun Sep  9 01:46:40 2001" (asctime format, UTC) and a line end,
///   the message with every line matching ^>*"From " given one more '>' (mboxrd),
///   a line end if the message does not end with LF, and one empty line.
/// The line end added is "\n" with line_ending::lf, "\r\n" with crlf. Before the "From "
/// line, one or two line ends are added if the file is neither empty nor ends with an empty
/// line ("\n\n" or "\n\r\n"), so that a message never merges with the one before it. A failed
/// or aborted message is cut off again (ftruncate to the size before it, fsync) before the
/// unlock.
///
/// A run killed while appending cannot cut off its fragment; the next one does, thanks to a
/// journal FILE.pop3-append (mode 0600; format in mbox_journal.hpp). The first begin() of a
/// delivery object creates it (and fsyncs the directory); each begin() records in it, under
/// the locks and fdatasync'ed before the message's first octet, "writing" and the file's
/// size; finish() records "written" and the new size after the message's fsync and before it
/// returns, so a message finish() reported delivered is never cut off later. Destroying the
/// delivery object removes the journal (the directory fsync'ed) unless a message is still in
/// progress or the locks are busy at that moment (one try, no wait); a journal left idle is
/// harmless.
/// Each begin(), under the locks, reads the journal first. If it records "writing" for this
/// very file (same st_dev and st_ino), the file is larger than the recorded size, the 64
/// octets before that size are unchanged (checksum), and what follows is line ends and our
/// "From MAILER-DAEMON " line, then that data is the fragment of a killed run: it is cut off
/// (ftruncate, fsync) and `warning` told "cut off the 57 octets of an incomplete message
/// that an interrupted delivery left at the end of FILE". It is left in place if "From "
/// occurs anywhere else in it (another program appended mail after the fragment, which may
/// end mid-line): "left the incomplete message that an interrupted delivery left at octet
/// 50 of FILE: other mail was appended after it"; the new message then starts after an
/// empty line as always. Also left, with a warning, are a file that changed since ("did not
/// cut off anything from FILE: it changed since the interrupted delivery recorded in
/// FILE.pop3-append"), a damaged journal ("ignored FILE.pop3-append: it is damaged or not a
/// journal of pop3; it was replaced"), one for another file ("ignored FILE.pop3-append: it
/// was written for another file than FILE; it was replaced") and one that is not a regular
/// file of this user ("ignored FILE.pop3-append: it is not a regular file of this user; it
/// was replaced").
/// Errors: errc::io_error with the reason in `why` (also when the journal cannot be created
/// or written, or the fragment cannot be read or cut off).
result<std::unique_ptr<delivery>> open_mbox(const std::filesystem::path& file,
                                            const mbox_options& options, std::string& why);
result<std::unique_ptr<delivery>> open_mbox(const std::filesystem::path& file, line_ending ends,
                                            std::chrono::milliseconds lock_timeout,
                                            std::string& why);

/// A command run with /bin/sh -c for each message, which it reads on its standard input.
/// The message is spooled first, so that the command never sees an incomplete one:
///  - begin() creates the spool, a file without a name (O_TMPFILE; where the file system lacks
///    it, a mkostemp file "pop3-mda-XXXXXX" unlinked at once, so that only a kill between the
///    two calls can leave it, empty, behind), mode 0600, in $TMPDIR if that is an absolute
///    path, else in /tmp. Error: errc::io_error, "cannot create a spool file in /tmp: REASON".
///    The command is not started.
///  - write() appends to the spool: "cannot write the spool file in /tmp: No space left on
///    device".
///  - finish() starts the command with the spool, rewound, as its standard input, its standard
///    output and error inherited, and its environment ours plus POP3_ACCOUNT and POP3_UID. It
///    runs in a process group of its own, so that killing it kills the whole pipeline; no
///    descriptor other than 0, 1 and 2 is passed to it; SIGPIPE has its default action and no
///    signal is blocked. Delivery succeeded only if it exits within `timeout` of its start
///    ("the MDA did not exit within 300 ms; it was killed", ETIMEDOUT), with status 0 ("the
///    MDA exited with status 1", "the MDA was killed by signal 9"), and has read the whole
///    message: its standard input shares the spool's file offset, which must have reached the
///    spool's size ("the MDA exited with status 0 but read only 10 of 2048 octets of the
///    message"). So the command must read its input to the end with read(2), as filters do.
/// On any failure, and on abort() or destruction before success, the process group is killed
/// (SIGKILL), the command reaped, and the spool closed, which removes it.
/// If `pop3 fetch` is killed (SIGKILL, power cut) while writing the spool, the spool vanishes
/// with it and no MDA has run. If it is killed while the MDA runs, the MDA (in its own process
/// group) carries on with a complete message and may deliver it; the next run, which did not
/// record the message as delivered, delivers it again: a duplicate, never a truncated message.
/// Errors of open_mda: errc::invalid_argument for an empty command.
result<std::unique_ptr<delivery>> open_mda(const std::string& command, line_ending ends,
                                           std::chrono::milliseconds timeout, std::string& why);

}  // namespace pop3::agent
