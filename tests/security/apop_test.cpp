// security-cases.md section 3 (APOP), end to end: APOP only when named, the timestamp
// validation (only a strict RFC 5322 msg-id from a +OK greeting; anything else and nothing
// is sent), RFC 1939's digest vector, and no fallback after a failed APOP.
#include <gtest/gtest.h>

#include "cleartext_pop3_server.hpp"
#include "security_fixture.hpp"

namespace pop3::test {
namespace {

std::vector<std::string> stat_over_pop3s(std::uint16_t port, const char* method) {
  return {"stat", "--auth", method, "--cafile", ca_file(), pop3s_url(port)};
}

const std::string rfc1939_stamp = "<1896.697170952@dbc.mtview.ca.us>";

TEST(apop, case26_apop_only_when_named) {
  {
    // Inside TLS, with a timestamp in the greeting and USER as the only other method, auto
    // picks USER/PASS, never APOP.
    tls_test_server_options options = pop3s_server();
    options.greeting = "+OK ready " + rfc1939_stamp + "\r\n";
    options.capabilities_after_tls = {"USER"};
    options.script_after_tls = {{"USER alice", "+OK\r\n", {}},
                                {"PASS " + test_password, "+OK\r\n", {}},
                                {"STAT", "+OK 0 0\r\n", {}}};
    const tls_run run =
        run_against(options, [](std::uint16_t port) { return stat_over_pop3s(port, "auto"); });
    EXPECT_EQ(run.cli.exit_code, 0) << run.cli.err;
    EXPECT_EQ(run.server.received_after_handshake,
              "CAPA\r\nUSER alice\r\nPASS " + test_password + "\r\nSTAT\r\nQUIT\r\n");
  }
  {
    // In cleartext auto has nothing it may use: not APOP either, although APOP would hide the
    // password.
    cleartext_server_options options;
    options.greeting = "+OK ready " + rfc1939_stamp + "\r\n";
    options.script = {{"CAPA", "+OK\r\nUSER\r\n.\r\n"}};
    cleartext_pop3_server server(options);
    const process_result r = pop3({"stat", "--tls", "none", pop3_url(server.port())});
    ASSERT_TRUE(server.wait_until_done());
    EXPECT_EQ(r.exit_code, 69) << r.err;
    EXPECT_TRUE(mentions(r.err, "login refused without TLS")) << r.err;
    EXPECT_EQ(server.received(), "CAPA\r\n");
  }
}

TEST(apop, case27_timestamp_vectors) {
  // Accepted: APOP goes out with the digest of exactly the timestamp and the password.
  for (const std::string& stamp : {rfc1939_stamp, std::string("<a@b>")}) {
    SCOPED_TRACE(stamp);
    tls_test_server_options options =
        pop3s_server();  // its AUTH PLAIN step is never reached: APOP comes first
    options.greeting = "+OK POP3 server ready " + stamp + "\r\n";
    options.script_after_tls = {{"APOP *", "+OK maildrop locked\r\n", {}},
                                {"STAT", "+OK 0 0\r\n", {}}};
    const tls_run run =
        run_against(options, [](std::uint16_t port) { return stat_over_pop3s(port, "apop"); });
    EXPECT_EQ(run.cli.exit_code, 0) << run.cli.err;
    EXPECT_EQ(run.server.received_after_handshake,
              "CAPA\r\nAPOP alice " + md5_hex(stamp + test_password) + "\r\nSTAT\r\nQUIT\r\n");
  }
  // Rejected: APOP is not available, and nothing goes out after CAPA.
  std::string binary_block = "<";  // a collision generator's kind of block: 128 bytes of binary
  for (int i = 0; binary_block.size() < 128; ++i) {
    const auto byte = static_cast<char>((i * 37 + 0x80) % 256);
    if (byte != '\r' && byte != '\n' && byte != '>' && byte != '<') binary_block += byte;
  }
  binary_block.insert(64, "@");
  binary_block += ">";
  const std::string rejected[] = {
      "<>",           "<no-at>",   "<a b@c>",    "<a@b",
      "<\xC3\xA9@x>", "<a\x01@b>", binary_block, std::string("<a\0b@c>", 7)};
  for (const std::string& stamp : rejected) {
    SCOPED_TRACE(stamp);
    tls_test_server_options options = pop3s_server();
    options.greeting = "+OK POP3 server ready " + stamp + "\r\n";
    const tls_run run =
        run_against(options, [](std::uint16_t port) { return stat_over_pop3s(port, "apop"); });
    EXPECT_EQ(run.cli.exit_code, 69) << run.cli.err;
    EXPECT_TRUE(mentions(run.cli.err, "APOP is not available")) << run.cli.err;
    EXPECT_EQ(run.server.received_after_handshake, "CAPA\r\n");
  }
  // A timestamp in a -ERR greeting is no timestamp: the session never starts.
  tls_test_server_options options = pop3s_server();
  options.greeting = "-ERR go away " + rfc1939_stamp + "\r\n";
  const tls_run run =
      run_against(options, [](std::uint16_t port) { return stat_over_pop3s(port, "apop"); });
  EXPECT_EQ(run.cli.exit_code, 69) << run.cli.err;
  EXPECT_EQ(run.server.received_after_handshake, "");
}

TEST(apop, case28_digest_vector) {
  // RFC 1939 §7: mrose, tanstaaf, and the server's timestamp.
  tls_test_server_options options = pop3s_server();
  options.greeting = "+OK POP3 server ready " + rfc1939_stamp + "\r\n";
  options.script_after_tls = {
      {"APOP *", "+OK mrose's maildrop has 2 messages (320 octets)\r\n", {}},
      {"STAT", "+OK 2 320\r\n", {}}};
  const tls_run run = run_against(
      options,
      [](std::uint16_t port) {
        return std::vector<std::string>{
            "stat", "--auth", "apop", "--cafile", ca_file(), pop3s_url(port, "localhost", "mrose")};
      },
      {{"POP3_PASSWORD", "tanstaaf"}});
  EXPECT_EQ(run.cli.exit_code, 0) << run.cli.err;
  EXPECT_EQ(run.cli.out, "2 messages, 320 octets\n");
  EXPECT_EQ(run.server.received_after_handshake,
            "CAPA\r\nAPOP mrose c4c9334bac560ecc979e58001b3e22fb\r\nSTAT\r\nQUIT\r\n");
}

TEST(apop, case29_no_fallback_after_apop_failure) {
  const std::string apop_line = "APOP alice " + md5_hex(rfc1939_stamp + test_password);
  {
    // Over TLS: USER and PLAIN are offered, and not tried after the failure.
    tls_test_server_options options = pop3s_server();
    options.greeting = "+OK ready " + rfc1939_stamp + "\r\n";
    options.script_after_tls = {{"APOP *", "-ERR [AUTH] permission denied\r\n", {}}};
    const tls_run run =
        run_against(options, [](std::uint16_t port) { return stat_over_pop3s(port, "apop"); });
    EXPECT_EQ(run.cli.exit_code, 77) << run.cli.err;
    EXPECT_TRUE(mentions(run.cli.err, "[AUTH]")) << run.cli.err;
    EXPECT_EQ(run.server.received_after_handshake, "CAPA\r\n" + apop_line + "\r\n");
  }
  {
    // In cleartext (APOP named, --tls none): no USER/PASS in cleartext afterwards.
    cleartext_server_options options;
    options.greeting = "+OK ready " + rfc1939_stamp + "\r\n";
    options.script = {{"CAPA", "+OK\r\nUSER\r\nSASL PLAIN\r\n.\r\n"},
                      {"APOP *", "-ERR [AUTH] permission denied\r\n"}};
    cleartext_pop3_server server(options);
    const process_result r =
        pop3({"stat", "--tls", "none", "--auth", "apop", pop3_url(server.port())});
    ASSERT_TRUE(server.wait_until_done());
    EXPECT_EQ(r.exit_code, 77) << r.err;
    EXPECT_EQ(server.received(), "CAPA\r\n" + apop_line + "\r\n");
  }
}

}  // namespace
}  // namespace pop3::test
