// The README's examples run against a real Dovecot.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "run_process.hpp"
#include "support/dovecot_server.hpp"
#include "support/sample_mail.hpp"

namespace pop3::test {
namespace {

TEST(examples, blocking_client_lists_every_message) {
  dovecot_server server({{"alice", "pw"}});
  const auto mail = generate_small_mail(3, 5);
  server.deliver("alice", mail);
  auto r = run_process({POP3_EXAMPLES_DIR "/example_blocking_client", "localhost",
                        std::to_string(server.pop3s_port()), "alice"},
                       {{"POP3_PASSWORD", "pw"}, {"POP3_CAFILE", server.ca_file().string()}});
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

/// RFC 1939 byte-stuffing of a message plus the terminator: what a server sends after +OK.
std::string stuffed_with_terminator(const std::string& message) {
  std::string out;
  bool line_start = true;
  for (std::size_t i = 0; i < message.size(); ++i) {
    if (line_start && message[i] == '.') out += '.';
    out += message[i];
    line_start = message[i] == '\n' && i > 0 && message[i - 1] == '\r';
  }
  return out + ".\r\n";
}

std::string file_contents(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The NetX C example retrieves every message byte-exact, in both body modes, with USER/PASS
// and with APOP, then deletes them (DELE + QUIT).
TEST(examples, netx_client_retrieves_every_message_in_both_modes) {
  dovecot_server server({{"alice", "pw"}});
  const auto mail = generate_sample_mail({.count = 10, .seed = 4, .big_message_bytes = 1u << 20});
  std::size_t octets = 0;
  for (const auto& m : mail)
    octets += m.wire().size();
  for (const char* mode : {"raw", "decoded"}) {
    for (const char* apop : {"0", "1"}) {
      SCOPED_TRACE(std::string(mode) + (apop[0] == '1' ? " with APOP" : " with USER/PASS"));
      server.deliver("alice", mail);
      const auto out = server.dir() / (std::string("out-") + mode + apop);
      std::filesystem::create_directories(out);
      auto r =
          run_process({std::string(POP3_EXAMPLES_DIR "/example_netx_client_") + mode, "127.0.0.1",
                       std::to_string(server.port()), "alice", apop, out.string()},
                      {{"POP3_PASSWORD", "pw"}});
      ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
      EXPECT_EQ(r.out.substr(0, r.out.find('\n')),
                std::to_string(mail.size()) + " messages, " + std::to_string(octets) + " octets");
      for (std::size_t i = 0; i < mail.size(); ++i) {
        const std::string got = file_contents(out / (std::to_string(i + 1) + ".eml"));
        const std::string expected =
            std::string(mode) == "raw" ? stuffed_with_terminator(mail[i].wire()) : mail[i].wire();
        EXPECT_TRUE(got == expected)
            << mail[i].id << ": " << got.size() << " vs " << expected.size() << " bytes";
      }
      EXPECT_EQ(server.maildir_message_count("alice"), 0u);  // DELE + QUIT removed them
    }
  }
}

}  // namespace
}  // namespace pop3::test
