// security-cases.md section 4, cases 46 and 47: hostile SASL exchanges (-ERR for a challenge,
// challenges that are not base64 or far too long, a SCRAM server that cannot prove itself, a
// long PLAIN response) and what -v prints of hostile input (bounded lines, escaped bytes).
#include <openssl/evp.h>

#include <gtest/gtest.h>

#include <algorithm>

#include "security_fixture.hpp"

namespace pop3::test {
namespace {

std::string unbase64(const std::string& text) {
  std::string out(text.size(), '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return {};
  out.resize(static_cast<std::size_t>(n));
  // EVP_DecodeBlock keeps the zero bytes that stand for the padding.
  std::size_t padding = 0;
  for (auto it = text.rbegin(); it != text.rend() && *it == '=' && padding < 2; ++it)
    ++padding;
  out.resize(out.size() - padding);
  return out;
}

// `pop3 stat --auth METHOD` over POP3S; the server offers METHOD and plays STEPS.
tls_run login_with(const std::string& method, std::vector<script_step> steps,
                   const std::vector<std::string>& extra = {},
                   const std::string& password = test_password) {
  tls_test_server_options options = pop3s_server();
  options.capabilities_after_tls = {"USER", "SASL PLAIN LOGIN CRAM-MD5 SCRAM-SHA-256"};
  options.script_after_tls = std::move(steps);
  return run_against(
      options,
      [&](std::uint16_t port) {
        std::vector<std::string> args = {"stat", "--auth", method, "--cafile", ca_file()};
        args.insert(args.end(), extra.begin(), extra.end());
        args.push_back(pop3s_url(port));
        return args;
      },
      {{"POP3_PASSWORD", password}});
}

TEST(sasl_and_log, case46_err_instead_of_a_challenge) {
  struct expectation {
    std::string reply;
    int exit_code;
    std::string shown;
  };
  for (const expectation& e :
       {expectation{"-ERR [AUTH] go away\r\n", 77, "[AUTH] \"go away\""},
        expectation{"-ERR [SYS/TEMP] try later\r\n", 75, "[SYS/TEMP] \"try later\""},
        expectation{"-ERR [IN-USE] busy\r\n", 75, "[IN-USE] \"busy\""}}) {
    SCOPED_TRACE(e.reply);
    const tls_run run = login_with("login", {{"AUTH LOGIN", e.reply, {}}});
    EXPECT_EQ(run.cli.exit_code, e.exit_code) << run.cli.err;
    EXPECT_TRUE(mentions(run.cli.err, e.shown)) << run.cli.err;
    EXPECT_EQ(run.server.received_after_handshake, "CAPA\r\nAUTH LOGIN\r\n");
  }
  // -ERR at a later step: after the user name.
  const tls_run run = login_with("login", {{"AUTH LOGIN", "+ " + base64("Username:") + "\r\n", {}},
                                           {"*", "-ERR [AUTH] unknown user\r\n", {}}});
  EXPECT_EQ(run.cli.exit_code, 77) << run.cli.err;
  EXPECT_EQ(run.server.received_after_handshake,
            "CAPA\r\nAUTH LOGIN\r\n" + base64("alice") + "\r\n");
}

TEST(sasl_and_log, case46_invalid_base64_challenge) {
  for (const char* challenge : {"!!!not base64!!!", "QUJD=", "QU JD", "QUJD\x01"}) {
    SCOPED_TRACE(challenge);
    const tls_run run =
        login_with("login", {{"AUTH LOGIN", "+ " + std::string(challenge) + "\r\n", {}},
                             {"*", "-ERR cancelled\r\n", {}}});
    EXPECT_EQ(run.cli.exit_code, 76) << run.cli.err;
    EXPECT_TRUE(mentions(run.cli.err, "invalid SASL challenge")) << run.cli.err;
    EXPECT_EQ(run.server.received_after_handshake, "CAPA\r\nAUTH LOGIN\r\n*\r\n");
  }
}

TEST(sasl_and_log, case46_huge_challenge) {
  const tls_run run =
      login_with("login", {{"AUTH LOGIN", "+ " + std::string(1 << 20, 'A') + "\r\n", {}}});
  EXPECT_EQ(run.cli.exit_code, 76) << run.cli.err;
  EXPECT_TRUE(mentions(run.cli.err, "reply line too long")) << run.cli.err;
  EXPECT_EQ(run.server.received_after_handshake, "CAPA\r\nAUTH LOGIN\r\n");
}

// A SCRAM-SHA-256 server that takes the client's nonce and then cannot prove that it knows
// the password: a wrong server signature, or +OK without any.
TEST(sasl_and_log, case46_scram_server_with_a_bad_signature) {
  const auto server_first = [](const std::string& line) {
    const std::string client_first = unbase64(line.substr(line.rfind(' ') + 1));
    const std::string nonce = client_first.substr(client_first.find("r=") + 2);
    return "+ " + base64("r=" + nonce + "SERVER,s=c2FsdHNhbHQ=,i=4096") + "\r\n";
  };
  const std::string wrong_signature = "+ " + base64("v=" + base64(std::string(32, '\0'))) + "\r\n";
  struct lie {
    const char* name;
    std::vector<script_step> steps;
    std::vector<int> exit_codes;
  };
  const lie lies[] = {
      {"wrong signature",
       {{"AUTH SCRAM-SHA-256 *", "", server_first},
        {"*", wrong_signature, {}},
        {"*", "-ERR [AUTH] cancelled\r\n", {}}},
       {77}},
      {"+OK without a signature",
       {{"AUTH SCRAM-SHA-256 *", "", server_first}, {"*", "+OK welcome, trust me\r\n", {}}},
       {77}},
      // +OK to the client's "*" is a protocol violation on top (RFC 5034 §4 wants -ERR).
      {"wrong signature, then +OK to the cancel",
       {{"AUTH SCRAM-SHA-256 *", "", server_first},
        {"*", wrong_signature, {}},
        {"*", "+OK welcome, trust me\r\n", {}}},
       {76, 77}},
  };
  for (const lie& l : lies) {
    SCOPED_TRACE(l.name);
    const tls_run run = login_with("scram-sha-256", l.steps);
    EXPECT_NE(std::find(l.exit_codes.begin(), l.exit_codes.end(), run.cli.exit_code),
              l.exit_codes.end())
        << run.cli.exit_code << ": " << run.cli.err;
    if (l.exit_codes == std::vector<int>{77}) {
      EXPECT_TRUE(mentions(run.cli.err, "the server failed to prove that it knows the password"))
          << run.cli.err;
    }
    // No command goes to an impostor.
    const std::string& after = run.server.received_after_handshake;
    EXPECT_EQ(after.rfind("CAPA\r\nAUTH SCRAM-SHA-256 ", 0), 0u) << after;
    EXPECT_FALSE(mentions(after, "STAT")) << after;
    EXPECT_FALSE(mentions(after, "QUIT")) << after;
  }
}

TEST(sasl_and_log, case46_plain_with_a_long_password) {
  // Too long for the AUTH line (255 octets): the response follows an empty challenge.
  const std::string password(300, 'p');
  const tls_run run = login_with(
      "plain",
      {{"AUTH PLAIN", "+ \r\n", {}}, {"*", "+OK welcome\r\n", {}}, {"STAT", "+OK 0 0\r\n", {}}}, {},
      password);
  EXPECT_EQ(run.cli.exit_code, 0) << run.cli.err;
  EXPECT_EQ(run.server.received_after_handshake,
            "CAPA\r\nAUTH PLAIN\r\n" + base64(std::string("\0alice\0", 7) + password) +
                "\r\nSTAT\r\nQUIT\r\n");
}

TEST(sasl_and_log, case46_plain_with_a_huge_password) {
  // A mebibyte password cannot go in any SASL line: refused (before AUTH, or by cancelling
  // it with "*"), never sent in part, and no crash.
  const auto directory = scratch_directory();
  write_file(directory / "password", std::string(1 << 20, 'p') + "\n");
  const tls_run run =
      login_with("plain", {{"AUTH PLAIN", "+ \r\n", {}}, {"*", "-ERR [AUTH] cancelled\r\n", {}}},
                 {"--password-file", (directory / "password").string()});
  EXPECT_TRUE(run.cli.exit_code == 64 || run.cli.exit_code == 65) << run.cli.err;
  const std::string& after = run.server.received_after_handshake;
  EXPECT_TRUE(after == "CAPA\r\n" || after == "CAPA\r\nAUTH PLAIN\r\n*\r\n") << after.size();
}

TEST(sasl_and_log, case46_digest_md5_not_offered) {
  // RFC 6331: DIGEST-MD5 is not implemented, so none of its parsing can go wrong.
  const process_result r = pop3({"stat", "--auth", "digest-md5", "pop3s://alice@127.0.0.1:1"});
  EXPECT_EQ(r.exit_code, 64) << r.err;
  EXPECT_TRUE(mentions(r.err, "unknown --auth method")) << r.err;
}

// What -v prints of hostile input: every line bounded, every byte escaped.
void expect_bounded_escaped(const process_result& r) {
  EXPECT_TRUE(is_escaped_text(r.err)) << r.err;
  EXPECT_LE(longest_line(r.err), 4100u);
  EXPECT_LT(r.err.size(), 64u * 1024);
}

TEST(sasl_and_log, case47_log_formatting) {
  const std::string invalid_utf8 = "\xC3\x28 \xFF\xFE \xED\xA0\x80 \xF8\x88\x80\x80\x80 \x1b[31m";
  {
    // Invalid UTF-8 and escapes in the greeting and in a -ERR.
    tls_test_server_options options = pop3s_server({{"STAT", "-ERR " + invalid_utf8 + "\r\n", {}}});
    options.greeting = "+OK " + invalid_utf8 + " ready\r\n";
    const tls_run run = run_against(options, [](std::uint16_t port) {
      return std::vector<std::string>{"stat", "-v", "--cafile", ca_file(), pop3s_url(port)};
    });
    EXPECT_EQ(run.cli.exit_code, 69) << run.cli.err;
    EXPECT_TRUE(mentions(run.cli.err, "S: +OK \\xC3( \\xFF\\xFE")) << run.cli.err;
    expect_bounded_escaped(run.cli);
  }
  {
    // A -ERR as long as a status line may be, all of it 8-bit.
    const tls_run run = run_against(
        pop3s_server({{"STAT", "-ERR " + std::string(505, '\xFF') + "\r\n", {}}}),
        [](std::uint16_t port) {
          return std::vector<std::string>{"stat", "-v", "--cafile", ca_file(), pop3s_url(port)};
        });
    EXPECT_EQ(run.cli.exit_code, 69) << run.cli.err;
    expect_bounded_escaped(run.cli);
  }
  {
    // A mebibyte line in a message: the message is out whole, the trace is not.
    const std::string message = "Subject: x\r\n\r\n" + std::string(1 << 20, '\xFF') + "\r\n";
    const tls_run run = run_against(
        pop3s_server({{"RETR 1", "+OK\r\n" + message + ".\r\n", {}}}), [](std::uint16_t port) {
          return std::vector<std::string>{"retr",          "-v", "--cafile", ca_file(),
                                          pop3s_url(port), "1"};
        });
    EXPECT_EQ(run.cli.exit_code, 0) << run.cli.err;
    EXPECT_TRUE(run.cli.out == message);
    expect_bounded_escaped(run.cli);
  }
  {
    // A mebibyte greeting without a line end.
    tls_test_server_options options = stls_server();
    options.greeting = "+OK " + std::string(1 << 20, '\x80');
    const tls_run run = run_against(options, [](std::uint16_t port) {
      return std::vector<std::string>{"stat", "-v", pop3_url(port)};
    });
    EXPECT_EQ(run.cli.exit_code, 76) << run.cli.err;
    expect_bounded_escaped(run.cli);
  }
  {
    // A 10 KB SASL challenge (within the SASL line limit) of 8-bit garbage.
    const std::string challenge = base64(std::string(7500, '\x9b'));
    const tls_run run = login_with(
        "login", {{"AUTH LOGIN", "+ " + challenge + "\r\n", {}}, {"*", "-ERR [AUTH] no\r\n", {}}},
        {"-v"});
    EXPECT_EQ(run.cli.exit_code, 77) << run.cli.err;
    EXPECT_TRUE(mentions(run.cli.err, "S: + " + challenge.substr(0, 100))) << run.cli.err;
    expect_bounded_escaped(run.cli);
  }
}

}  // namespace
}  // namespace pop3::test
