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

// Runs `step` on each of `items` in one transaction (BEGIN IMMEDIATE ... COMMIT): all or
// none. `step` returns false when its statement failed; the error then says `what`. With
// synchronous=FULL in WAL mode the commit is fsync'ed once, before this returns.
template <class Items, class Step>
result<void> in_one_transaction(sqlite3* db, const Items& items, Step step, const std::string& what,
                                std::string& why) {
  if (sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK)
    return detail::sqlite_failure(db, what, why);
  for (const auto& item : items) {
    if (!step(item)) {
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
  return {};
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
  sqlite3_stmt* upsert = impl_->upsert.get();
  const auto record = [&](const delivered_uid& d) {
    return bind_uid(upsert, d.uid) && sqlite3_bind_int64(upsert, 2, now) == SQLITE_OK &&
           sqlite3_bind_int64(upsert, 3, static_cast<std::int64_t>(d.size)) == SQLITE_OK &&
           run(upsert);
  };
  POP3_TRY(in_one_transaction(impl_->db.get(), batch, record,
                              "cannot record a delivery in state file " + impl_->file.string(),
                              why));
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
  sqlite3_stmt* erase = impl_->erase.get();
  const auto forget_one = [&](const std::string& uid) {
    return bind_uid(erase, uid) && run(erase);
  };
  POP3_TRY(in_one_transaction(impl_->db.get(), uids, forget_one,
                              "cannot forget UIDs in state file " + impl_->file.string(), why));
  for (const std::string& uid : uids)
    impl_->records.erase(uid);
  return {};
}

}  // namespace pop3::agent
