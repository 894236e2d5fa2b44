// The store's file as a file, before SQLite reads it: what is there, creating it privately,
// and moving a damaged one (with its SQLite siblings) out of the way.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "pop3/result.hpp"

namespace pop3::agent::detail {

/// What is at the store's path.
struct store_file_state {
  enum class kind : std::uint8_t {
    missing,   ///< nothing (ENOENT)
    empty,     ///< a regular file of zero bytes: a store whose creation never got further
    database,  ///< a plausible SQLite header and a whole number of pages: SQLite decides
    damaged,   ///< not a database, or cut short; `damage` says how
  };
  kind what = kind::missing;
  std::string damage;
};

/// Looks at `file` without changing it: stat, an open for reading and writing (so that a
/// file SQLite could only open read-only is an error here), and its 100-byte header.
/// Errors: errc::io_error with `why` ("state file F is a directory", "cannot open state file
/// F: Permission denied", ...).
result<store_file_state> inspect_store_file(const std::filesystem::path& file, std::string& why);

/// True if `file` has a non-empty -wal or -journal sibling: the last changes of a store whose
/// file is gone, which SQLite would delete when it creates a database at `file`.
bool has_leftover_journal(const std::filesystem::path& file);

/// SQLite's -wal and -shm files for `file` that do not exist now. SQLite creates them when it
/// reads a WAL database, even if it only reads.
std::vector<std::filesystem::path> absent_wal_files(const std::filesystem::path& file);

/// Removes those of `absent` that exist now, which SQLite created: an empty -wal (one with
/// data was written by someone else and stays), any -shm. Best effort: they are harmless.
void remove_created_wal_files(const std::vector<std::filesystem::path>& absent);

/// Creates `file` empty with mode 0600 (it must not exist) and syncs its directory. SQLite is
/// never asked to create it: it would use mode 0644.
result<void> create_store_file(const std::filesystem::path& file, std::string& why);

/// Renames `file` and whichever of its -wal, -shm and -journal siblings exist to
/// FILE.corrupt-<now> (+ the same suffixes), adding ".2", ".3", ... if that is taken, and
/// syncs the directory. The main file goes first: if we die half-way, what is left is a
/// missing file with leftover siblings, which the next open() moves aside in turn.
/// Returns the new name of the main file.
result<std::filesystem::path> move_aside(const std::filesystem::path& file, std::int64_t now,
                                         std::string& why);

}  // namespace pop3::agent::detail
