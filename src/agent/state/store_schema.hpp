// The store's schema: reading a database into records while checking that it is one this
// code wrote, and creating the schema in a new one.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <unordered_map>

#include <sqlite3.h>

#include "pop3/result.hpp"
#include "state/uid_store.hpp"

namespace pop3::agent::detail {

/// What a database holds, as far as this code is concerned.
struct store_contents {
  enum class kind : std::uint8_t {
    fresh,    ///< user_version 0 and no tables: nothing written yet
    current,  ///< uid_store::format_version with exactly its table; `records` loaded
    future,   ///< a user_version above ours (`version`): written by a newer pop3
    damaged,  ///< anything else, or SQLite says it is corrupt; `damage` says why
  };
  kind what = kind::fresh;
  int version = 0;
  std::string damage;
  std::unordered_map<std::string, uid_record> records;
};

/// Sets the connection's pragmas (synchronous=FULL, trusted_schema=OFF, cell_size_check=ON),
/// reads user_version, then (unless it is from the future) runs PRAGMA quick_check, checks
/// the tables and columns, and loads every row, checking its types. Writes nothing.
/// Errors: SQLite failures other than corruption (I/O, locking, memory): errc::io_error with
/// `why` = "cannot read state file FILE: ...".
result<store_contents> read_store(sqlite3* db, const std::filesystem::path& file, std::string& why);

/// Creates the table and sets user_version, in one transaction.
result<void> create_schema(sqlite3* db, const std::filesystem::path& file, std::string& why);

}  // namespace pop3::agent::detail
