#include "state/store_schema.hpp"

#include <array>
#include <string_view>
#include <vector>

#include "state/sqlite_handles.hpp"

namespace pop3::agent::detail {
namespace {

// WITHOUT ROWID: the UID is the key the table is stored by, so there is no second index.
// NOT NULL and the CHECK keep rows that open() would reject from being written at all.
constexpr std::string_view create_sql =
    "BEGIN IMMEDIATE;"
    "CREATE TABLE uids ("
    "uid TEXT PRIMARY KEY NOT NULL,"
    "first_seen INTEGER NOT NULL,"
    "delivered INTEGER NOT NULL,"
    "size INTEGER NOT NULL CHECK (size >= 0)"
    ") WITHOUT ROWID;"
    "PRAGMA user_version = 1;"
    "COMMIT;";

// PRAGMA table_info of the table above: name, declared type, notnull, pk.
struct column {
  std::string_view name, type;
  int not_null, primary_key;
};
constexpr std::array<column, 4> expected_columns{{
    {"uid", "TEXT", 1, 1},
    {"first_seen", "INTEGER", 1, 0},
    {"delivered", "INTEGER", 1, 0},
    {"size", "INTEGER", 1, 0},
}};

std::string_view text_of(sqlite3_stmt* s, int column) {
  const auto* p = static_cast<const char*>(sqlite3_column_blob(s, column));
  const int n = sqlite3_column_bytes(s, column);
  return p ? std::string_view(p, static_cast<std::size_t>(n)) : std::string_view();
}

// Runs constant SQL and calls on_row(statement) for each row until it returns false.
// Returns SQLITE_DONE when all rows were seen, SQLITE_OK when on_row stopped early, or the
// failing code of prepare or step.
template <class OnRow>
int for_each_row(sqlite3* db, std::string_view sql, OnRow&& on_row) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
  statement s(raw);
  if (rc != SQLITE_OK) return rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW)
    if (!on_row(s.get())) return SQLITE_OK;
  return rc;
}

std::string first_problem(std::string_view report) {
  while (!report.empty()) {
    const auto end = report.find('\n');
    const std::string_view line = report.substr(0, end);
    if (!line.starts_with("***")) return std::string(line);
    if (end == std::string_view::npos) break;
    report.remove_prefix(end + 1);
  }
  return std::string(report);
}

bool is_success(int rc) {
  return rc == SQLITE_DONE || rc == SQLITE_OK;
}

// Reads the schema: the objects in sqlite_master and the columns of `uids`.
bool has_expected_tables(sqlite3* db, int& rc) {
  std::vector<std::string> objects;
  rc = for_each_row(db, "SELECT type || ' ' || name FROM sqlite_master", [&](sqlite3_stmt* s) {
    objects.emplace_back(text_of(s, 0));
    return true;
  });
  if (!is_success(rc) || objects != std::vector<std::string>{"table uids"}) return false;

  std::size_t seen = 0;
  bool matches = true;
  rc = for_each_row(db, "PRAGMA table_info(uids)", [&](sqlite3_stmt* s) {
    matches = seen < expected_columns.size() && text_of(s, 1) == expected_columns[seen].name &&
              text_of(s, 2) == expected_columns[seen].type &&
              sqlite3_column_int(s, 3) == expected_columns[seen].not_null &&
              sqlite3_column_type(s, 4) == SQLITE_NULL &&
              sqlite3_column_int(s, 5) == expected_columns[seen].primary_key;
    ++seen;
    return matches;
  });
  return is_success(rc) && matches && seen == expected_columns.size();
}

// Loads every row; false with `damage` set if a row is not what create_sql allows.
bool load_records(sqlite3* db, store_contents& out, int& rc) {
  rc = for_each_row(db, "SELECT uid, first_seen, delivered, size FROM uids", [&](sqlite3_stmt* s) {
    const bool typed =
        sqlite3_column_type(s, 0) == SQLITE_TEXT && sqlite3_column_type(s, 1) == SQLITE_INTEGER &&
        sqlite3_column_type(s, 2) == SQLITE_INTEGER && sqlite3_column_type(s, 3) == SQLITE_INTEGER;
    if (!typed || sqlite3_column_int64(s, 3) < 0 || text_of(s, 0).empty()) {
      out.damage = "a row with values of the wrong type";
      return false;
    }
    uid_record r{std::string(text_of(s, 0)), sqlite3_column_int64(s, 1), sqlite3_column_int64(s, 2),
                 static_cast<std::uint64_t>(sqlite3_column_int64(s, 3))};
    std::string key = r.uid;
    if (!out.records.emplace(std::move(key), std::move(r)).second) {
      out.damage = "the same UID in two rows";
      return false;
    }
    return true;
  });
  return rc == SQLITE_DONE;
}

}  // namespace

result<store_contents> read_store(sqlite3* db, const std::filesystem::path& file,
                                  std::string& why) {
  store_contents out;
  // One place decides whether a failed step means "damaged" (moved aside) or "unreadable"
  // (an error that changes nothing).
  auto failed = [&](int rc) -> result<store_contents> {
    if (!is_damage(rc)) return sqlite_failure(db, "cannot read state file " + file.string(), why);
    out.what = store_contents::kind::damaged;
    out.damage = describe_failure(db);
    out.records.clear();
    return std::move(out);
  };
  auto damaged = [&](std::string damage) {
    out.what = store_contents::kind::damaged;
    out.damage = std::move(damage);
    out.records.clear();
    return std::move(out);
  };

  // These settings load the schema, so they are the first read of the file, and fail like
  // any other read if it is damaged. trusted_schema off: a schema cannot call functions
  // with side effects; cell_size_check: damage is found when read, not later.
  int rc = sqlite3_exec(db,
                        "PRAGMA synchronous = FULL;"
                        "PRAGMA trusted_schema = OFF;"
                        "PRAGMA cell_size_check = ON;",
                        nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return failed(rc);

  rc = for_each_row(db, "PRAGMA user_version", [&](sqlite3_stmt* s) {
    out.version = sqlite3_column_int(s, 0);
    return true;
  });
  if (rc != SQLITE_DONE) return failed(rc);
  if (out.version > uid_store::format_version) {
    out.what = store_contents::kind::future;
    return out;
  }

  // "ok", or a report whose first line names the database; its second line is the first
  // problem, all `why` needs.
  std::string check;
  rc = for_each_row(db, "PRAGMA quick_check", [&](sqlite3_stmt* s) {
    check = first_problem(text_of(s, 0));
    return false;
  });
  if (!is_success(rc)) return failed(rc);
  if (check != "ok") return damaged("integrity check: " + check);

  if (out.version == 0) {
    bool empty = true;
    rc = for_each_row(db, "SELECT 1 FROM sqlite_master", [&](sqlite3_stmt*) {
      empty = false;
      return false;
    });
    if (!is_success(rc)) return failed(rc);
    if (!empty) return damaged("tables, but no format version: not a pop3 state file");
    out.what = store_contents::kind::fresh;
    return out;
  }
  if (out.version < 0) return damaged("unknown format version " + std::to_string(out.version));

  if (!has_expected_tables(db, rc)) {
    if (!is_success(rc)) return failed(rc);
    return damaged("format version 1 without its table and columns");
  }
  if (!load_records(db, out, rc)) {
    if (!is_success(rc)) return failed(rc);
    return damaged(out.damage);
  }
  out.what = store_contents::kind::current;
  return out;
}

result<void> create_schema(sqlite3* db, const std::filesystem::path& file, std::string& why) {
  static_assert(uid_store::format_version == 1, "create_sql writes user_version 1");
  if (sqlite3_exec(db, std::string(create_sql).c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    auto failure = sqlite_failure(db, "cannot create state file " + file.string(), why);
    if (sqlite3_get_autocommit(db) == 0) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    return failure;
  }
  return {};
}

}  // namespace pop3::agent::detail
