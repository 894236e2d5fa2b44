// make_plan(): every rule of plan.hpp, with exact plans.
#include "fetch/plan.hpp"

#include <gtest/gtest.h>

namespace pop3::agent {
namespace {

constexpr std::int64_t day = 86400;
constexpr std::int64_t now = 1'800'000'000;

std::vector<listed_message> listing(std::initializer_list<const char*> uids) {
  std::vector<listed_message> out;
  std::uint32_t n = 0;
  for (const char* uid : uids) {
    ++n;
    out.push_back({n, 100u * n, uid});
  }
  return out;
}

std::unordered_map<std::string, uid_record> delivered(
    std::initializer_list<std::pair<const char*, std::int64_t>> uids_and_times) {
  std::unordered_map<std::string, uid_record> out;
  for (const auto& [uid, when] : uids_and_times)
    out[uid] = {uid, when, when, 100};
  return out;
}

std::vector<std::uint32_t> numbers(const std::vector<listed_message>& messages) {
  std::vector<std::uint32_t> out;
  for (const auto& m : messages)
    out.push_back(m.number);
  return out;
}

template <class T>
std::vector<std::pair<std::uint32_t, std::string_view>> reasons(const std::vector<T>& items) {
  std::vector<std::pair<std::uint32_t, std::string_view>> out;
  for (const auto& i : items)
    out.emplace_back(i.message.number, to_string(i.why));
  return out;
}

using reason_list = std::vector<std::pair<std::uint32_t, std::string_view>>;
using number_list = std::vector<std::uint32_t>;

TEST(plan, delete_mode_fetches_new_and_deletes_what_an_earlier_run_delivered) {
  const fetch_policy policy;  // keep = false, only_new = true
  const auto p =
      make_plan(policy, listing({"a", "b", "c"}), delivered({{"b", now - 60}}), true, now);
  EXPECT_EQ(numbers(p.retrieve), (number_list{1, 3}));
  EXPECT_EQ(p.bytes_to_retrieve, 400u);
  EXPECT_EQ(reasons(p.remove), (reason_list{{2, "delivered by an earlier run"}}));
  EXPECT_TRUE(p.skip.empty());
  EXPECT_TRUE(delete_after_delivery(policy));
  // only_new = false does not redeliver a message that is due for deletion.
  fetch_policy all = policy;
  all.only_new = false;
  const auto q = make_plan(all, listing({"a", "b", "c"}), delivered({{"b", now}}), true, now);
  EXPECT_EQ(numbers(q.retrieve), (number_list{1, 3}));
  EXPECT_EQ(reasons(q.remove), (reason_list{{2, "delivered by an earlier run"}}));
}

TEST(plan, keep_mode_skips_known_uids_or_fetches_them_again_without_only_new) {
  fetch_policy policy;
  policy.keep = true;
  const auto p = make_plan(policy, listing({"a", "b"}), delivered({{"a", now}}), true, now);
  EXPECT_EQ(numbers(p.retrieve), (number_list{2}));
  EXPECT_EQ(reasons(p.skip), (reason_list{{1, "already delivered"}}));
  EXPECT_TRUE(p.remove.empty());
  EXPECT_FALSE(delete_after_delivery(policy));
  policy.only_new = false;
  const auto q = make_plan(policy, listing({"a", "b"}), delivered({{"a", now}}), true, now);
  EXPECT_EQ(numbers(q.retrieve), (number_list{1, 2}));
  EXPECT_TRUE(q.skip.empty());
  // keep wins over keep_days.
  policy.keep_days = 1;
  const auto r = make_plan(policy, listing({"a"}), delivered({{"a", now - 30 * day}}), true, now);
  EXPECT_TRUE(r.remove.empty());
}

TEST(plan, keep_days_deletes_exactly_when_the_days_have_passed) {
  fetch_policy policy;
  policy.keep_days = 14;
  EXPECT_FALSE(delete_after_delivery(policy));
  const auto known = delivered({{"old", now - 14 * day}, {"young", now - 14 * day + 1}});
  const auto p = make_plan(policy, listing({"old", "young", "new"}), known, true, now);
  EXPECT_EQ(reasons(p.remove), (reason_list{{1, "keep_days passed"}}));
  EXPECT_EQ(reasons(p.skip), (reason_list{{2, "already delivered"}}));
  EXPECT_EQ(numbers(p.retrieve), (number_list{3}));
  // keep_days = 0 is delete-after-delivery.
  policy.keep_days = 0;
  EXPECT_TRUE(delete_after_delivery(policy));
  const auto q = make_plan(policy, listing({"young"}), known, true, now);
  EXPECT_EQ(reasons(q.remove), (reason_list{{1, "delivered by an earlier run"}}));
}

TEST(plan, max_size_actions) {
  fetch_policy policy;
  policy.max_size = 200;  // messages are 100, 200, 300 octets
  const auto skip = make_plan(policy, listing({"a", "b", "c"}), {}, true, now);
  EXPECT_EQ(numbers(skip.retrieve), (number_list{1, 2}));
  EXPECT_EQ(reasons(skip.skip), (reason_list{{3, "larger than max_size"}}));
  EXPECT_EQ(skip.warnings,
            std::vector<std::string>{"message 3 (300 octets) is larger than max_size (200 octets): "
                                     "left on the server"});
  policy.max_size_action = oversize_action::remove;
  const auto remove = make_plan(policy, listing({"a", "b", "c"}), {}, true, now);
  EXPECT_EQ(numbers(remove.retrieve), (number_list{1, 2}));
  EXPECT_EQ(reasons(remove.remove), (reason_list{{3, "larger than max_size"}}));
  EXPECT_EQ(remove.warnings,
            std::vector<std::string>{"message 3 (300 octets) is larger than max_size (200 "
                                     "octets): deleted without being fetched"});
  policy.max_size_action = oversize_action::warn;
  const auto warn = make_plan(policy, listing({"a", "b", "c"}), {}, true, now);
  EXPECT_EQ(numbers(warn.retrieve), (number_list{1, 2, 3}));
  EXPECT_EQ(warn.warnings, std::vector<std::string>{"message 3 (300 octets) is larger than "
                                                    "max_size (200 octets): fetched anyway"});
}

TEST(plan, without_uidl_everything_is_fetched) {
  fetch_policy policy;
  const auto p = make_plan(policy, listing({"", ""}), {}, false, now);
  EXPECT_EQ(numbers(p.retrieve), (number_list{1, 2}));
  EXPECT_TRUE(p.warnings.empty());
  policy.keep = true;
  const auto q = make_plan(policy, listing({"", ""}), {}, false, now);
  EXPECT_EQ(numbers(q.retrieve), (number_list{1, 2}));
  EXPECT_EQ(q.warnings, std::vector<std::string>{
                            "the server has no UIDL: every message is fetched on every run"});
  policy.keep = false;
  policy.keep_days = 3;
  const auto r = make_plan(policy, listing({""}), {}, false, now);
  EXPECT_EQ(r.warnings, std::vector<std::string>{
                            "the server has no UIDL: every message is fetched on every run, "
                            "and keep_days cannot be honoured (messages are kept)"});
}

TEST(plan, recorded_uids_the_server_no_longer_lists_are_forgotten_in_order) {
  fetch_policy policy;
  policy.keep = true;
  const auto p = make_plan(policy, listing({"b", "new"}),
                           delivered({{"c", now}, {"b", now}, {"a", now}}), true, now);
  EXPECT_EQ(p.forget, (std::vector<std::string>{"a", "c"}));
  EXPECT_FALSE(p.uids_changed);
}

TEST(plan, a_server_whose_uids_all_changed_is_left_alone) {
  fetch_policy policy;
  policy.keep = true;
  auto known = delivered({{"a", now}, {"b", now}});
  known["b"].size = 200;  // the same messages: 100 and 200 octets, as listed
  const auto p = make_plan(policy, listing({"x", "y", "z"}), known, true, now);
  EXPECT_TRUE(p.uids_changed);
  EXPECT_TRUE(p.retrieve.empty());
  EXPECT_TRUE(p.remove.empty());
  EXPECT_TRUE(p.forget.empty());
  // Fewer messages than recorded: mail was deleted elsewhere and new mail came; not a
  // migration.
  const auto q = make_plan(policy, listing({"x"}), known, true, now);
  EXPECT_FALSE(q.uids_changed);
  EXPECT_EQ(numbers(q.retrieve), (number_list{1}));
  EXPECT_EQ(q.forget, (std::vector<std::string>{"a", "b"}));
  // One UID still known: not a migration.
  const auto r = make_plan(policy, listing({"x", "y", "a"}), known, true, now);
  EXPECT_FALSE(r.uids_changed);
  // An empty store is never a migration.
  EXPECT_FALSE(make_plan(policy, listing({"x"}), {}, true, now).uids_changed);
}

TEST(plan, keep_days_0_deletes_at_once_even_with_a_clock_gone_back) {
  fetch_policy policy;
  policy.keep_days = 0;  // as if unset
  const auto p = make_plan(policy, listing({"a"}), delivered({{"a", now + 3600}}), true, now);
  ASSERT_EQ(p.remove.size(), 1u);
  EXPECT_EQ(p.remove[0].why, deletion_reason::delivered_before);
  EXPECT_TRUE(p.retrieve.empty());
}

TEST(plan, a_migration_keeps_the_sizes_and_only_kept_mail_can_tell) {
  fetch_policy policy;
  policy.keep = true;
  std::unordered_map<std::string, uid_record> known;
  known["a"] = {
      "a",
      now,
      now,
      100,
  };
  known["b"] = {"b", now, now, 202};  // delivered 2 octets more than LIST said
  std::vector<listed_message> same_messages = {{1, 100, "x"}, {2, 200, "y"}, {3, 7, "z"}};
  EXPECT_TRUE(make_plan(policy, same_messages, known, true, now).uids_changed);
  // Another client deleted a and b, and new mail of other sizes came: fetch it.
  std::vector<listed_message> new_mail = {{1, 100, "x"}, {2, 300, "y"}};
  const auto p = make_plan(policy, new_mail, known, true, now);
  EXPECT_FALSE(p.uids_changed);
  EXPECT_EQ(numbers(p.retrieve), (number_list{1, 2}));
  EXPECT_EQ(p.forget, (std::vector<std::string>{"a", "b"}));
  // Two records of one size need two such messages.
  known["b"].size = 100;
  const std::vector<listed_message> one_of_100 = {{1, 100, "x"}, {2, 200, "y"}};
  const std::vector<listed_message> two_of_100 = {{1, 100, "x"}, {2, 100, "y"}};
  EXPECT_FALSE(make_plan(policy, one_of_100, known, true, now).uids_changed);
  EXPECT_TRUE(make_plan(policy, two_of_100, known, true, now).uids_changed);
  // Deleting after delivery: the records are deletions in doubt, whose absence is expected
  // (the server committed them, but the answer to QUIT was lost).
  policy.keep = false;
  const auto d = make_plan(policy, same_messages, known, true, now);
  EXPECT_FALSE(d.uids_changed);
  EXPECT_EQ(numbers(d.retrieve), (number_list{1, 2, 3}));
  policy.keep_days = 7;  // keep_days keeps: the check applies
  EXPECT_TRUE(make_plan(policy, two_of_100, known, true, now).uids_changed);
}

}  // namespace
}  // namespace pop3::agent
