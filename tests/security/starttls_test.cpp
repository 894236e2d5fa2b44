// security-cases.md section 1 (STARTTLS), end to end: the pop3 program against hostile STLS
// servers, with the bytes the server received as the judge (no USER, PASS, AUTH or APOP byte
// before TLS, nothing after STLS but a ClientHello).
//
// The test suite of tests/security: one TEST per case of security-cases.md sections 1-4,
// named after it (caseNN_...): section 1 here, section 2 in tls_test.cpp, section 3 in
// apop_test.cpp, section 4 in injection_test.cpp (30, 31), replies_test.cpp (32-45) and
// sasl_and_log_test.cpp (46, 47).
// Cases, or parts of cases, that do not apply as written, and what stands in for them:
// - 7 (injection timing): cases 5 and 6 run every payload in the three timings; case07
//   checks what the first and the last timing must produce.
// - 15 (connection reuse): neither the library nor the CLI pools or reuses connections; every
//   run of the CLI opens one connection for one session.
// - 17, wildcard too deep: a name under example.org does not resolve to the test server, so
//   that case uses open_session over a connection the test makes (tls_test.cpp).
// - 29, "repeated APOP failures are reported": the CLI makes one attempt per run; the test
//   shows there is no second one (no retry, no fallback).
// - 33, 36, "no DELE": retr and top never delete; and the CLI has no per-message size cap (it
//   streams), so "above the cap" has nothing to test.
// - 40, a LIST of 10^7 lines: the cap of a million messages is tested with one entry past
//   it, without sending ten million lines.
// - 42, one UID for two messages, and 43's state file: the CLI prints UIDs and keeps no UID
//   state and never deletes by UID, which is where those rules matter.
// - 46, PLAIN with a 1 GB user and a 2 GB password: impossible through argv or the
//   environment; a 1 MiB password from a file stands in. DIGEST-MD5 is not implemented
//   (RFC 6331): the test checks that it cannot be chosen.
#include <gtest/gtest.h>

#include <algorithm>

#include "cleartext_pop3_server.hpp"
#include "security_fixture.hpp"

namespace pop3::test {
namespace {

using namespace std::chrono_literals;

const std::string capa_only = "CAPA\r\n";
const std::string capa_and_stls = "CAPA\r\nSTLS\r\n";

std::vector<std::string> stat_over_stls(std::uint16_t port) {
  return {"stat", "--cafile", ca_file(), pop3_url(port)};
}

// What every refused STARTTLS must leave: no handshake, nothing after the given plaintext.
void expect_stopped_before_tls(const tls_run& run, const std::string& plaintext) {
  EXPECT_EQ(run.server.plaintext_received, plaintext);
  EXPECT_FALSE(run.server.handshake_succeeded);
  EXPECT_EQ(run.server.received_after_handshake, "");
  EXPECT_EQ(run.connections, 1u);
}

TEST(starttls, case01_stls_not_advertised) {
  tls_test_server_options options = stls_server();
  options.capabilities_before_tls = {"USER", "SASL PLAIN LOGIN"};
  options.stls_reply = "-ERR STARTTLS not supported.\r\n";
  const tls_run run = run_against(options, stat_over_stls);
  EXPECT_EQ(run.cli.exit_code, 69) << run.cli.err;
  EXPECT_TRUE(mentions(run.cli.err, "TLS is required")) << run.cli.err;
  expect_stopped_before_tls(run, capa_only);
}

TEST(starttls, case02_stls_rejected) {
  for (const char* reply :
       {"-ERR\r\n", "-ERR not available\r\n", "-ERR [SYS/PERM] TLS is switched off\r\n"}) {
    SCOPED_TRACE(reply);
    tls_test_server_options options = stls_server();
    options.stls_reply = reply;
    const tls_run run = run_against(options, stat_over_stls);
    EXPECT_EQ(run.cli.exit_code, 69) << run.cli.err;
    EXPECT_TRUE(mentions(run.cli.err, "TLS is required")) << run.cli.err;
    expect_stopped_before_tls(run, capa_and_stls);
  }
}

TEST(starttls, case03_capa_fails) {
  tls_test_server_options options = stls_server();
  options.script_before_tls = {{"CAPA", "-ERR Not implemented\r\n", {}}};
  options.stls_reply = "-ERR not now\r\n";
  const tls_run run = run_against(options, stat_over_stls);
  EXPECT_EQ(run.cli.exit_code, 69) << run.cli.err;
  EXPECT_TRUE(mentions(run.cli.err, "TLS is required")) << run.cli.err;
  expect_stopped_before_tls(run, capa_only);
}

TEST(starttls, case04_apop_lure) {
  const std::string lure = "+OK POP3 ready <1234.123456789@example.org>\r\n";
  // STLS refused: APOP is no fallback, whatever --auth says.
  for (const char* method : {"auto", "apop", "user", "plain"}) {
    SCOPED_TRACE(method);
    tls_test_server_options options = stls_server();
    options.greeting = lure;
    options.stls_reply = "-ERR no TLS today\r\n";
    const tls_run run = run_against(options, [&](std::uint16_t port) {
      return std::vector<std::string>{"stat", "--auth", method, pop3_url(port)};
    });
    EXPECT_EQ(run.cli.exit_code, 69) << run.cli.err;
    expect_stopped_before_tls(run, capa_and_stls);
  }
  // STLS works: STLS first, and every credential inside TLS.
  tls_test_server_options options = stls_server();
  options.greeting = lure;
  options.script_after_tls = {plain_login(), {"STAT", "+OK 0 0\r\n", {}}};
  const tls_run run = run_against(options, stat_over_stls);
  EXPECT_EQ(run.cli.exit_code, 0) << run.cli.err;
  EXPECT_EQ(run.server.plaintext_received, capa_and_stls);
  EXPECT_TRUE(run.server.handshake_succeeded);
  EXPECT_EQ(run.server.received_after_handshake,
            "CAPA\r\n" + auth_plain_line() + "\r\nSTAT\r\nQUIT\r\n");
}

struct injection_payload {
  const char* name;
  std::string stls_reply;
  std::string injection;
  std::vector<int> exit_codes;  // what may come of it: always a failure
};

const char* timing_name(injection_timing timing) {
  switch (timing) {
    case injection_timing::same_segment:
      return "same segment";
    case injection_timing::byte_by_byte:
      return "byte by byte";
    case injection_timing::delayed:
      return "delayed";
  }
  return "";
}

void expect_injection_fails(const injection_payload& payload) {
  for (const injection_timing timing :
       {injection_timing::same_segment, injection_timing::byte_by_byte,
        injection_timing::delayed}) {
    SCOPED_TRACE(std::string(payload.name) + ", " + timing_name(timing));
    tls_test_server_options options = stls_server();
    options.stls_reply = payload.stls_reply;
    options.injection = payload.injection;
    options.timing = timing;
    const tls_run run = run_against(options, [](std::uint16_t port) {
      return std::vector<std::string>{"stat", "-v", "--cafile", ca_file(), pop3_url(port)};
    });
    EXPECT_NE(std::find(payload.exit_codes.begin(), payload.exit_codes.end(), run.cli.exit_code),
              payload.exit_codes.end())
        << run.cli.exit_code << ": " << run.cli.err;
    EXPECT_EQ(run.server.plaintext_received, capa_and_stls);
    EXPECT_EQ(run.server.received_after_handshake, "");
    // Never parsed as replies: the forged lines never show up as the server's answers to
    // anything, and no login happened.
    EXPECT_FALSE(mentions(run.cli.err, "logged in")) << run.cli.err;
    EXPECT_FALSE(mentions(run.cli.err, "C: AUTH")) << run.cli.err;
    EXPECT_FALSE(mentions(run.cli.err, "C: USER")) << run.cli.err;
  }
}

TEST(starttls, case05_stls_response_injection) {
  // EAST B_1: forged CAPA-like lines after the +OK; the handshake must never see them.
  expect_injection_fails({"EAST", "+OK Begin TLS\r\n", "+OK\r\nPLAIN\r\nLOGIN\r\n.\r\n", {76}});
  // curl test982: STLS refused, with forged successes for USER and PASS behind it; refused
  // STLS (69) or the extra bytes (76), never a login.
  expect_injection_fails({"curl test982",
                          "-ERR currently unavailable\r\n",
                          "+OK user accepted\r\n+OK authenticated",
                          {69, 76}});
}

TEST(starttls, case06_stls_trailing_garbage) {
  // EAST B_2: non-ASCII bytes without a line end after the +OK.
  expect_injection_fails(
      {"partial line", "+OK Begin TLS\r\n", "\xC3\xA9\xFF\x80\x01garbage without an end", {76}});
}

TEST(starttls, case07_injection_timing) {
  // (a) in the same read as the +OK: a protocol violation before any handshake;
  // (c) late, after the ClientHello went out: a failed handshake. Never protocol data.
  const std::pair<injection_timing, const char*> expected[] = {
      {injection_timing::same_segment, "protocol violation: data the client did not ask for"},
      {injection_timing::delayed, "the TLS handshake failed"},
  };
  for (const auto& [timing, words] : expected) {
    SCOPED_TRACE(timing_name(timing));
    tls_test_server_options options = stls_server();
    options.injection = "+OK\r\nPLAIN\r\nLOGIN\r\n.\r\n";
    options.timing = timing;
    options.injection_delay = 300ms;
    const tls_run run = run_against(options, stat_over_stls);
    EXPECT_EQ(run.cli.exit_code, 76) << run.cli.err;
    EXPECT_TRUE(mentions(run.cli.err, words)) << run.cli.err;
    EXPECT_EQ(run.server.plaintext_received, capa_and_stls);
    EXPECT_EQ(run.server.received_after_handshake, "");
  }
}

TEST(starttls, case08_caps_reset_after_tls) {
  {
    // Before TLS: USER, PLAIN, LOGIN. After: SCRAM-SHA-256 only. Only the second list counts.
    tls_test_server_options options = stls_server();
    options.capabilities_before_tls = {"USER", "SASL PLAIN LOGIN", "STLS"};
    options.capabilities_after_tls = {"SASL SCRAM-SHA-256"};
    options.script_after_tls = {{"AUTH SCRAM-SHA-256 *", "-ERR [AUTH] no such user\r\n", {}}};
    const tls_run run = run_against(options, stat_over_stls);
    EXPECT_EQ(run.cli.exit_code, 77) << run.cli.err;
    EXPECT_EQ(run.server.plaintext_received, capa_and_stls);
    const std::string& after = run.server.received_after_handshake;
    EXPECT_EQ(after.rfind("CAPA\r\nAUTH SCRAM-SHA-256 ", 0), 0u) << after;
    EXPECT_FALSE(mentions(after, "PLAIN")) << after;
    EXPECT_FALSE(mentions(after, "USER")) << after;
    EXPECT_FALSE(mentions(after, "LOGIN")) << after;
  }
  {
    // The reverse: SCRAM only before TLS, PLAIN only after: PLAIN, inside TLS.
    tls_test_server_options options = stls_server();
    options.capabilities_before_tls = {"SASL SCRAM-SHA-256", "STLS"};
    options.capabilities_after_tls = {"SASL PLAIN"};
    options.script_after_tls = {plain_login(), {"STAT", "+OK 2 300\r\n", {}}};
    const tls_run run = run_against(options, stat_over_stls);
    EXPECT_EQ(run.cli.exit_code, 0) << run.cli.err;
    EXPECT_EQ(run.cli.out, "2 messages, 300 octets\n");
    EXPECT_EQ(run.server.plaintext_received, capa_and_stls);
    EXPECT_EQ(run.server.received_after_handshake,
              "CAPA\r\n" + auth_plain_line() + "\r\nSTAT\r\nQUIT\r\n");
  }
}

TEST(starttls, case09_no_bytes_after_stls) {
  // PIPELINING is advertised, and the server waits before reading the ClientHello: anything
  // the client wrote after STLS would be the first thing it reads, and be recorded as plaintext.
  tls_test_server_options options = stls_server();
  options.capabilities_before_tls = {"PIPELINING", "USER", "SASL PLAIN", "STLS"};
  options.capabilities_after_tls = {"PIPELINING", "USER", "SASL PLAIN"};
  options.handshake_delay = 300ms;
  options.script_after_tls = {plain_login(), {"STAT", "+OK 0 0\r\n", {}}};
  const tls_run run = run_against(options, stat_over_stls);
  EXPECT_EQ(run.cli.exit_code, 0) << run.cli.err;
  EXPECT_EQ(run.server.plaintext_received, capa_and_stls);
  EXPECT_TRUE(run.server.handshake_succeeded) << run.server.end;
  EXPECT_EQ(run.server.received_after_handshake.rfind("CAPA\r\n", 0), 0u);
}

TEST(starttls, case10_untrusted_pre_tls_text) {
  const std::string escape_greeting = "+OK \x1b[31;1;4mPOP3\x1b[0m server ready.\r\n";
  {
    // Shown in the trace, escaped; STLS refused with escapes in its text too.
    tls_test_server_options options = stls_server();
    options.greeting = escape_greeting;
    options.stls_reply = "-ERR \x1b[2J\x1b[31mno TLS\x1b[0m\r\n";
    const tls_run run = run_against(options, [](std::uint16_t port) {
      return std::vector<std::string>{"stat", "-v", pop3_url(port)};
    });
    EXPECT_EQ(run.cli.exit_code, 69) << run.cli.err;
    EXPECT_TRUE(mentions(run.cli.err, "S: +OK \\x1B[31;1;4mPOP3\\x1B[0m server ready."))
        << run.cli.err;
    EXPECT_TRUE(is_escaped_text(run.cli.err)) << run.cli.err;
    EXPECT_TRUE(is_escaped_text(run.cli.out)) << run.cli.out;
    expect_stopped_before_tls(run, capa_and_stls);
  }
  struct err_greeting {
    std::string greeting;
    int exit_code;
    std::string shown;  // how the error line shows the server's words
  };
  for (const err_greeting& g :
       {err_greeting{"-ERR \x1b[31;1;4mgo away\x1b[0m\r\n", 69, "\\x1B[31;1;4mgo away\\x1B[0m"},
        err_greeting{"-ERR [SYS/PERM] \x1b[31mclosed for good\r\n", 69,
                     "[SYS/PERM] \"\\x1B[31mclosed for good\""},
        err_greeting{"-ERR [SYS/TEMP] \x1b[31mtry later\r\n", 75,
                     "[SYS/TEMP] \"\\x1B[31mtry later\""}}) {
    SCOPED_TRACE(g.greeting);
    tls_test_server_options options = stls_server();
    options.greeting = g.greeting;
    const tls_run run = run_against(options, stat_over_stls);
    EXPECT_EQ(run.cli.exit_code, g.exit_code) << run.cli.err;
    EXPECT_TRUE(mentions(run.cli.err, g.shown)) << run.cli.err;
    EXPECT_TRUE(is_escaped_text(run.cli.err)) << run.cli.err;
    EXPECT_EQ(run.cli.err.find('\x1b'), std::string::npos);
    expect_stopped_before_tls(run, "");
  }
}

TEST(starttls, case11_unsolicited_data_after_greeting) {
  // A listing nobody asked for, in the same segment as the greeting: a protocol violation
  // before anything is sent.
  tls_test_server_options options = stls_server();
  options.greeting = "+OK ready\r\n1 120\r\n2 200\r\n.\r\n";
  const tls_run run = run_against(options, stat_over_stls);
  EXPECT_EQ(run.cli.exit_code, 76) << run.cli.err;
  EXPECT_TRUE(mentions(run.cli.err, "protocol violation")) << run.cli.err;
  expect_stopped_before_tls(run, "");
}

TEST(starttls, case11_unsolicited_reply_is_not_taken_for_the_next_one) {
  // A well-formed CAPA reply sent ahead of the question: if the client took it for the answer
  // to its CAPA, every later reply would be one behind (desync). It must not be consumed.
  cleartext_server_options options;
  options.greeting = "+OK ready\r\n+OK\r\nX-FORGED\r\n.\r\n";
  options.script = {{"CAPA", "+OK\r\nUSER\r\n.\r\n"}, {"CAPA", "+OK\r\nUSER\r\n.\r\n"}};
  cleartext_pop3_server server(options);
  const process_result r = pop3({"capa", "--tls", "none", pop3_url(server.port())});
  ASSERT_TRUE(server.wait_until_done());
  EXPECT_EQ(r.exit_code, 76) << r.err;
  EXPECT_FALSE(mentions(r.out, "X-FORGED")) << r.out;
  EXPECT_EQ(server.received(), "");
}

TEST(starttls, case12_fake_status_indicators) {
  {
    tls_test_server_options options = stls_server();
    options.greeting = "+Do you even care?\r\n";
    const tls_run run = run_against(options, stat_over_stls);
    EXPECT_EQ(run.cli.exit_code, 76) << run.cli.err;
    EXPECT_TRUE(mentions(run.cli.err, "reply is not")) << run.cli.err;
    expect_stopped_before_tls(run, "");
  }
  {
    tls_test_server_options options = stls_server();
    options.script_before_tls = {{"CAPA", "+Like... honestly?\r\nSTLS\r\n.\r\n", {}}};
    const tls_run run = run_against(options, stat_over_stls);
    EXPECT_EQ(run.cli.exit_code, 76) << run.cli.err;
    EXPECT_TRUE(mentions(run.cli.err, "reply is not")) << run.cli.err;
    expect_stopped_before_tls(run, capa_only);
  }
  {
    // Not "+OK": the server goes on in cleartext, as if STLS had been refused.
    tls_test_server_options options = stls_server();
    options.stls_reply = "+Okay, do your thing.\r\n";
    const tls_run run = run_against(options, stat_over_stls);
    EXPECT_EQ(run.cli.exit_code, 76) << run.cli.err;
    EXPECT_TRUE(mentions(run.cli.err, "reply is not")) << run.cli.err;
    expect_stopped_before_tls(run, capa_and_stls);
  }
}

TEST(starttls, case13_auth_path_skips_tls) {
  // A client certificate, so that EXTERNAL really has something to authenticate with.
  const auto directory = scratch_directory();
  const key_and_certificate client = ca().issue(localhost_spec());
  write_file(directory / "client.pem", client.certificate_pem);
  write_file(directory / "client.key", client.key_pem);
  const auto stat_with_client_certificate = [&](const char* method, std::string url) {
    return std::vector<std::string>{"stat",
                                    "--auth",
                                    method,
                                    "--cert",
                                    (directory / "client.pem").string(),
                                    "--key",
                                    (directory / "client.key").string(),
                                    std::move(url)};
  };
  const char* methods[] = {"auto",    "user",        "apop",        "plain",
                           "login",   "cram-md5",    "scram-sha-1", "scram-sha-256",
                           "xoauth2", "oauthbearer", "external"};
  // The server offers every method, has an APOP timestamp, and refuses STLS (or does not
  // offer it at all).
  for (const bool stls_offered : {true, false}) {
    for (const char* method : methods) {
      SCOPED_TRACE(std::string(method) + (stls_offered ? ", STLS refused" : ", no STLS"));
      tls_test_server_options options = stls_server();
      options.greeting = "+OK ready <1896.697170952@dbc.mtview.ca.us>\r\n";
      options.capabilities_before_tls = {
          "USER",
          "SASL PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256 XOAUTH2 OAUTHBEARER "
          "EXTERNAL"};
      if (stls_offered) options.capabilities_before_tls.push_back("STLS");
      options.stls_reply = "-ERR no\r\n";
      const tls_run run = run_against(options, [&](std::uint16_t port) {
        return stat_with_client_certificate(method, pop3_url(port));
      });
      EXPECT_EQ(run.cli.exit_code, 69) << run.cli.err;
      EXPECT_TRUE(mentions(run.cli.err, "TLS is required")) << run.cli.err;
      expect_stopped_before_tls(run, stls_offered ? capa_and_stls : capa_only);
    }
  }
  // The same with implicit TLS whose certificate does not verify: no method sends anything
  // over the connection.
  for (const char* method : methods) {
    SCOPED_TRACE(std::string(method) + ", pop3s with an untrusted certificate");
    tls_test_server_options options = pop3s_server();
    options.identity = ca().self_signed(localhost_spec());
    const tls_run run = run_against(options, [&](std::uint16_t port) {
      return stat_with_client_certificate(method, pop3s_url(port));
    });
    EXPECT_EQ(run.cli.exit_code, 69) << run.cli.err;
    EXPECT_TRUE(mentions(run.cli.err, "certificate was rejected")) << run.cli.err;
    EXPECT_EQ(run.server.received_after_handshake, "");
  }
}

TEST(starttls, case14_mechanism_flood) {
  // About 60 names: the weak and the unknown, garbage, and PLAIN near the end.
  std::string flood = "SASL";
  for (const char* name :
       {"APOP", "CRAM-MD5", "DIGEST-MD5", "NTLM", "GSSAPI", "KERBEROS_V4", "ANONYMOUS", "OTP",
        "SKEY", "CRAM-SHA1", "SRP", "LOGIN", "X-GARBAGE!", "=", "*", "+OK", "-ERR"})
    flood += std::string(" ") + name;
  for (int i = 0; i < 40; ++i)
    flood += " X" + std::to_string(i);
  const std::string with_plain = flood + " PLAIN CRAM-MD5 DIGEST-MD5";
  {
    // Inside TLS, auto picks PLAIN: never CRAM-MD5, APOP or DIGEST-MD5 (the greeting has an
    // APOP timestamp too).
    tls_test_server_options options = pop3s_server({{"STAT", "+OK 0 0\r\n", {}}});
    options.greeting = "+OK ready <1896.697170952@dbc.mtview.ca.us>\r\n";
    options.capabilities_after_tls = {"USER", with_plain};
    const tls_run run = run_against(options, [](std::uint16_t port) {
      return std::vector<std::string>{"stat", "--cafile", ca_file(), pop3s_url(port)};
    });
    EXPECT_EQ(run.cli.exit_code, 0) << run.cli.err;
    EXPECT_EQ(run.server.received_after_handshake,
              "CAPA\r\n" + auth_plain_line() + "\r\nSTAT\r\nQUIT\r\n");
  }
  {
    // SCRAM somewhere in the flood wins.
    tls_test_server_options options = pop3s_server();
    options.capabilities_after_tls = {"USER", with_plain + " SCRAM-SHA-256 SCRAM-SHA-1"};
    options.script_after_tls = {{"AUTH SCRAM-SHA-256 *", "-ERR [AUTH] stop here\r\n", {}}};
    const tls_run run = run_against(options, [](std::uint16_t port) {
      return std::vector<std::string>{"stat", "--cafile", ca_file(), pop3s_url(port)};
    });
    EXPECT_EQ(run.cli.exit_code, 77) << run.cli.err;
    const std::string& after = run.server.received_after_handshake;
    EXPECT_EQ(after.rfind("CAPA\r\nAUTH SCRAM-SHA-256 ", 0), 0u) << after;
    EXPECT_EQ(std::count(after.begin(), after.end(), '\n'), 2) << after;  // nothing else tried
  }
  {
    // In cleartext (--tls none) PLAIN does not qualify: auto refuses, nothing after CAPA.
    tls_test_server_options options = stls_server();
    options.capabilities_before_tls = {"USER", with_plain};
    const tls_run run = run_against(options, [](std::uint16_t port) {
      return std::vector<std::string>{"stat", "--tls", "none", pop3_url(port)};
    });
    EXPECT_EQ(run.cli.exit_code, 69) << run.cli.err;
    EXPECT_TRUE(mentions(run.cli.err, "login refused without TLS")) << run.cli.err;
    EXPECT_EQ(run.server.plaintext_received, capa_only);
  }
}

}  // namespace
}  // namespace pop3::test
