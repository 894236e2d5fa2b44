// security-cases.md section 4, cases 32-45: what the server sends back. Status lines and
// listings that break the rules end the session with exit 76 and the right words; message
// data comes out byte for byte (long lines, bare CR and LF, dot-stuffing, NUL bytes, sizes
// that do not match LIST), or not at all when it is cut off.
#include <gtest/gtest.h>

#include "cleartext_pop3_server.hpp"
#include "security_fixture.hpp"

namespace pop3::test {
namespace {

// `pop3 COMMAND` over POP3S against a server that lets alice in and then answers STEPS;
// POSITIONALS follow the URL.
tls_run after_login(const std::string& command, std::vector<script_step> steps,
                    const std::vector<std::string>& positionals = {},
                    const std::vector<std::string>& options = {}) {
  return run_against(pop3s_server(std::move(steps)), [&](std::uint16_t port) {
    std::vector<std::string> args = {command, "--cafile", ca_file()};
    args.insert(args.end(), options.begin(), options.end());
    args.push_back(pop3s_url(port));
    args.insert(args.end(), positionals.begin(), positionals.end());
    return args;
  });
}

// `pop3 stat` over STLS against a server whose greeting is GREETING: for what is wrong before
// the client has said anything.
tls_run with_greeting(const std::string& greeting) {
  tls_test_server_options options = stls_server();
  options.greeting = greeting;
  return run_against(options, [](std::uint16_t port) {
    return std::vector<std::string>{"stat", "--cafile", ca_file(), pop3_url(port)};
  });
}

// The session ended as a protocol error with WORDS, and nothing was sent before that.
void expect_greeting_refused(const tls_run& run, const std::string& words) {
  EXPECT_EQ(run.cli.exit_code, 76) << run.cli.err;
  EXPECT_TRUE(mentions(run.cli.err, words)) << run.cli.err;
  EXPECT_EQ(run.server.plaintext_received, "");
  EXPECT_FALSE(run.server.handshake_attempted);
}

std::string retr_reply(const std::string& wire_body) {
  return "+OK message follows\r\n" + wire_body + ".\r\n";
}

// `pop3 retr 1` in cleartext against a server that sends RETR's reply one byte per segment.
process_result retr_one_byte_per_segment(const std::string& wire_body) {
  cleartext_server_options options;
  options.script = {{"CAPA", "+OK\r\nUSER\r\n.\r\n"},
                    {"USER alice", "+OK\r\n"},
                    {"PASS " + test_password, "+OK\r\n"},
                    {"RETR 1", retr_reply(wire_body), false, true}};
  cleartext_pop3_server server(options);
  process_result r =
      pop3({"retr", "--tls", "none", "--auth", "user", pop3_url(server.port()), "1"});
  EXPECT_TRUE(server.wait_until_done());
  return r;
}

// The message as RETR sends it: every line starting with '.' gets another one.
std::string dot_stuffed(const std::string& message) {
  std::string out;
  bool line_start = true;
  for (const char c : message) {
    if (line_start && c == '.') out += '.';
    out += c;
    line_start = c == '\n';
  }
  return out;
}

TEST(replies, case32_long_status_line) {
  // RFC 1939 §3: 512 octets with the CRLF. One more is a protocol error.
  const std::string longest = "+OK " + std::string(506, 'x') + "\r\n";
  ASSERT_EQ(longest.size(), 512u);
  {
    tls_test_server_options options = stls_server();
    options.greeting = longest;
    options.script_after_tls = {plain_login(), {"STAT", "+OK 0 0\r\n", {}}};
    const tls_run run = run_against(options, [](std::uint16_t port) {
      return std::vector<std::string>{"stat", "--cafile", ca_file(), pop3_url(port)};
    });
    EXPECT_EQ(run.cli.exit_code, 0) << run.cli.err;
  }
  expect_greeting_refused(with_greeting("+OK " + std::string(507, 'x') + "\r\n"),
                          "reply line too long");
  // A mebibyte without a line end: refused at the cap, memory bounded.
  expect_greeting_refused(with_greeting("+OK " + std::string(1 << 20, 'x')), "reply line too long");
  // The same after login, over TLS.
  const tls_run run =
      after_login("stat", {{"STAT", "+OK 1 " + std::string(510, '1') + "\r\n", {}}});
  EXPECT_EQ(run.cli.exit_code, 76) << run.cli.err;
  EXPECT_TRUE(mentions(run.cli.err, "reply line too long")) << run.cli.err;
}

TEST(replies, case33_long_data_lines) {
  const std::string message = "Subject: long lines\r\n\r\n" + std::string(998, 'a') + "\r\n" +
                              std::string(10000, 'b') + "\r\n" + std::string(1000000, 'c') +
                              "\r\nend\r\n";
  {
    const tls_run run = after_login("retr", {{"RETR 1", retr_reply(message), {}}}, {"1"});
    EXPECT_EQ(run.cli.exit_code, 0) << run.cli.err;
    EXPECT_TRUE(run.cli.out == message)
        << run.cli.out.size() << " octets instead of " << message.size();
  }
  const auto directory = scratch_directory();
  const tls_run run = after_login("retr", {{"RETR 1", retr_reply(message), {}}}, {"1"},
                                  {"-o", (directory / "message").string()});
  EXPECT_EQ(run.cli.exit_code, 0) << run.cli.err;
  EXPECT_TRUE(read_file(directory / "message") == message);
}

TEST(replies, case34_line_endings) {
  // Bare LF and bare CR inside message lines are data, kept as they are.
  const std::string message =
      "Subject: endings\r\n\r\nbare LF\nhere\r\nbare CR\rhere\r\nCR LF CR\r\r\n\n\r\nend\r\n";
  {
    const tls_run run = after_login("retr", {{"RETR 1", retr_reply(message), {}}}, {"1"});
    EXPECT_EQ(run.cli.exit_code, 0) << run.cli.err;
    EXPECT_EQ(run.cli.out, message);
  }
  {
    // The same, arriving one byte per segment (CR and LF split across reads).
    const process_result r = retr_one_byte_per_segment(message);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, message);
  }
  // A status line must end in CRLF.
  expect_greeting_refused(with_greeting("+OK ready\n"), "reply line ends without CR");
  const tls_run run = after_login("stat", {{"STAT", "+OK 1 10\n", {}}});
  EXPECT_EQ(run.cli.exit_code, 76) << run.cli.err;
  EXPECT_TRUE(mentions(run.cli.err, "reply line ends without CR")) << run.cli.err;
}

TEST(replies, case35_dot_stuffing) {
  // On the wire: "..foo", ". ", ".x", "..", "..." and, at the end, "\r\n..\r\n.\r\n".
  const std::string wire =
      "Subject: dots\r\n\r\n..foo\r\n. \r\n.x\r\n..\r\n...\r\nmid.dle\r\n..\r\n";
  const std::string message = "Subject: dots\r\n\r\n.foo\r\n \r\nx\r\n.\r\n..\r\nmid.dle\r\n.\r\n";
  {
    const tls_run run = after_login("retr", {{"RETR 1", retr_reply(wire), {}}}, {"1"});
    EXPECT_EQ(run.cli.exit_code, 0) << run.cli.err;
    EXPECT_EQ(run.cli.out, message);
  }
  {
    // One byte per segment: a stuffed dot or the terminator split across reads.
    const process_result r = retr_one_byte_per_segment(wire);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, message);
  }
  // And the test's own stuffing agrees with the server side of it.
  EXPECT_EQ(dot_stuffed(message),
            "Subject: dots\r\n\r\n..foo\r\n \r\nx\r\n..\r\n...\r\n"
            "mid.dle\r\n..\r\n");
}

TEST(replies, case36_missing_terminator) {
  // The reply to RETR cut at every offset, then the connection closed: an error, and the
  // output file never appears (nor any temporary file next to it).
  const std::string reply = retr_reply(dot_stuffed("Subject: t\r\n\r\nbody\r\n.x\r\n"));
  for (std::size_t cut = 0; cut < reply.size(); ++cut) {
    SCOPED_TRACE("cut after " + std::to_string(cut) + " octets");
    cleartext_server_options options;
    options.script = {{"CAPA", "+OK\r\nUSER\r\n.\r\n"},
                      {"USER alice", "+OK\r\n"},
                      {"PASS " + test_password, "+OK\r\n"},
                      {"RETR 1", reply.substr(0, cut), true}};
    cleartext_pop3_server server(options);
    const auto directory = scratch_directory();
    const process_result r = pop3({"retr", "--tls", "none", "--auth", "user", "-o",
                                   (directory / "message").string(), pop3_url(server.port()), "1"});
    ASSERT_TRUE(server.wait_until_done());
    EXPECT_EQ(r.exit_code, 76) << r.err;
    EXPECT_TRUE(mentions(r.err, "the server closed the connection")) << r.err;
    EXPECT_TRUE(std::filesystem::is_empty(directory));
  }
  // To standard output: whatever came is out, but the exit code and the message say that it
  // is incomplete.
  cleartext_server_options options;
  options.script = {{"CAPA", "+OK\r\nUSER\r\n.\r\n"},
                    {"USER alice", "+OK\r\n"},
                    {"PASS " + test_password, "+OK\r\n"},
                    {"RETR 1", "+OK\r\nSubject: t\r\n\r\nbody\r\n", true}};
  cleartext_pop3_server server(options);
  const process_result r =
      pop3({"retr", "--tls", "none", "--auth", "user", pop3_url(server.port()), "1"});
  ASSERT_TRUE(server.wait_until_done());
  EXPECT_EQ(r.exit_code, 76) << r.err;
  EXPECT_TRUE(mentions(r.err, "incomplete")) << r.err;
}

TEST(replies, case37_size_mismatch) {
  // LIST is advisory: RETR's data is what counts, shorter or longer.
  const tls_run listed = after_login("list", {{"LIST", "+OK\r\n1 46\r\n.\r\n", {}}});
  EXPECT_EQ(listed.cli.exit_code, 0) << listed.cli.err;
  EXPECT_EQ(listed.cli.out, "1 46\n");
  std::string big = "Subject: big\r\n\r\n";
  while (big.size() < 100 * 1024)
    big += std::string(70, 'z') + "\r\n";
  for (const std::string& message : {std::string("Subject:\r\n"), big}) {
    SCOPED_TRACE(message.size());
    const tls_run run = after_login("retr", {{"RETR 1", retr_reply(message), {}}}, {"1"});
    EXPECT_EQ(run.cli.exit_code, 0) << run.cli.err;
    EXPECT_TRUE(run.cli.out == message) << run.cli.out.size();
  }
}

TEST(replies, case38_nul_bytes) {
  {
    // In status text: shown escaped, not cut at the NUL.
    const tls_run run =
        after_login("stat", {{"STAT", std::string("-ERR no\0such thing\r\n", 20), {}}});
    EXPECT_EQ(run.cli.exit_code, 69) << run.cli.err;
    EXPECT_TRUE(mentions(run.cli.err, "no\\x00such thing")) << run.cli.err;
    EXPECT_TRUE(is_escaped_text(run.cli.err)) << run.cli.err;
  }
  {
    // In CAPA: shown escaped, not cut.
    tls_test_server_options options = pop3s_server();
    options.capabilities_after_tls = {"USER", std::string("IMPLEMENTATION a\0b", 18)};
    const tls_run run = run_against(options, [](std::uint16_t port) {
      return std::vector<std::string>{"capa", "--cafile", ca_file(), pop3s_url(port)};
    });
    EXPECT_EQ(run.cli.exit_code, 0) << run.cli.err;
    EXPECT_EQ(run.cli.out, "USER\nIMPLEMENTATION a\\x00b\n");
  }
  {
    // In a UID: not a UID.
    const tls_run run =
        after_login("uidl", {{"UIDL", std::string("+OK\r\n1 ab\0c\r\n.\r\n", 15), {}}});
    EXPECT_EQ(run.cli.exit_code, 76) << run.cli.err;
    EXPECT_TRUE(mentions(run.cli.err, "invalid unique-id")) << run.cli.err;
  }
  {
    // In a message: kept.
    const std::string message("Subject: nul\r\n\r\na\0b\r\n\0\r\n", 24);
    const tls_run run = after_login("retr", {{"RETR 1", retr_reply(message), {}}}, {"1"});
    EXPECT_EQ(run.cli.exit_code, 0) << run.cli.err;
    EXPECT_EQ(run.cli.out, message);
  }
}

struct bad_reply {
  std::string reply;
  std::string words;
};

void expect_protocol_errors(const std::string& command, const std::string& request,
                            const std::vector<bad_reply>& replies,
                            const std::vector<std::string>& positionals = {}) {
  for (const bad_reply& bad : replies) {
    SCOPED_TRACE(bad.reply);
    const tls_run run = after_login(command, {{request, bad.reply, {}}}, positionals);
    EXPECT_EQ(run.cli.exit_code, 76) << run.cli.err;
    EXPECT_TRUE(mentions(run.cli.err, "protocol violation: " + bad.words)) << run.cli.err;
    EXPECT_EQ(run.cli.out, "");
  }
}

TEST(replies, case39_stat_list_numbers) {
  expect_protocol_errors("stat", "STAT",
                         {{"+OK -1 0\r\n", "malformed reply"},
                          {"+OK 18446744073709551616 1\r\n", "number out of range"},
                          {"+OK 2147483648 5\r\n", "number out of range"},
                          {"+OK 3 99999999999999999999\r\n", "number out of range"},
                          {"+OK +3 0\r\n", "malformed reply"},
                          {"+OK 0x10 0\r\n", "malformed reply"},
                          {"+OK 3\r\n", "malformed reply"},
                          {"+OK\r\n", "malformed reply"},
                          {"+OK 3 abc\r\n", "malformed reply"}});
  expect_protocol_errors("list", "LIST",
                         {{"+OK\r\n0 100\r\n.\r\n", "message number out of range"},
                          {"+OK\r\n1 100\r\n1 100\r\n.\r\n", "message listed twice"},
                          {"+OK\r\n1 -5\r\n.\r\n", "malformed reply"},
                          {"+OK\r\n1 18446744073709551616\r\n.\r\n", "number out of range"},
                          {"+OK\r\n1\r\n.\r\n", "malformed reply"},
                          {"+OK\r\nx 1\r\n.\r\n", "malformed reply"}});
}

TEST(replies, case40_huge_count) {
  // Past the cap of a million messages, before any entry arrives.
  expect_protocol_errors("stat", "STAT", {{"+OK 4294967295 0\r\n", "number out of range"}});
  expect_protocol_errors("list", "LIST",
                         {{"+OK\r\n1 10\r\n1000001 10\r\n.\r\n", "message number out of range"},
                          {"+OK\r\n4294967296 10\r\n.\r\n", "message number out of range"}});
}

TEST(replies, case41_msgno_range_client_side) {
  // Message numbers 0 and negative never leave the command line.
  for (const char* number : {"0", "-1", "4294967296"}) {
    SCOPED_TRACE(number);
    const process_result r = pop3({"retr", "pop3s://alice@127.0.0.1:1", number});
    EXPECT_EQ(r.exit_code, 64) << r.err;
  }
  // LIST n / UIDL n answered about another message.
  expect_protocol_errors("list", "LIST 2", {{"+OK 3 100\r\n", "reply is about another message"}},
                         {"2"});
  expect_protocol_errors("uidl", "UIDL 2", {{"+OK 3 abc\r\n", "reply is about another message"}},
                         {"2"});
}

TEST(replies, case42_uidl_validation) {
  {
    const tls_run run =
        after_login("uidl", {{"UIDL", "+OK\r\n1 " + std::string(70, 'u') + "\r\n.\r\n", {}}});
    EXPECT_EQ(run.cli.exit_code, 0) << run.cli.err;
    EXPECT_EQ(run.cli.out, "1 " + std::string(70, 'u') + "\n");
  }
  expect_protocol_errors(
      "uidl", "UIDL",
      {{"+OK\r\n1 " + std::string(71, 'u') + "\r\n.\r\n", "invalid unique-id"},
       {"+OK\r\n1 " + std::string(1 << 20, 'u') + "\r\n.\r\n", "reply line too long"},
       {"+OK\r\n1 \r\n.\r\n", "invalid unique-id"},
       {"+OK\r\n1\r\n.\r\n", "invalid unique-id"},
       {"+OK\r\n1 a\x1b[31mb\r\n.\r\n", "invalid unique-id"},
       {"+OK\r\n1 a\x01z\r\n.\r\n", "invalid unique-id"},
       {"+OK\r\n1 caf\xC3\xA9\r\n.\r\n", "invalid unique-id"},
       {"+OK\r\n1 a\x7f\r\n.\r\n", "invalid unique-id"},
       {"+OK\r\n1 a\r\n1 b\r\n.\r\n", "message listed twice"}});
}

TEST(replies, case43_uid_as_path) {
  // UIDs that look like paths are data: printed as they are, never used to name a file.
  const auto directory = scratch_directory();
  const tls_run listed =
      after_login("uidl", {{"UIDL",
                            "+OK\r\n1 ../../.bashrc\r\n2 /etc/passwd\r\n3 a/b\r\n4 .\r\n"
                            "5 ..\r\n.\r\n",
                            {}}});
  EXPECT_EQ(listed.cli.exit_code, 0) << listed.cli.err;
  EXPECT_EQ(listed.cli.out, "1 ../../.bashrc\n2 /etc/passwd\n3 a/b\n4 .\n5 ..\n");
  const tls_run retrieved =
      after_login("retr", {{"RETR 1", retr_reply("Subject: x\r\n\r\nx\r\n"), {}}}, {"1"},
                  {"-o", (directory / "chosen-by-user").string()});
  EXPECT_EQ(retrieved.cli.exit_code, 0) << retrieved.cli.err;
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(directory))
    files.push_back(entry.path().filename().string());
  EXPECT_EQ(files, std::vector<std::string>{"chosen-by-user"});
}

TEST(replies, case44_status_indicator_strictness) {
  // Before anything is sent (greetings) and after login (STAT).
  const std::vector<std::string> wrong = {"+ok",  "+Ok",   "+OKAY", "+OKfoo",
                                          "-err", "-ERRx", "+",     "+ 1 2"};
  for (const std::string& indicator : wrong) {
    SCOPED_TRACE(indicator);
    expect_greeting_refused(with_greeting(indicator + " ready\r\n"), "reply is not");
    expect_greeting_refused(with_greeting(indicator + "\r\n"), "reply is not");
  }
  std::vector<bad_reply> stat_replies;
  for (const std::string& indicator : wrong)
    stat_replies.push_back({indicator + " 1 2\r\n", "reply is not"});
  expect_protocol_errors("stat", "STAT", stat_replies);
  // "+OK" with no text is fine.
  tls_test_server_options options = stls_server();
  options.greeting = "+OK\r\n";
  options.script_after_tls = {plain_login(), {"STAT", "+OK 0 0\r\n", {}}};
  const tls_run run = run_against(options, [](std::uint16_t port) {
    return std::vector<std::string>{"stat", "--cafile", ca_file(), pop3_url(port)};
  });
  EXPECT_EQ(run.cli.exit_code, 0) << run.cli.err;
}

TEST(replies, case45_capa_parsing) {
  std::vector<std::string> flood;
  for (int i = 0; i < 10000; ++i)
    flood.push_back("X-CAPABILITY-" + std::to_string(i));
  {
    // Before TLS: only CAPA was sent.
    tls_test_server_options options = stls_server();
    options.capabilities_before_tls = flood;
    options.capabilities_before_tls.push_back("STLS");
    const tls_run run = run_against(options, [](std::uint16_t port) {
      return std::vector<std::string>{"stat", "--cafile", ca_file(), pop3_url(port)};
    });
    EXPECT_EQ(run.cli.exit_code, 76) << run.cli.err;
    EXPECT_TRUE(mentions(run.cli.err, "too many capabilities")) << run.cli.err;
    EXPECT_EQ(run.server.plaintext_received, "CAPA\r\n");
  }
  // An empty list before TLS has no STLS.
  {
    tls_test_server_options options = stls_server();
    options.capabilities_before_tls = {};
    const tls_run run = run_against(options, [](std::uint16_t port) {
      return std::vector<std::string>{"stat", "--cafile", ca_file(), pop3_url(port)};
    });
    EXPECT_EQ(run.cli.exit_code, 69) << run.cli.err;
    EXPECT_EQ(run.server.plaintext_received, "CAPA\r\n");
  }
  auto capa = [](std::vector<std::string> capabilities, bool json = false) {
    tls_test_server_options options = pop3s_server();
    options.capabilities_after_tls = std::move(capabilities);
    return run_against(options, [&](std::uint16_t port) {
      std::vector<std::string> args = {"capa", "--cafile", ca_file(), pop3s_url(port)};
      if (json) args.push_back("--json");
      return args;
    });
  };
  {
    const tls_run run = capa(flood);
    EXPECT_EQ(run.cli.exit_code, 76) << run.cli.err;
    EXPECT_TRUE(mentions(run.cli.err, "too many capabilities")) << run.cli.err;
  }
  {
    const tls_run run = capa({});
    EXPECT_EQ(run.cli.exit_code, 0) << run.cli.err;
    EXPECT_EQ(run.cli.out, "");
  }
  {
    // Arguments of known and unknown capabilities, and a hostile IMPLEMENTATION.
    const tls_run run = capa({"EXPIRE NEVER USER", "LOGIN-DELAY 900", "X-UNKNOWN a b c",
                              "IMPLEMENTATION \x1b[31mevil\x1b[0m\r\x07", "USER"});
    EXPECT_EQ(run.cli.exit_code, 0) << run.cli.err;
    EXPECT_EQ(run.cli.out,
              "EXPIRE NEVER USER\nLOGIN-DELAY 900\nX-UNKNOWN a b c\n"
              "IMPLEMENTATION \\x1B[31mevil\\x1B[0m\\x0D\\x07\nUSER\n");
  }
  {
    const tls_run run = capa({"IMPLEMENTATION \x1b[31mevil\x1b[0m\r\x07"}, true);
    EXPECT_EQ(run.cli.exit_code, 0) << run.cli.err;
    EXPECT_TRUE(is_escaped_text(run.cli.out)) << run.cli.out;
    EXPECT_TRUE(mentions(run.cli.out, "evil")) << run.cli.out;
  }
  {
    // They do not stand in the way of a login.
    tls_test_server_options options = pop3s_server({{"STAT", "+OK 0 0\r\n", {}}});
    options.capabilities_after_tls = {"EXPIRE NEVER USER", "LOGIN-DELAY 900", "SASL PLAIN"};
    const tls_run run = run_against(options, [](std::uint16_t port) {
      return std::vector<std::string>{"stat", "--cafile", ca_file(), pop3s_url(port)};
    });
    EXPECT_EQ(run.cli.exit_code, 0) << run.cli.err;
  }
  {
    // UTF8 USER: UTF8 first for a UTF-8 user name.
    tls_test_server_options options = pop3s_server();
    options.capabilities_after_tls = {"UTF8 USER", "USER"};
    options.script_after_tls = {{"UTF8", "+OK UTF8 enabled\r\n", {}},
                                {"USER j\xC3\xB6rg", "+OK\r\n", {}},
                                {"PASS " + test_password, "+OK\r\n", {}},
                                {"STAT", "+OK 0 0\r\n", {}}};
    const tls_run run = run_against(options, [](std::uint16_t port) {
      return std::vector<std::string>{"stat",        "--auth",   "user",    "--user",
                                      "j\xC3\xB6rg", "--cafile", ca_file(), pop3s_url(port)};
    });
    EXPECT_EQ(run.cli.exit_code, 0) << run.cli.err;
    EXPECT_EQ(run.server.received_after_handshake,
              "CAPA\r\nUTF8\r\nUSER j\xC3\xB6rg\r\nPASS " + test_password + "\r\nSTAT\r\nQUIT\r\n");
  }
}

}  // namespace
}  // namespace pop3::test
