// The README's examples run against a real Dovecot.
#include <gtest/gtest.h>

#include "run_process.hpp"
#include "support/dovecot_server.hpp"
#include "support/sample_mail.hpp"

namespace pop3::test {
namespace {

TEST(examples, blocking_client_lists_every_message) {
  dovecot_server server({{"alice", "pw"}});
  const auto mail = generate_small_mail(3, 5);
  server.deliver("alice", mail);
  auto r = run_process({POP3_EXAMPLES_DIR "/example_blocking_client", "127.0.0.1",
                        std::to_string(server.port()), "alice"},
                       {{"POP3_PASSWORD", "pw"}});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  std::string expected;
  for (std::size_t i = 0; i < mail.size(); ++i) {
    const std::string& w = mail[i].wire();
    const auto at = w.find("\r\nSubject:");
    expected += std::to_string(i + 1) + " " + std::to_string(w.size()) +
                w.substr(at + 10, w.find('\r', at + 2) - at - 10) + "\n";
  }
  EXPECT_EQ(r.out, expected);
}

TEST(examples, engine_over_socket_lists_every_message) {
  dovecot_server server({{"alice", "pw"}});
  const auto mail = generate_small_mail(3, 5);
  server.deliver("alice", mail);
  auto r = run_process({POP3_EXAMPLES_DIR "/example_engine_over_socket", "127.0.0.1",
                        std::to_string(server.port()), "alice"},
                       {{"POP3_PASSWORD", "pw"}});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  std::string expected;
  for (std::size_t i = 0; i < mail.size(); ++i)
    expected += "message " + std::to_string(i + 1) + ": " + std::to_string(mail[i].wire().size()) +
                " octets\n";
  EXPECT_EQ(r.out, expected);
}

}  // namespace
}  // namespace pop3::test
