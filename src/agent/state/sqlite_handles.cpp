#include "state/sqlite_handles.hpp"

#include <cstring>

namespace pop3::agent::detail {

void close_untouched(connection& db) noexcept {
  if (db) sqlite3_db_config(db.get(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  db.reset();
}

std::string describe_failure(sqlite3* db) {
  std::string text = sqlite3_errmsg(db);
  if (const int sys = sqlite3_system_errno(db); sys != 0)
    text += std::string(" (") + std::strerror(sys) + ")";
  return text;
}

unexpected sqlite_failure(sqlite3* db, std::string_view what, std::string& why) {
  why = std::string(what) + ": " + describe_failure(db);
  return unexpected(
      error(errc::io_error, command_kind::none, resp_code::none, sqlite3_system_errno(db)));
}

result<statement> prepare(sqlite3* db, std::string_view sql, std::string_view what,
                          std::string& why) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  statement s(raw);
  if (rc != SQLITE_OK) return sqlite_failure(db, what, why);
  return s;
}

}  // namespace pop3::agent::detail
