// The inside of a uid_store, shared by its opening (uid_store_open.cpp) and its operations
// (uid_store.cpp).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>

#include "state/sqlite_handles.hpp"
#include "state/uid_store.hpp"

namespace pop3::agent {

namespace detail {
// A delivery: a new UID gets first_seen = delivered = now, a known one keeps first_seen.
inline constexpr std::string_view upsert_sql =
    "INSERT INTO uids (uid, first_seen, delivered, size) VALUES (?1, ?2, ?2, ?3) "
    "ON CONFLICT (uid) DO UPDATE SET delivered = excluded.delivered, size = excluded.size";
inline constexpr std::string_view erase_sql = "DELETE FROM uids WHERE uid = ?1";
}  // namespace detail

struct uid_store::impl {
  std::filesystem::path file;
  detail::connection db;
  detail::statement upsert;  ///< upsert_sql
  detail::statement erase;   ///< erase_sql
  std::unordered_map<std::string, uid_record> records;
};

}  // namespace pop3::agent
