// pop3 fetch against a real Dovecot: every delivery kind byte for byte, the keep / only-new /
// delete / keep-days / max-size policies, several accounts at once.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "fetch_test_support.hpp"
#include "support/dovecot_server.hpp"

namespace pop3::test {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
const std::string password = "fetch password";

class fetch : public ::testing::Test {
 protected:
  fetch() : server_({{"alice", password}, {"bob", password}, {"carol", password}}) {
    work_ = fresh_directory(::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  ~fetch() override { fs::remove_all(work_); }

  std::string url(const std::string& user = "alice") const {
    return "pop3s://" + user + "@localhost:" + std::to_string(server_.pop3s_port());
  }
  std::string account(const std::string& user = "alice") const {
    return user + "@localhost:" + std::to_string(server_.pop3s_port());
  }

  // pop3 fetch URL ... with the test CA, the password, and the test's state directory.
  process_result fetch_url(std::vector<std::string> args, const std::string& user = "alice",
                           std::map<std::string, std::string> env = {}) {
    args.insert(args.begin(), {"fetch", url(user), "--cafile", server_.ca_file().string(),
                               "--state-dir", (work_ / "state").string()});
    env.emplace("POP3_PASSWORD", password);
    return run_pop3(args, env);
  }

  // The JSON events of a --json run, by kind.
  static std::map<std::string, std::vector<json>> events(const std::string& out) {
    std::map<std::string, std::vector<json>> by_kind;
    for (const std::string& line : lines_of(out)) {
      json j = json::parse(line);
      by_kind[j.at("event").get<std::string>()].push_back(j);
    }
    return by_kind;
  }

  fs::path maildir_new() const { return work_ / "Mail" / "new"; }

  dovecot_server server_;
  fs::path work_;
};

std::uint64_t wire_octets(const std::vector<sample_message>& mail) {
  std::uint64_t octets = 0;
  for (const auto& m : mail)
    octets += m.wire().size();
  return octets;
}

TEST_F(fetch, three_hundred_messages_into_a_maildir_byte_for_byte) {
  // The sample set's edge cases (dot lines, long lines, 8-bit, a 3 MiB message) and plain
  // messages, 300 in all.
  const auto mail = generate_sample_mail({.count = 300, .seed = 11, .big_message_bytes = 3u << 20});
  server_.deliver("alice", mail);
  const process_result r = fetch_url({"--maildir", (work_ / "Mail").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(file_contents(maildir_new()), stored_sorted(mail));
  EXPECT_TRUE(file_contents(work_ / "Mail" / "tmp").empty());
  EXPECT_TRUE(fs::is_directory(work_ / "Mail" / "cur"));
  EXPECT_EQ(server_.maildir_message_count("alice"), 0u);  // deleted: the default policy
  // Not a terminal: no progress display, one summary line.
  const std::string prefix = account() + ": 300 delivered (";
  EXPECT_EQ(r.out.rfind(prefix, 0), 0u) << r.out;
  EXPECT_EQ(r.out.substr(r.out.size() - 15), "), 300 deleted\n") << r.out;
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos);
  EXPECT_EQ(r.err, "");
}

TEST_F(fetch, three_hundred_messages_into_an_mboxrd_file_byte_for_byte) {
  const auto mail = generate_sample_mail({.count = 300, .seed = 12, .big_message_bytes = 1u << 20});
  server_.deliver("bob", mail);
  const fs::path mbox = work_ / "mail" / "bob.mbox";
  fs::create_directories(mbox.parent_path());
  const process_result r = fetch_url({"--mbox", mbox.string(), "--json"}, "bob");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto entries = mbox_entries(read_file(mbox));
  ASSERT_EQ(entries.size(), mail.size());
  for (std::size_t i = 0; i < mail.size(); ++i)
    EXPECT_EQ(entries[i], mboxrd_entry(mail[i].stored)) << mail[i].id;  // server order
  // Nothing but the mbox is left beside it: the journal of appends is gone after a clean run.
  std::vector<std::string> beside;
  for (const auto& entry : fs::directory_iterator(mbox.parent_path()))
    beside.push_back(entry.path().filename().string());
  EXPECT_EQ(beside, std::vector<std::string>{"bob.mbox"});
  EXPECT_EQ(r.err, "");
  auto e = events(r.out);
  ASSERT_EQ(e["delivered"].size(), 300u);
  ASSERT_EQ(e["deleted"].size(), 300u);
  ASSERT_EQ(e["account_finished"].size(), 1u);
  const json& finished = e["account_finished"][0];
  EXPECT_EQ(finished["ok"], true);
  EXPECT_EQ(finished["counts"]["delivered"], 300);
  EXPECT_EQ(finished["counts"]["deleted"], 300);
  EXPECT_EQ(finished["counts"]["bytes_delivered"], wire_octets(mail));
  EXPECT_EQ(e["summary"].at(0)["exit_code"], 0);
  EXPECT_EQ(server_.maildir_message_count("bob"), 0u);
}

TEST_F(fetch, three_hundred_messages_through_an_mda) {
  const auto mail = generate_sample_mail({.count = 300, .seed = 13, .big_message_bytes = 2u << 20});
  server_.deliver("carol", mail);
  const fs::path out = work_ / "mda-out";
  fs::create_directories(out);
  const std::string mda = "cat > \"$(mktemp " + out.string() + "/m.XXXXXX)\"";
  const process_result r = fetch_url({"--mda", mda}, "carol");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(file_contents(out), stored_sorted(mail));
  EXPECT_EQ(server_.maildir_message_count("carol"), 0u);
}

TEST_F(fetch, keep_and_only_new_fetch_each_message_once) {
  auto mail = generate_small_mail(20, 5);
  server_.deliver("alice", mail);
  const std::vector<std::string> keep = {"--maildir", (work_ / "Mail").string(), "--keep"};
  process_result first = fetch_url(keep);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(file_contents(maildir_new()), stored_sorted(mail));
  EXPECT_EQ(server_.maildir_message_count("alice"), 20u);  // kept
  // Nothing new: nothing fetched, which is success.
  process_result second = fetch_url(keep);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(second.out, account() + ": 0 delivered (0 B), 20 skipped, 0 deleted\n");
  EXPECT_EQ(file_contents(maildir_new()).size(), 20u);
  // One new message: fetched alone.
  const auto extra = generate_small_mail(1, 99);
  server_.deliver("alice", extra);
  mail.push_back(extra[0]);
  process_result third = fetch_url(keep);
  ASSERT_EQ(third.exit_code, 0) << third.err;
  EXPECT_EQ(third.out.rfind(account() + ": 1 delivered (", 0), 0u) << third.out;
  EXPECT_EQ(file_contents(maildir_new()), stored_sorted(mail));
  // --all fetches the kept ones again.
  process_result again = fetch_url({"--maildir", (work_ / "Again").string(), "--keep", "--all"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(file_contents(work_ / "Again" / "new"), stored_sorted(mail));
  EXPECT_EQ(server_.maildir_message_count("alice"), 21u);
}

// In keep mode deliveries are made durable and recorded in groups of 64 (one sync each):
// 150 messages are two whole groups and a last one of 22, settled when the batch ends. Every
// UID is recorded, so the next run fetches none.
TEST_F(fetch, keep_mode_records_every_group_of_deliveries) {
  const auto mail = generate_small_mail(150, 12);
  server_.deliver("alice", mail);
  const std::vector<std::string> keep = {"--maildir", (work_ / "Mail").string(), "--keep"};
  const process_result first = fetch_url(keep);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(file_contents(maildir_new()), stored_sorted(mail));
  EXPECT_TRUE(file_contents(work_ / "Mail" / "tmp").empty());
  const process_result second = fetch_url(keep);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(second.out, account() + ": 0 delivered (0 B), 150 skipped, 0 deleted\n");
  EXPECT_EQ(file_contents(maildir_new()).size(), 150u);
}

TEST_F(fetch, delete_mode_leaves_nothing_to_fetch_twice) {
  const auto mail = generate_small_mail(10, 6);
  server_.deliver("alice", mail);
  const std::vector<std::string> args = {"--maildir", (work_ / "Mail").string()};
  ASSERT_EQ(fetch_url(args).exit_code, 0);
  EXPECT_EQ(server_.maildir_message_count("alice"), 0u);
  const process_result second = fetch_url(args);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(second.out, account() + ": 0 delivered (0 B), 0 deleted\n");
  EXPECT_EQ(file_contents(maildir_new()), stored_sorted(mail));
}

TEST_F(fetch, keep_days_deletes_on_the_first_run_after_the_days) {
  const auto mail = generate_small_mail(4, 7);
  server_.deliver("alice", mail);
  const std::vector<std::string> args = {"--maildir", (work_ / "Mail").string(), "--keep-days", "2",
                                         "--json"};
  const std::int64_t t0 = 1'900'000'000;
  const auto at = [&](std::int64_t t) {
    return fetch_url(args, "alice", {{"POP3_TEST_NOW", std::to_string(t)}});
  };
  process_result first = at(t0);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(events(first.out)["delivered"].size(), 4u);
  EXPECT_EQ(events(first.out)["deleted"].size(), 0u);
  EXPECT_EQ(server_.maildir_message_count("alice"), 4u);
  process_result day_later = at(t0 + 2 * 86400 - 1);  // one second short of two days
  ASSERT_EQ(day_later.exit_code, 0) << day_later.err;
  EXPECT_EQ(events(day_later.out)["delivered"].size(), 0u);
  EXPECT_EQ(events(day_later.out)["skipped"].size(), 4u);
  EXPECT_EQ(server_.maildir_message_count("alice"), 4u);
  process_result expired = at(t0 + 2 * 86400);
  ASSERT_EQ(expired.exit_code, 0) << expired.err;
  auto e = events(expired.out);
  EXPECT_EQ(e["delivered"].size(), 0u);
  EXPECT_EQ(e["deleted"].size(), 4u);
  EXPECT_EQ(e["account_finished"].at(0)["counts"]["deleted"], 4);
  EXPECT_EQ(server_.maildir_message_count("alice"), 0u);
  EXPECT_EQ(file_contents(maildir_new()), stored_sorted(mail));  // each delivered once
}

TEST_F(fetch, max_size_skip_delete_and_warn) {
  // Message 8 of the sample set is the big one (1 MiB here); the rest are far smaller.
  const auto mail = generate_sample_mail({.count = 10, .seed = 8, .big_message_bytes = 1u << 20});
  std::size_t big = mail.size();
  for (std::size_t i = 0; i < mail.size(); ++i)
    if (mail[i].stored.size() == 1u << 20) big = i;
  ASSERT_LT(big, mail.size());
  std::vector<sample_message> small = mail;
  small.erase(small.begin() + static_cast<std::ptrdiff_t>(big));
  server_.deliver("alice", mail);

  const std::string number = std::to_string(big + 1);
  const std::string size = std::to_string(mail[big].wire().size());
  process_result skip = fetch_url({"--maildir", (work_ / "Skip").string(), "--max-size", "512K"});
  ASSERT_EQ(skip.exit_code, 0) << skip.err;
  EXPECT_EQ(skip.err, "pop3: " + account() + ": warning: message " + number + " (" + size +
                          " octets) is larger than max_size (524288 octets): left on the server\n");
  EXPECT_EQ(file_contents(work_ / "Skip" / "new"), stored_sorted(small));
  EXPECT_EQ(server_.maildir_message_count("alice"), 1u);  // only the big one is left

  process_result warn = fetch_url(
      {"--maildir", (work_ / "Warn").string(), "--max-size", "512K", "--max-size-action", "warn"});
  ASSERT_EQ(warn.exit_code, 0) << warn.err;
  EXPECT_EQ(warn.err, "pop3: " + account() + ": warning: message 1 (" + size +
                          " octets) is larger than max_size (524288 octets): fetched anyway\n");
  EXPECT_EQ(file_contents(work_ / "Warn" / "new"), std::vector<std::string>{mail[big].stored});
  EXPECT_EQ(server_.maildir_message_count("alice"), 0u);

  server_.deliver("alice", {mail[big]});
  process_result remove = fetch_url({"--maildir", (work_ / "Delete").string(), "--max-size", "512K",
                                     "--max-size-action", "delete"});
  ASSERT_EQ(remove.exit_code, 0) << remove.err;
  EXPECT_TRUE(file_contents(work_ / "Delete" / "new").empty());
  EXPECT_EQ(server_.maildir_message_count("alice"), 0u);
}

TEST_F(fetch, three_accounts_at_once_one_with_a_wrong_password) {
  const auto a = generate_small_mail(30, 21), b = generate_small_mail(30, 22),
             c = generate_small_mail(30, 23);
  server_.deliver("alice", a);
  server_.deliver("bob", b);
  server_.deliver("carol", c);
  const fs::path config = work_ / "config.toml";
  std::string text = "[defaults]\ncafile = \"" + server_.ca_file().string() +
                     "\"\nport = " + std::to_string(server_.pop3s_port()) +
                     "\nhost = \"localhost\"\n";
  for (const char* user : {"alice", "bob", "carol"}) {
    text += std::string("\n[accounts.") + user + "]\nuser = \"" + user + "\"\nmaildir = \"" +
            (work_ / user).string() + "\"\npassword_file = \"" +
            (work_ / (std::string(user) + ".pw")).string() + "\"\n";
    write_file(work_ / (std::string(user) + ".pw"),
               std::string(user) == "bob" ? "wrong password\n" : password + "\n");
  }
  write_file(config, text);
  const process_result r = run_pop3({"fetch", "--config", config.string(), "--jobs", "3",
                                     "--state-dir", (work_ / "state").string()});
  EXPECT_EQ(r.exit_code, 77) << r.err;
  EXPECT_EQ(file_contents(work_ / "alice" / "new"), stored_sorted(a));
  EXPECT_EQ(file_contents(work_ / "carol" / "new"), stored_sorted(c));
  EXPECT_TRUE(file_contents(work_ / "bob" / "new").empty());
  EXPECT_EQ(server_.maildir_message_count("bob"), 30u);
  const auto out = lines_of(r.out);
  ASSERT_EQ(out.size(), 3u) << r.out;
  EXPECT_EQ(out[0].rfind("alice: 30 delivered (", 0), 0u) << out[0];
  EXPECT_EQ(out[1],
            "bob: 0 delivered (0 B), 0 deleted; failed (exit 77): login failed: the server "
            "answered -ERR [AUTH] \"Authentication failed.\"");
  EXPECT_EQ(out[2].rfind("carol: 30 delivered (", 0), 0u) << out[2];
  EXPECT_EQ(r.err,
            "pop3: bob: login failed: the server answered -ERR [AUTH] \"Authentication "
            "failed.\"\n");
}

}  // namespace
}  // namespace pop3::test
