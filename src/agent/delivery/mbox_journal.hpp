// The journal of mbox appends, FILE.pop3-append beside the mbox FILE: it tells a later run
// where a message that was being appended when `pop3 fetch` died (SIGKILL, power cut)
// begins, so that the fragment can be cut off instead of being followed by the same message
// delivered again, complete.
//
// The file holds one record, always 103 octets, rewritten in place (pwrite at 0, fdatasync):
//   "pop3-append 1 STATE OFFSET DEVICE INODE TAIL SUM\n"
//   1       the version of the format;
//   STATE   "writing": a message is being appended after OFFSET, the mbox's size before it;
//           "written": no append in progress; OFFSET is the size after the last message
//           appended (or cut off again);
//   OFFSET, DEVICE, INODE  20 decimal digits each: the mbox's size, st_dev and st_ino;
//   TAIL    8 hex digits: FNV-1a (32 bits) of the up to 64 octets of the mbox before OFFSET,
//           so that a file rewritten since (a mail reader expunging) is not mistaken for ours;
//   SUM     8 hex digits: FNV-1a (32 bits) of everything before " SUM".
// A record is valid only if it is exactly what encode() makes of the values it holds.
// The journal is read and written only under the mbox's locks, so every delivery object of
// every process appending to the same mbox shares the one file consistently.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/unique_fd.hpp"

namespace pop3::agent::detail {

enum class append_state : unsigned char { writing, written };

struct journal_record {
  append_state state = append_state::written;
  std::uint64_t offset = 0;
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::uint32_t tail = 0;
};

/// How many octets before OFFSET the TAIL checksum covers.
inline constexpr std::size_t journal_tail_octets = 64;

/// FNV-1a, 32 bits.
std::uint32_t fnv1a(std::string_view bytes) noexcept;

/// The 103 octets of `record`.
std::string encode(const journal_record& record);

/// The record in `text`, or nullopt if `text` is not exactly a valid record.
std::optional<journal_record> parse_journal(std::string_view text);

/// Receives the words of a warning for the user.
using warning_function = std::function<void(const std::string&)>;

/// The journal file of one delivery object, opened at its first message and removed when it
/// is destroyed, if no append is in progress.
class mbox_journal {
 public:
  /// `mbox`: the mbox's path; `directory`: the directory holding both files.
  mbox_journal(std::string mbox, std::string directory);
  mbox_journal(const mbox_journal&) = delete;
  mbox_journal& operator=(const mbox_journal&) = delete;
  /// Removes the journal, and fsyncs the directory, if it is still our file and records no
  /// append in progress. This takes the mbox's locks with one try (no wait): if another
  /// process holds them, the journal is left; an idle record is harmless.
  ~mbox_journal();

  const std::string& path() const noexcept { return path_; }

  /// Under the mbox's locks, before each message: makes sure the journal is open and still
  /// has its name (another delivery object may have removed it), creating it (mode 0600,
  /// the directory fsync'ed) if it is missing. A journal that is not a regular file or that
  /// belongs to another user is ignored (a warning), removed and created anew.
  /// `content` gets what the file holds (empty for a new file). Returns 0 or the errno, the
  /// reason in `why`.
  int open(std::string& content, const warning_function& warn, std::string& why);

  /// Writes `record` over the file's content and fdatasyncs it. Returns 0 or the errno, the
  /// reason in `why`.
  int write(const journal_record& record, std::string& why);

  /// Removes the journal's name and closes it (after a record could not be written, so that
  /// no stale record misleads a later run); the next open() creates a new one.
  void discard() noexcept;

 private:
  int create(std::string& why);
  void remove_if_idle() noexcept;

  std::string mbox_;
  std::string directory_;
  std::string path_;
  unique_fd file_;
  bool idle_ = true;  // the last record we wrote (if any) is "written"
};

}  // namespace pop3::agent::detail
