// CAPA as the session keeps it and `pop3 capa` shows it: the lines learned in cleartext are
// forgotten once the server accepts STLS (RFC 2595 section 4: they may have been forged), and
// a server without CAPA (RFC 1939 only) gets a clear error, not a second CAPA. That the
// command asks CAPA once per TLS state is checked against Dovecot (cli_dovecot_test.cpp).
#include <gtest/gtest.h>

#include "cleartext_pop3_server.hpp"
#include "pop3/session.hpp"
#include "pop3/tcp_transport.hpp"
#include "security_fixture.hpp"

namespace pop3::test {
namespace {

using namespace std::chrono_literals;

TEST(capa, session_forgets_the_lines_of_cleartext_at_stls) {
  tls_test_server server(stls_server());
  {
    auto connection = tcp_transport::connect("127.0.0.1", server.port(), {}, no_deadline);
    ASSERT_TRUE(connection);
    session_options options;
    options.idle_timeout = 10s;
    auto s = session::start(std::unique_ptr<transport>(std::move(*connection)), options);
    ASSERT_TRUE(s) << describe(s.error().code);
    ASSERT_TRUE(s->capa());
    ASSERT_NE(s->last_capa(), nullptr);
    EXPECT_EQ(*s->last_capa(),
              (std::vector<capa_line>{{"USER", ""}, {"SASL", "PLAIN"}, {"STLS", ""}}));
    tls_options tls;
    tls.ca_file = ca_file();
    ASSERT_TRUE(s->starttls("localhost", tls));
    EXPECT_EQ(s->last_capa(), nullptr);
    ASSERT_TRUE(s->capa());
    ASSERT_NE(s->last_capa(), nullptr);
    EXPECT_EQ(*s->last_capa(), (std::vector<capa_line>{{"USER", ""}, {"SASL", "PLAIN"}}));
    EXPECT_TRUE(s->quit());
  }
  ASSERT_TRUE(server.wait_until_done());
  EXPECT_EQ(server.plaintext_received(), "CAPA\r\nSTLS\r\n");
  EXPECT_EQ(server.received_after_handshake(), "CAPA\r\nQUIT\r\n");
}

TEST(capa, command_reports_a_server_without_capa) {
  cleartext_server_options options;
  options.script = {{"CAPA", "-ERR [SYS/PERM] unknown command\r\n"}};
  cleartext_pop3_server server(options);
  const process_result r = pop3({"capa", "--tls", "none", pop3_url(server.port())});
  ASSERT_TRUE(server.wait_until_done());
  EXPECT_EQ(r.exit_code, 69) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "pop3: CAPA failed: the server answered -ERR [SYS/PERM] \"unknown command\"\n");
  EXPECT_EQ(server.received(), "CAPA\r\n");  // asked once; the session is dropped without QUIT
}

}  // namespace
}  // namespace pop3::test
