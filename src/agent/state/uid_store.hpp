// What `pop3 fetch` remembers per account between runs: the UIDs it has delivered, and when
// it first saw each. SQLite in WAL mode with synchronous=FULL: a change is on disk when the
// call that makes it returns.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
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

class uid_store {
 public:
  /// How open() found the file.
  enum class opened : std::uint8_t {
    existing,  ///< read as it was
    created,   ///< there was none
    replaced,  ///< it was corrupt: moved aside to FILE.corrupt-<time>, a new one created
  };

  /// Opens or creates the store at `file` (its directory is created, mode 0700, if missing).
  /// A file that is not a valid store (truncated, garbage, failing integrity check) is moved
  /// aside and replaced (`how` says so, `why` says where it went). A file that cannot be read
  /// or written at all (I/O error, permissions, a directory in its place) is an error:
  /// errc::io_error with the reason in `why`; nothing is changed then.
  static result<std::unique_ptr<uid_store>> open(const std::filesystem::path& file,
                                                 opened& how, std::string& why);
  ~uid_store();
  uid_store(const uid_store&) = delete;
  uid_store& operator=(const uid_store&) = delete;

  /// Every record, by UID (loaded by open(), kept up to date by the calls below).
  const std::unordered_map<std::string, uid_record>& records() const noexcept;

  /// Records that `uid` was delivered now (first_seen kept if the UID is known). Durable
  /// when it returns. Errors: errc::io_error, reason in `why`.
  result<void> record_delivery(const std::string& uid, std::uint64_t size, std::int64_t now,
                               std::string& why);
  /// Forgets these UIDs (the server deleted them, or no longer has them), in one transaction.
  result<void> forget(std::span<const std::string> uids, std::string& why);

 private:
  struct impl;
  explicit uid_store(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

/// The file name for an account's state under the state directory: the account name with
/// every byte outside [A-Za-z0-9._@+-] %-encoded, so that any name maps to one safe file
/// name and two names never to the same one ("work" -> "work", "a/b" -> "a%2Fb").
std::string state_file_stem(std::string_view account);

}  // namespace pop3::agent
