// engine::submit(): exact bytes on the wire, and every local refusal (nothing sent).
#include <gtest/gtest.h>

#include <string>

#include "engine_fixture.hpp"

namespace pop3::test {
namespace {

void expect_refused(engine_fixture& f, const command& c, errc code, const std::string& why) {
  const std::size_t before = f.eng().pending_output().size();
  const std::size_t in_flight = f.eng().in_flight();
  auto r = f.eng().submit(c);
  ASSERT_FALSE(r) << why;
  EXPECT_EQ(r.error().code, code) << why;
  EXPECT_EQ(r.error().command, c.kind) << why;
  EXPECT_EQ(f.eng().pending_output().size(), before) << why << ": nothing may be queued";
  EXPECT_EQ(f.eng().in_flight(), in_flight) << why;
  EXPECT_FALSE(f.eng().failure()) << why << ": a refusal is not fatal";
}

TEST(command_writer, exact_bytes_of_every_command_in_authorization) {
  engine_fixture f;
  f.feed("+OK ready <1896.697170952@dbc.mtview.ca.us>\r\n");
  EXPECT_EQ(f.send(cmd::capa()), "CAPA\r\n");
  EXPECT_EQ(f.send(cmd::utf8()), "UTF8\r\n");
  EXPECT_EQ(f.send(cmd::lang()), "LANG\r\n");
  EXPECT_EQ(f.send(cmd::lang("de")), "LANG de\r\n");
  EXPECT_EQ(f.send(cmd::apop("mrose", "tanstaaf")),
            "APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n");
  EXPECT_EQ(f.feed("+OK\r\n.\r\n+OK\r\n+OK\r\n.\r\n+OK\r\n-ERR [AUTH] no\r\n"),
            (lines{"ok CAPA \"\"", "end CAPA", "ok UTF8 \"\"", "ok LANG \"\"", "end LANG",
                   "ok LANG \"\"", "err APOP \"no\" code=AUTH"}));
  EXPECT_EQ(f.send(cmd::user("mrose")), "USER mrose\r\n");
  EXPECT_EQ(f.send(cmd::pass("a secret with spaces")), "PASS a secret with spaces\r\n");
}

TEST(command_writer, exact_bytes_of_auth_and_stls) {
  {
    engine_fixture f;
    f.feed("+OK ready\r\n");
    EXPECT_EQ(f.send(cmd::auth("PLAIN", "AGFsaWNlAHNlY3JldA==")),
              "AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n");
  }
  {
    engine_fixture f;
    f.feed("+OK ready\r\n");
    EXPECT_EQ(f.send(cmd::auth("EXTERNAL", "")), "AUTH EXTERNAL =\r\n");
  }
  {
    engine_fixture f;
    f.feed("+OK ready\r\n");
    EXPECT_EQ(f.send(cmd::auth("SCRAM-SHA-256")), "AUTH SCRAM-SHA-256\r\n");
  }
  {
    engine_fixture f;
    f.feed("+OK ready\r\n");
    EXPECT_EQ(f.send(cmd::stls()), "STLS\r\n");
  }
}

TEST(command_writer, exact_bytes_of_every_command_in_transaction) {
  engine_fixture f;
  f.login();
  EXPECT_EQ(f.send(cmd::stat()), "STAT\r\n");
  EXPECT_EQ(f.send(cmd::list()), "LIST\r\n");
  EXPECT_EQ(f.send(cmd::list(7)), "LIST 7\r\n");
  EXPECT_EQ(f.send(cmd::uidl()), "UIDL\r\n");
  EXPECT_EQ(f.send(cmd::uidl(4294967295u)), "UIDL 4294967295\r\n");
  EXPECT_EQ(f.send(cmd::retr(1)), "RETR 1\r\n");
  EXPECT_EQ(f.send(cmd::top(2, 0)), "TOP 2 0\r\n");
  EXPECT_EQ(f.send(cmd::top(2, 10)), "TOP 2 10\r\n");
  EXPECT_EQ(f.send(cmd::dele(3)), "DELE 3\r\n");
  EXPECT_EQ(f.send(cmd::noop()), "NOOP\r\n");
  EXPECT_EQ(f.send(cmd::rset()), "RSET\r\n");
  EXPECT_EQ(f.send(cmd::capa()), "CAPA\r\n");
  EXPECT_EQ(f.send(cmd::quit()), "QUIT\r\n");
  EXPECT_EQ(f.eng().in_flight(), 13u);
}

// security-cases.md 30: CR, LF and NUL in anything sent are refused before anything is sent.
TEST(command_writer, line_breakers_refused) {
  for (std::string_view bad : {std::string_view("bob\r\nDELE 1"), std::string_view("a\rb"),
                               std::string_view("a\nb"), std::string_view("a\0b", 3)}) {
    engine_fixture f;
    f.feed("+OK ready <a@b>\r\n");
    expect_refused(f, cmd::user(bad), errc::invalid_argument, "USER");
    expect_refused(f, cmd::apop(bad, "pw"), errc::invalid_argument, "APOP name");
    expect_refused(f, cmd::apop("bob", bad), errc::invalid_argument, "APOP password");
    expect_refused(f, cmd::auth(bad), errc::invalid_argument, "AUTH mechanism");
    expect_refused(f, cmd::auth("PLAIN", bad), errc::invalid_argument, "AUTH response");
    expect_refused(f, cmd::lang(bad), errc::invalid_argument, "LANG");
    ASSERT_TRUE(f.submit(cmd::user("bob")));
    expect_refused(f, cmd::pass(bad), errc::invalid_argument, "PASS");
  }
}

TEST(command_writer, empty_and_spaced_tokens_refused) {
  engine_fixture f;
  f.feed("+OK ready <a@b>\r\n");
  expect_refused(f, cmd::user(""), errc::invalid_argument, "empty USER");
  expect_refused(f, cmd::apop("", "pw"), errc::invalid_argument, "empty APOP name");
  expect_refused(f, cmd::apop("a b", "pw"), errc::invalid_argument, "APOP name with space");
  expect_refused(f, cmd::auth(""), errc::invalid_argument, "empty mechanism");
  expect_refused(f, cmd::auth("PL AIN"), errc::invalid_argument, "mechanism with space");
  expect_refused(f, cmd::auth("PLAIN", "a b"), errc::invalid_argument, "response with space");
  expect_refused(f, cmd::make(command_kind::greeting), errc::invalid_argument, "greeting");
  expect_refused(f, cmd::make(command_kind::none), errc::invalid_argument, "none");
  ASSERT_TRUE(f.submit(cmd::user("u")));
  EXPECT_EQ(f.send(cmd::pass("")), "PASS \r\n");  // an empty password is legal
}

TEST(command_writer, message_number_zero_refused) {
  engine_fixture f;
  f.login();
  expect_refused(f, cmd::retr(0), errc::invalid_argument, "RETR 0");
  expect_refused(f, cmd::top(0, 1), errc::invalid_argument, "TOP 0");
  expect_refused(f, cmd::dele(0), errc::invalid_argument, "DELE 0");
}

// security-cases.md 41: numbers above the maildrop (known from STAT) are refused locally.
TEST(command_writer, message_number_above_maildrop_refused) {
  engine_fixture f;
  f.login();
  ASSERT_TRUE(f.submit(cmd::stat()));
  f.feed("+OK 3 300\r\n");
  EXPECT_EQ(f.eng().highest_message(), 3u);
  for (const command& c : {cmd::retr(4), cmd::top(4, 0), cmd::dele(4), cmd::list(4), cmd::uidl(4)})
    expect_refused(f, c, errc::no_such_message, std::string(keyword(c.kind)));
  EXPECT_EQ(f.send(cmd::retr(3)), "RETR 3\r\n");
}

TEST(command_writer, deleted_messages_keep_their_numbers) {
  engine_fixture f;
  f.login();
  ASSERT_TRUE(f.submit(cmd::dele(1)));
  ASSERT_TRUE(f.submit(cmd::stat()));
  f.feed("+OK\r\n+OK 2 200\r\n");  // 3 messages, 1 deleted: numbers 2 and 3 remain valid
  EXPECT_EQ(f.eng().highest_message(), 3u);
  EXPECT_TRUE(f.submit(cmd::retr(3)));
  ASSERT_TRUE(f.submit(cmd::rset()));
  f.feed("+OK 3 300\r\n.\r\n+OK\r\n");
  ASSERT_TRUE(f.submit(cmd::stat()));
  f.feed("+OK 3 300\r\n");
  EXPECT_EQ(f.eng().highest_message(), 3u);
}

// RFC 2449 §4: 255 octets including CRLF.
TEST(command_writer, command_length_limit) {
  engine_fixture f;
  f.feed("+OK ready\r\n");
  const std::string at_limit(255 - 2 - 5, 'u');  // "USER " + name + CRLF == 255
  expect_refused(f, cmd::user(at_limit + "u"), errc::command_too_long, "256 octets");
  EXPECT_EQ(f.send(cmd::user(at_limit)), "USER " + at_limit + "\r\n");
  expect_refused(f, cmd::pass(std::string(1000, 'p')), errc::command_too_long, "long PASS");
}

TEST(command_writer, state_refusals_send_nothing) {
  engine_fixture f;
  expect_refused(f, cmd::user("u"), errc::command_not_allowed, "before greeting");
  f.feed("+OK ready\r\n");
  expect_refused(f, cmd::pass("p"), errc::command_not_allowed, "PASS without USER");
  for (const command& c : {cmd::stat(), cmd::list(), cmd::uidl(), cmd::retr(1), cmd::top(1, 0),
                           cmd::dele(1), cmd::rset(), cmd::noop()})
    expect_refused(f, c, errc::command_not_allowed,
                   std::string(keyword(c.kind)) + " in AUTHORIZATION");
  ASSERT_EQ(f.send(cmd::user("u")), "USER u\r\n");
  ASSERT_EQ(f.send(cmd::pass("p")), "PASS p\r\n");
  ASSERT_EQ(f.feed("+OK\r\n+OK\r\n").size(), 2u);
  for (const command& c : {cmd::user("u"), cmd::pass("p"), cmd::apop("u", "p"), cmd::auth("X"),
                           cmd::stls(), cmd::utf8()})
    expect_refused(f, c, errc::command_not_allowed,
                   std::string(keyword(c.kind)) + " in TRANSACTION");
  ASSERT_TRUE(f.submit(cmd::quit()));
  EXPECT_EQ(f.eng().state(), session_state::update);
  expect_refused(f, cmd::noop(), errc::command_not_allowed, "after QUIT");
}

TEST(command_writer, pipelined_login_uses_projected_state) {
  engine_fixture f;
  f.feed("+OK ready\r\n");
  ASSERT_TRUE(f.submit(cmd::user("u")));
  ASSERT_TRUE(f.submit(cmd::pass("p")));
  ASSERT_TRUE(f.submit(cmd::stat()));  // allowed: PASS will have logged in if it succeeds
  EXPECT_EQ(f.eng().state(), session_state::authorization);
  EXPECT_EQ(f.feed("+OK\r\n-ERR [AUTH] no\r\n-ERR not logged in\r\n"),
            (lines{"ok USER \"\"", "err PASS \"no\" code=AUTH", "err STAT \"not logged in\""}));
  EXPECT_EQ(f.eng().state(), session_state::authorization);
  // After the failed PASS the projection is rebuilt: STAT is refused again, USER allowed.
  expect_refused(f, cmd::stat(), errc::command_not_allowed, "STAT after failed PASS");
  EXPECT_TRUE(f.submit(cmd::user("u")));
}

TEST(command_writer, stls_and_auth_are_exclusive) {
  engine_fixture f;
  f.feed("+OK ready\r\n");
  ASSERT_TRUE(f.submit(cmd::capa()));
  expect_refused(f, cmd::stls(), errc::command_not_allowed, "STLS behind CAPA");
  expect_refused(f, cmd::auth("PLAIN"), errc::command_not_allowed, "AUTH behind CAPA");
  f.feed("+OK\r\n.\r\n");
  ASSERT_TRUE(f.submit(cmd::stls()));
  // security-cases.md 9: nothing may follow STLS until the handshake is done.
  expect_refused(f, cmd::capa(), errc::command_not_allowed, "CAPA behind STLS");
  expect_refused(f, cmd::user("u"), errc::command_not_allowed, "USER behind STLS");
}

TEST(command_writer, sasl_response_only_after_a_challenge) {
  engine_fixture f;
  f.feed("+OK ready\r\n");
  expect_refused(f, cmd::sasl_response("abc"), errc::command_not_allowed, "no AUTH");
  ASSERT_TRUE(f.submit(cmd::auth("LOGIN")));
  expect_refused(f, cmd::sasl_response("abc"), errc::command_not_allowed, "no challenge yet");
  EXPECT_EQ(f.feed("+ VXNlcm5hbWU6\r\n"), (lines{"challenge \"VXNlcm5hbWU6\""}));
  expect_refused(f, cmd::sasl_response("a\r\nb"), errc::invalid_argument, "CRLF in response");
  EXPECT_EQ(f.send(cmd::sasl_response("YWxpY2U=")), "YWxpY2U=\r\n");
  expect_refused(f, cmd::sasl_response("again"), errc::command_not_allowed, "answered already");
  EXPECT_EQ(f.feed("+ UGFzc3dvcmQ6\r\n"), (lines{"challenge \"UGFzc3dvcmQ6\""}));
  EXPECT_EQ(f.send(cmd::sasl_cancel()), "*\r\n");
  EXPECT_EQ(f.feed("-ERR cancelled\r\n"), (lines{"err AUTH \"cancelled\""}));
  EXPECT_EQ(f.eng().state(), session_state::authorization);
}

TEST(command_writer, pipeline_and_output_limits) {
  engine_config config;
  config.max_in_flight = 3;
  engine_fixture f(config);
  f.login();
  ASSERT_TRUE(f.submit(cmd::noop()));
  ASSERT_TRUE(f.submit(cmd::noop()));
  ASSERT_TRUE(f.submit(cmd::noop()));
  expect_refused(f, cmd::noop(), errc::pipeline_full, "fourth command in flight");
  f.feed("+OK\r\n");
  EXPECT_TRUE(f.submit(cmd::noop()));

  engine_config small;
  small.output_buffer_size = 255;
  small.max_sasl_line_length = 128;
  engine_fixture g(small);
  g.login();
  std::size_t queued = 0;
  while (g.eng().submit(cmd::retr(1234567)))
    ++queued;  // 14 octets each, never drained
  EXPECT_EQ(queued, 255u / 14);
  EXPECT_EQ(g.eng().submit(cmd::retr(1)).error().code, errc::output_buffer_full);
  g.eng().consume_output(14);
  EXPECT_TRUE(g.eng().submit(cmd::retr(1)));  // room again, after compaction
}

struct trace_capture {
  std::vector<std::string> lines;
  static void record(void* self, trace_kind kind, std::string_view line) {
    const char* prefix = kind == trace_kind::sent   ? "C: "
                         : kind == trace_kind::body ? "B: "
                                                    : "S: ";
    static_cast<trace_capture*>(self)->lines.push_back(prefix + std::string(line));
  }
};

// Security: secrets never reach a trace.
TEST(command_writer, trace_redacts_secrets) {
  trace_capture trace;
  engine_config config;
  config.trace = &trace_capture::record;
  config.trace_context = &trace;
  engine_fixture f(config);
  f.feed("+OK ready <a@b>\r\n");
  ASSERT_TRUE(f.submit(cmd::user("alice")));
  ASSERT_TRUE(f.submit(cmd::pass("hunter2")));
  f.feed("+OK\r\n-ERR\r\n");
  ASSERT_TRUE(f.submit(cmd::apop("alice", "hunter2")));
  f.feed("-ERR\r\n");
  ASSERT_TRUE(f.submit(cmd::auth("PLAIN", "AGFsaWNlAGh1bnRlcjI=")));
  f.feed("-ERR\r\n");
  ASSERT_TRUE(f.submit(cmd::auth("LOGIN")));
  f.feed("+ VXNlcm5hbWU6\r\n");
  ASSERT_TRUE(f.submit(cmd::sasl_response("aHVudGVyMg==")));
  f.feed("-ERR\r\n");
  EXPECT_EQ(trace.lines,
            (lines{"S: +OK ready <a@b>", "C: USER alice", "C: PASS ***", "S: +OK", "S: -ERR",
                   "C: APOP alice ***", "S: -ERR", "C: AUTH PLAIN ***", "S: -ERR", "C: AUTH LOGIN",
                   "S: + VXNlcm5hbWU6", "C: ***", "S: -ERR"}));
  for (const auto& l : trace.lines) {
    EXPECT_EQ(l.find("hunter2"), std::string::npos) << l;
    EXPECT_EQ(l.find("aHVudGVyMg"), std::string::npos) << l;
    EXPECT_EQ(l.find("AGFsaWNl"), std::string::npos) << l;
  }
}

}  // namespace
}  // namespace pop3::test
