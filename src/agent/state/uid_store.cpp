#include "state/uid_store.hpp"

#include <cstdint>
#include <limits>

#include "state/uid_store_impl.hpp"

namespace pop3::agent {
namespace {

// Binds, runs and resets a write statement; false if it did not complete. Bindings are
// cleared so the statement never keeps a pointer into the caller's string.
bool run(sqlite3_stmt* s) {
  const int rc = sqlite3_step(s);
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  return rc == SQLITE_DONE;
}

bool bind_uid(sqlite3_stmt* s, const std::string& uid) {
  return sqlite3_bind_text64(s, 1, uid.data(), uid.size(), SQLITE_STATIC, SQLITE_UTF8) == SQLITE_OK;
}

}  // namespace

uid_store::uid_store(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
uid_store::~uid_store() = default;

const std::unordered_map<std::string, uid_record>& uid_store::records() const noexcept {
  return impl_->records;
}

result<void> uid_store::record_delivery(const std::string& uid, std::uint64_t size,
                                        std::int64_t now, std::string& why) {
  const delivered_uid one{uid, size};
  return record_deliveries({&one, 1}, now, why);
}

result<void> uid_store::record_deliveries(std::span<const delivered_uid> batch, std::int64_t now,
                                          std::string& why) {
  why.clear();
  for (const delivered_uid& d : batch) {
    // An empty UID would stand for every message the server lists without one.
    if (d.uid.empty()) {
      why = "cannot record a delivery without a UID";
      return unexpected(errc::invalid_argument);
    }
    if (d.size > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      why = "cannot record a size of " + std::to_string(d.size) + " octets";
      return unexpected(errc::invalid_argument);
    }
  }
  if (batch.empty()) return {};
  sqlite3* db = impl_->db.get();
  sqlite3_stmt* s = impl_->upsert.get();
  const std::string what = "cannot record a delivery in state file " + impl_->file.string();
  // One transaction for the batch: with synchronous=FULL in WAL mode its commit is fsync'ed
  // once before COMMIT returns, however many rows it holds.
  if (sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK)
    return detail::sqlite_failure(db, what, why);
  for (const delivered_uid& d : batch) {
    const bool bound = bind_uid(s, d.uid) && sqlite3_bind_int64(s, 2, now) == SQLITE_OK &&
                       sqlite3_bind_int64(s, 3, static_cast<std::int64_t>(d.size)) == SQLITE_OK;
    if (!bound || !run(s)) {
      auto failure = detail::sqlite_failure(db, what, why);
      sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
      return failure;
    }
  }
  if (sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    auto failure = detail::sqlite_failure(db, what, why);
    if (sqlite3_get_autocommit(db) == 0) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    return failure;
  }
  // records() changes only once the whole batch is on disk.
  for (const delivered_uid& d : batch) {
    auto [it, inserted] = impl_->records.try_emplace(d.uid, uid_record{d.uid, now, now, d.size});
    if (!inserted) {
      it->second.delivered = now;
      it->second.size = d.size;
    }
  }
  return {};
}

result<void> uid_store::forget(std::span<const std::string> uids, std::string& why) {
  why.clear();
  if (uids.empty()) return {};
  sqlite3* db = impl_->db.get();
  const std::string what = "cannot forget UIDs in state file " + impl_->file.string();
  if (sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK)
    return detail::sqlite_failure(db, what, why);
  for (const std::string& uid : uids) {
    if (!bind_uid(impl_->erase.get(), uid) || !run(impl_->erase.get())) {
      auto failure = detail::sqlite_failure(db, what, why);
      sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
      return failure;
    }
  }
  if (sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    auto failure = detail::sqlite_failure(db, what, why);
    if (sqlite3_get_autocommit(db) == 0) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    return failure;
  }
  for (const std::string& uid : uids)
    impl_->records.erase(uid);
  return {};
}

}  // namespace pop3::agent
