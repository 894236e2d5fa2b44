// What `pop3 fetch` does with each message on the server, decided before any RETR from the
// listing, the account's policy and the UID state. A pure function: no I/O, no clock.
//
// The rules (documented for users in pop3(1) and pop3-config(5)):
//  - keep = true never deletes. keep = false deletes a message right after its delivery is
//    durable and recorded, or, with keep_days = N > 0, on the first run N days (N x 86400 s)
//    after it was first delivered.
//  - A message whose UID is recorded as delivered is never delivered again while it is to be
//    deleted: if an earlier run delivered it but its deletion did not take effect (QUIT failed,
//    connection lost, killed), it is deleted now without a RETR.
//  - only_new = true fetches only UIDs not recorded; only_new = false fetches kept messages
//    again on every run.
//  - max_size: a larger message (by LIST's size) is skipped ("skip"), deleted unread
//    ("delete"), or fetched with a warning ("warn").
//  - No UIDL: every message is fetched and, unless keep (or keep_days > 0, which then acts as
//    keep), deleted; nothing is recorded.
//  - Where messages are kept (keep, or keep_days > 0): if the store holds UIDs believed on
//    the server, none of them is listed, and the server has at least as many messages as
//    were recorded, of the recorded sizes, the server's UIDs have all changed (a migration):
//    nothing is fetched or deleted; the user decides.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"
#include "state/uid_store.hpp"

namespace pop3::agent {

/// One message as LIST and UIDL describe it.
struct listed_message {
  std::uint32_t number = 0;
  std::uint64_t size = 0;
  std::string uid;  ///< empty when the server has no UIDL
  bool operator==(const listed_message&) const = default;
};

struct fetch_policy {
  bool keep = false;
  std::optional<std::uint32_t> keep_days;
  bool only_new = true;
  std::optional<std::uint64_t> max_size;
  oversize_action max_size_action = oversize_action::skip;
};

fetch_policy policy_of(const account_config& account);

enum class skip_reason : std::uint8_t { already_delivered, too_large };
enum class deletion_reason : std::uint8_t {
  delivered_before,  ///< delivered by an earlier run whose deletion did not take effect
  expired,           ///< keep_days after it was first delivered
  too_large,         ///< max_size_action = "delete"
};

std::string_view to_string(skip_reason why) noexcept;
std::string_view to_string(deletion_reason why) noexcept;

struct planned_skip {
  listed_message message;
  skip_reason why{};
};
struct planned_deletion {
  listed_message message;
  deletion_reason why{};
};

struct fetch_plan {
  std::vector<listed_message> retrieve;  ///< in server order
  std::vector<planned_deletion> remove;  ///< DELE without RETR
  std::vector<planned_skip> skip;        ///< left alone
  std::vector<std::string> warnings;     ///< for the user, one line each
  std::vector<std::string> forget;       ///< recorded UIDs the server no longer lists
  std::uint64_t bytes_to_retrieve = 0;   ///< by LIST's sizes
  bool uids_changed = false;             ///< see the header comment; all lists empty then
};

/// Whether a message is deleted right after its delivery (keep = false and keep_days unset
/// or 0).
bool delete_after_delivery(const fetch_policy& policy) noexcept;

/// The plan. `known` is the UID state (uid_store::records()); `has_uidl` false when the
/// server has no UIDL (then every listed uid is empty). `now` is seconds since the epoch.
fetch_plan make_plan(const fetch_policy& policy, std::span<const listed_message> listing,
                     const std::unordered_map<std::string, uid_record>& known, bool has_uidl,
                     std::int64_t now);

}  // namespace pop3::agent
