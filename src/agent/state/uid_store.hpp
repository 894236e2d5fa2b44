// What `pop3 fetch` remembers per account between runs: the UIDs it has delivered, and when
// it first saw each. SQLite in WAL mode with synchronous=FULL: a change is on disk when the
// call that makes it returns.
//
// Why it must be exact: `pop3 fetch` deletes a message only after record_delivery() returned,
// and a run whose QUIT failed leaves the deletions undone, so the next run deletes what the
// store says was delivered without delivering it again. Hence the store never guesses: a file
// it cannot trust is moved aside and replaced by an empty store (which at worst delivers some
// messages twice), and a file it cannot read is an error that changes nothing.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "pop3/result.hpp"

namespace pop3::agent {

struct uid_record {
  std::string uid;
  std::int64_t first_seen = 0;  ///< seconds since the epoch
  std::int64_t delivered = 0;   ///< seconds since the epoch
  std::uint64_t size = 0;       ///< octets delivered
  bool operator==(const uid_record&) const = default;
};

/// One store per account file. Not thread-safe; meant to be used under the account's
/// account_lock (see account_lock.hpp), which is also what keeps two processes from moving the
/// same damaged file aside at once.
class uid_store {
 public:
  /// How open() found the file.
  enum class opened : std::uint8_t {
    existing,  ///< read as it was
    created,   ///< there was none (or an empty file / an empty database: a first run that
               ///< died before it finished creating the store)
    replaced,  ///< it was damaged: moved aside to FILE.corrupt-<time>, a new one created
  };

  /// The format this code writes (SQLite's PRAGMA user_version of the file).
  static constexpr int format_version = 1;

  /// Opens or creates the store at `file`. Its directory (and missing parents) is created
  /// mode 0700, the file mode 0600 (SQLite gives its -wal and -shm files the same mode).
  /// `why` is cleared, and on success says something only when `how` is `replaced`.
  ///
  /// Damaged, so moved aside and replaced (`how` = replaced, `why` = "state file FILE is
  /// damaged (REASON): moved it to FILE.corrupt-<unix seconds> and started a new one"):
  ///  - not a SQLite database (garbage), or shorter than a database header;
  ///  - truncated: not a whole number of pages, or fewer pages than its header says;
  ///  - SQLite reports corruption, or PRAGMA quick_check fails;
  ///  - a schema that is not this format's (user_version 1 with other tables or columns,
  ///    user_version 0 with any table, a negative user_version), or a row of the wrong types;
  ///  - FILE missing while a non-empty FILE-wal or FILE-journal is left: they hold the last
  ///    changes of a store whose file is gone, and SQLite would delete them on creating the
  ///    new file, so they are kept for a human.
  /// The file's -wal, -shm and -journal siblings go along, as FILE.corrupt-<time>-wal etc.;
  /// if that name is taken, ".2", ".3", ... is appended to it. A damaged file is never
  /// written to (no checkpoint on close) before it is moved.
  ///
  /// Errors (nothing is moved or changed), errc::io_error with the reason in `why`:
  ///  - the directory cannot be created ("cannot create directory D: Not a directory");
  ///  - FILE is a directory ("state file FILE is a directory") or not a regular file;
  ///  - FILE cannot be opened for reading and writing, or read (EACCES, EROFS, EIO: "cannot
  ///    open state file FILE: Permission denied"); error::system_error holds errno;
  ///  - FILE has a user_version above format_version ("state file FILE was written by a newer
  ///    pop3 (format version N; this pop3 reads version 1): left as it is");
  ///  - any other SQLite failure (locked beyond the 5 s busy timeout, out of memory, ...).
  static result<std::unique_ptr<uid_store>> open(const std::filesystem::path& file, opened& how,
                                                 std::string& why);
  ~uid_store();
  uid_store(const uid_store&) = delete;
  uid_store& operator=(const uid_store&) = delete;

  /// Every record, by UID (loaded by open(), kept up to date by the calls below). The
  /// reference stays valid for the life of the store; a failed call leaves it unchanged.
  const std::unordered_map<std::string, uid_record>& records() const noexcept;

  /// Records that `uid` was delivered at `now` with `size` octets: a new UID gets first_seen
  /// = delivered = now; a known one keeps its first_seen. One transaction, durable when it
  /// returns. The UID is stored byte for byte (it is bound, never part of the SQL).
  /// Errors, reason in `why`: errc::invalid_argument for an empty UID or a size above
  /// INT64_MAX (nothing written); errc::io_error if SQLite failed (the record may or may not
  /// have reached the disk; records() is not changed).
  result<void> record_delivery(const std::string& uid, std::uint64_t size, std::int64_t now,
                               std::string& why);
  /// One delivered message, for record_deliveries().
  struct delivered_uid {
    const std::string& uid;
    std::uint64_t size = 0;
  };
  /// record_delivery() for several messages in one transaction: all or none, one sync to
  /// disk for the batch (which is why `pop3 fetch` groups them). A UID given twice keeps the
  /// last size. Same errors as record_delivery(); any invalid entry writes nothing. An empty
  /// batch writes nothing.
  result<void> record_deliveries(std::span<const delivered_uid> batch, std::int64_t now,
                                 std::string& why);
  /// Forgets these UIDs (the server deleted them, or no longer has them), in one transaction:
  /// all or none. Unknown UIDs are ignored; an empty list writes nothing.
  /// Errors: errc::io_error, reason in `why` (nothing forgotten).
  result<void> forget(std::span<const std::string> uids, std::string& why);

  struct impl;  ///< defined in uid_store_impl.hpp

 private:
  explicit uid_store(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

/// The file name for an account's state under the state directory: the account name with
/// every byte outside [A-Za-z0-9._@+-] %-encoded as "%XX" (upper-case hex), so that any name
/// maps to one safe file name and two names never to the same one ("work" -> "work",
/// "a/b" -> "a%2Fb", "a%2Fb" -> "a%252Fb", "é" -> "%C3%A9"). Two more rules keep the result
/// a plain, visible file name: a leading "." is encoded ("." -> "%2E", ".." -> "%2E.",
/// ".x" -> "%2Ex"), and the empty name maps to "%" (which no other name produces, since every
/// other "%" is followed by two hex digits). Callers add distinct suffixes (".db", ".lock").
/// The stem can be three times as long as the name: a name over 80 or so bytes of encoded
/// characters gives a file name over NAME_MAX, which open() reports as an io_error.
std::string state_file_stem(std::string_view account);

}  // namespace pop3::agent
