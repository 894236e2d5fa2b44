// uid_store::open(): from whatever is at the path to a store that is ready, or to an error
// that changed nothing. The order of the checks is the policy of uid_store.hpp.
#include <ctime>

#include "state/private_directory.hpp"
#include "state/sqlite_handles.hpp"
#include "state/store_file.hpp"
#include "state/store_schema.hpp"
#include "state/uid_store.hpp"
#include "state/uid_store_impl.hpp"

namespace pop3::agent {
namespace {

namespace fs = std::filesystem;
using detail::store_contents;

// Only one pop3 fetch runs per account (account_lock), so waiting is for a stray reader,
// such as someone looking at the file with the sqlite3 shell.
constexpr int busy_timeout_ms = 5000;

unexpected io_error() {
  return unexpected(errc::io_error);
}

// Opens a file that exists (create_store_file() makes new ones, with mode 0600; SQLite would
// use 0644). Nothing is read yet: read_store() does that.
result<detail::connection> connect(const fs::path& file, std::string& why) {
  const std::string what = "cannot open state file " + file.string();
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(file.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  detail::connection db(raw);
  if (!db) {
    why = what + ": out of memory";
    return io_error();
  }
  if (rc != SQLITE_OK) return detail::sqlite_failure(db.get(), what, why);
  sqlite3_extended_result_codes(db.get(), 1);
  // SQLite quietly opens read-only what it cannot write; a store must be written.
  if (sqlite3_db_readonly(db.get(), "main") != 0) {
    why = what + ": it can only be read";
    return io_error();
  }
  sqlite3_busy_timeout(db.get(), busy_timeout_ms);
  // Defensive mode: no SQL (not even a corrupt schema) can write the file's internals.
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  return db;
}

// WAL: a commit is one append to the log and one fsync (synchronous=FULL), and a reader
// never blocks the writer.
result<void> use_wal(sqlite3* db, const fs::path& file, std::string& why) {
  const std::string what = "cannot switch state file " + file.string() + " to WAL mode";
  auto s = detail::prepare(db, "PRAGMA journal_mode = WAL", what, why);
  if (!s) return unexpected(s.error());
  if (sqlite3_step(s->get()) != SQLITE_ROW) return detail::sqlite_failure(db, what, why);
  const auto* mode = reinterpret_cast<const char*>(sqlite3_column_text(s->get(), 0));
  if (mode == nullptr || std::string_view(mode) != "wal") {
    why = what + ": the journal mode stayed " + (mode ? mode : "unknown");
    return io_error();
  }
  return {};
}

result<std::unique_ptr<uid_store::impl>> make_ready(
    detail::connection db, const fs::path& file, bool fresh,
    std::unordered_map<std::string, uid_record> records, std::string& why) {
  POP3_TRY(use_wal(db.get(), file, why));
  if (fresh) POP3_TRY(detail::create_schema(db.get(), file, why));
  const std::string what = "cannot use state file " + file.string();
  auto upsert = detail::prepare(db.get(), detail::upsert_sql, what, why);
  if (!upsert) return unexpected(upsert.error());
  auto erase = detail::prepare(db.get(), detail::erase_sql, what, why);
  if (!erase) return unexpected(erase.error());

  auto p = std::make_unique<uid_store::impl>();
  p->file = file;
  p->db = std::move(db);
  p->upsert = std::move(*upsert);
  p->erase = std::move(*erase);
  p->records = std::move(records);
  return p;
}

// The outcome of reading the file that is there: a store, or the damage that was found.
struct attempt {
  std::unique_ptr<uid_store::impl> store;
  bool fresh = false;
  std::string damage;
};

result<attempt> try_open(const fs::path& file, std::string& why) {
  const auto absent = detail::absent_wal_files(file);
  auto db = connect(file, why);
  if (!db) return unexpected(db.error());
  // A file we reject is left as we found it: no checkpoint, and no -wal or -shm of ours.
  auto reject = [&] {
    detail::close_untouched(*db);
    detail::remove_created_wal_files(absent);
  };
  auto contents = detail::read_store(db->get(), file, why);
  if (!contents) {
    reject();
    return unexpected(contents.error());
  }
  switch (contents->what) {
    case store_contents::kind::future:
      reject();
      why = "state file " + file.string() + " was written by a newer pop3 (format version " +
            std::to_string(contents->version) + "; this pop3 reads version " +
            std::to_string(uid_store::format_version) + "): left as it is";
      return io_error();
    case store_contents::kind::damaged:
      reject();
      return attempt{nullptr, false, std::move(contents->damage)};
    case store_contents::kind::fresh:
    case store_contents::kind::current:
      break;
  }
  const bool fresh = contents->what == store_contents::kind::fresh;
  auto store = make_ready(std::move(*db), file, fresh, std::move(contents->records), why);
  if (!store) return unexpected(store.error());
  return attempt{std::move(*store), fresh, {}};
}

}  // namespace

result<std::unique_ptr<uid_store>> uid_store::open(const fs::path& file, opened& how,
                                                   std::string& why) {
  why.clear();
  how = opened::existing;
  POP3_TRY(detail::make_private_directories(detail::directory_of(file), why));
  auto found = detail::inspect_store_file(file, why);
  if (!found) return unexpected(found.error());

  std::string damage;
  switch (found->what) {
    case detail::store_file_state::kind::missing:
      if (detail::has_leftover_journal(file))
        damage = "missing, but its -wal or -journal file was left behind";
      break;
    case detail::store_file_state::kind::damaged:
      damage = std::move(found->damage);
      break;
    case detail::store_file_state::kind::empty:
    case detail::store_file_state::kind::database: {
      auto tried = try_open(file, why);
      if (!tried) return unexpected(tried.error());
      if (tried->store) {
        how = tried->fresh ? opened::created : opened::existing;
        return std::unique_ptr<uid_store>(new uid_store(std::move(tried->store)));
      }
      damage = std::move(tried->damage);
      break;
    }
  }

  // Nothing usable is there: move aside whatever is, and start anew.
  std::string moved;
  if (!damage.empty()) {
    auto target = detail::move_aside(file, std::time(nullptr), why);
    if (!target) {
      why = "state file " + file.string() + " is damaged (" + damage + ") but " + why;
      return unexpected(target.error());
    }
    moved = "state file " + file.string() + " is damaged (" + damage + "): moved it to " +
            target->string() + " and started a new one";
  }
  auto started = [&]() -> result<attempt> {
    POP3_TRY(detail::create_store_file(file, why));
    return try_open(file, why);
  }();
  if (!started || !started->store) {
    if (started) why = "new state file " + file.string() + " is not empty: " + started->damage;
    if (!moved.empty()) why = moved + ", but " + why;
    return unexpected(started ? error(errc::io_error) : started.error());
  }
  how = damage.empty() ? opened::created : opened::replaced;
  why = std::move(moved);
  return std::unique_ptr<uid_store>(new uid_store(std::move(started->store)));
}

}  // namespace pop3::agent
