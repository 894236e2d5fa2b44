#include "plan.hpp"

#include <algorithm>
#include <unordered_set>

namespace pop3::agent {

fetch_policy policy_of(const account_config& account) {
  return {account.keep, account.keep_days, account.only_new, account.max_size,
          account.max_size_action};
}

std::string_view to_string(skip_reason why) noexcept {
  switch (why) {
    case skip_reason::already_delivered:
      return "already delivered";
    case skip_reason::too_large:
      return "larger than max_size";
  }
  return "?";
}

std::string_view to_string(deletion_reason why) noexcept {
  switch (why) {
    case deletion_reason::delivered_before:
      return "delivered by an earlier run";
    case deletion_reason::expired:
      return "keep_days passed";
    case deletion_reason::too_large:
      return "larger than max_size";
  }
  return "?";
}

bool delete_after_delivery(const fetch_policy& policy) noexcept {
  return !policy.keep && policy.keep_days.value_or(0) == 0;
}

namespace {

// True if every recorded UID has vanished while the server holds at least as many messages,
// and messages of the recorded sizes: what a server migration that renumbered every UID
// looks like (see plan.hpp). Mail deleted by another client and replaced by new mail has
// other sizes. A recorded size is the octets delivered: LIST's size, or 2 more (the CRLF a
// server adds to a message without one). Records without a size (0) match any message.
bool all_uids_changed(std::span<const listed_message> listing,
                      const std::unordered_map<std::string, uid_record>& known) {
  if (known.empty() || listing.size() < known.size()) return false;
  std::unordered_map<std::uint64_t, std::size_t> sizes;  // listed size -> messages
  for (const listed_message& m : listing) {
    if (known.count(m.uid)) return false;
    ++sizes[m.size];
  }
  for (const auto& [uid, record] : known) {
    if (record.size == 0) continue;
    auto same = sizes.find(record.size);
    if (same == sizes.end() || same->second == 0)
      same = record.size >= 2 ? sizes.find(record.size - 2) : sizes.end();
    if (same == sizes.end() || same->second == 0) return false;
    --same->second;
  }
  return true;
}

std::string size_words(std::uint64_t octets) {
  return std::to_string(octets) + " octets";
}

}  // namespace

fetch_plan make_plan(const fetch_policy& policy, std::span<const listed_message> listing,
                     const std::unordered_map<std::string, uid_record>& known, bool has_uidl,
                     std::int64_t now) {
  fetch_plan plan;
  if (!has_uidl) {
    if (policy.keep || policy.keep_days.value_or(0) > 0) {
      plan.warnings.push_back(
          "the server has no UIDL: every message is fetched on every run" +
          std::string(policy.keep_days.value_or(0) > 0 && !policy.keep
                          ? ", and keep_days cannot be honoured (messages are kept)"
                          : ""));
    }
  } else if ((policy.keep || policy.keep_days.value_or(0) > 0) &&
             all_uids_changed(listing, known)) {
    // Only where messages are kept: otherwise the records are of deletions in doubt (a QUIT
    // whose answer was lost), which are expected to have gone.
    plan.uids_changed = true;
    return plan;
  }

  const auto retrieve = [&](const listed_message& m) {
    plan.retrieve.push_back(m);
    plan.bytes_to_retrieve += m.size;
  };
  std::unordered_set<std::string> listed;
  for (const listed_message& m : listing) {
    if (has_uidl) listed.insert(m.uid);
    const auto record = has_uidl ? known.find(m.uid) : known.end();
    if (record != known.end()) {
      // keep_days = 0 is "unset": deleted at once, even with a clock that went backwards.
      const bool keeps_days = policy.keep_days.value_or(0) > 0;
      const bool expired =
          keeps_days && now - record->second.first_seen >= std::int64_t{*policy.keep_days} * 86400;
      if (!policy.keep && (!keeps_days || expired)) {
        plan.remove.push_back({m, policy.keep_days.value_or(0) > 0
                                      ? deletion_reason::expired
                                      : deletion_reason::delivered_before});
      } else if (policy.only_new) {
        plan.skip.push_back({m, skip_reason::already_delivered});
      } else {
        retrieve(m);
      }
      continue;
    }
    if (policy.max_size && m.size > *policy.max_size) {
      const std::string what = "message " + std::to_string(m.number) + " (" + size_words(m.size) +
                               ") is larger than max_size (" + size_words(*policy.max_size) + ")";
      switch (policy.max_size_action) {
        case oversize_action::skip:
          plan.skip.push_back({m, skip_reason::too_large});
          plan.warnings.push_back(what + ": left on the server");
          continue;
        case oversize_action::remove:
          plan.remove.push_back({m, deletion_reason::too_large});
          plan.warnings.push_back(what + ": deleted without being fetched");
          continue;
        case oversize_action::warn:
          plan.warnings.push_back(what + ": fetched anyway");
          break;
      }
    }
    retrieve(m);
  }
  if (has_uidl)
    for (const auto& [uid, record] : known)
      if (!listed.count(uid)) plan.forget.push_back(uid);
  std::sort(plan.forget.begin(), plan.forget.end());  // the map's order is no order
  return plan;
}

}  // namespace pop3::agent
