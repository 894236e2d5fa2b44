// examples/async_many_mailboxes against a real Dovecot: 200 mailboxes checked at once on one
// thread over verified POP3S, then one by one. The answers are compared exactly with the mail
// delivered; the timings are printed by the example but never asserted.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "run_process.hpp"
#include "support/dovecot_server.hpp"
#include "support/sample_mail.hpp"

namespace pop3::test {
namespace {

TEST(examples, async_many_mailboxes_checks_200_mailboxes_at_once) {
  constexpr int mailboxes = 200;
  std::vector<dovecot_server::user> users;
  for (int k = 1; k <= mailboxes; ++k)
    users.push_back({"user" + std::to_string(k), "pw"});
  dovecot_server server(users);

  // Mailbox k holds k % 4 messages (some hold none), each set different (seed k), so that a
  // mixed-up answer shows.
  std::string expected;
  for (int k = 1; k <= mailboxes; ++k) {
    const auto mail =
        generate_small_mail(static_cast<std::size_t>(k % 4), static_cast<unsigned>(k));
    if (!mail.empty()) server.deliver("user" + std::to_string(k), mail);
    std::size_t octets = 0;
    for (const auto& m : mail)
      octets += m.wire().size();
    expected += "user" + std::to_string(k) + ": " + std::to_string(mail.size()) + " messages, " +
                std::to_string(octets) + " octets\n";
  }
  expected += "sequential pass: the same answers for all 200 mailboxes\n";

  auto r = run_process({POP3_EXAMPLES_DIR "/example_async_many_mailboxes", "localhost",
                        std::to_string(server.pop3s_port()), "user", std::to_string(mailboxes)},
                       {{"POP3_PASSWORD", "pw"}, {"POP3_CAFILE", server.ca_file().string()}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  const auto timing_at = r.out.rfind("concurrent: ");
  ASSERT_NE(timing_at, std::string::npos) << r.out;
  EXPECT_EQ(r.out.substr(0, timing_at), expected);
  // One last line of timings (std::regex is avoided: GCC 12 warns inside it under ASan).
  const std::string timing = r.out.substr(timing_at);
  double concurrent = 0, sequential = 0, ratio = 0;
  EXPECT_EQ(std::sscanf(timing.c_str(), "concurrent: %lf s, sequential: %lf s, %lfx", &concurrent,
                        &sequential, &ratio),
            3)
      << timing;
  EXPECT_EQ(timing.find('\n'), timing.size() - 1) << timing;
  EXPECT_TRUE(timing.ends_with("x\n")) << timing;
}

// A wrong password fails the run with a message naming the mailbox, and a non-zero exit.
TEST(examples, async_many_mailboxes_reports_a_refused_login) {
  dovecot_server server({{"user1", "pw"}, {"user2", "other"}});
  auto r = run_process({POP3_EXAMPLES_DIR "/example_async_many_mailboxes", "localhost",
                        std::to_string(server.pop3s_port()), "user", "2"},
                       {{"POP3_PASSWORD", "pw"}, {"POP3_CAFILE", server.ca_file().string()}});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("user2: login failed: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("1 of 2 mailboxes failed"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "user1: 0 messages, 0 octets\n");  // the mailboxes that could be checked
}

}  // namespace
}  // namespace pop3::test
