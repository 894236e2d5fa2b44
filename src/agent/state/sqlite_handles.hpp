// Owning handles for SQLite's C objects, and how its failures become pop3 errors.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <string>
#include <string_view>

#include "pop3/result.hpp"

namespace pop3::agent::detail {

// sqlite3_close_v2() rather than sqlite3_close(): it waits for statements that are still
// alive, so the order in which handles are destroyed does not matter.
struct connection_closer {
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
struct statement_finalizer {
  void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
};
using connection = std::unique_ptr<sqlite3, connection_closer>;
using statement = std::unique_ptr<sqlite3_stmt, statement_finalizer>;

/// Closes `db` without the checkpoint SQLite makes when the last connection to a WAL database
/// closes: a file we reject (damaged, or from a newer pop3) is left byte for byte as it was.
void close_untouched(connection& db) noexcept;

/// True if SQLite's result code means the file is damaged rather than unreadable.
constexpr bool is_damage(int rc) noexcept {
  const int primary = rc & 0xff;
  return primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB;
}

/// SQLite's message for the last failure on `db`, followed by the system's when there is one
/// ("disk I/O error (Input/output error)").
std::string describe_failure(sqlite3* db);

/// errc::io_error with the system errno SQLite saw, and `why` = WHAT + ": " +
/// describe_failure(db).
unexpected sqlite_failure(sqlite3* db, std::string_view what, std::string& why);

/// Prepares constant SQL (never SQL built from data). Errors as sqlite_failure().
result<statement> prepare(sqlite3* db, std::string_view sql, std::string_view what,
                          std::string& why);

}  // namespace pop3::agent::detail
