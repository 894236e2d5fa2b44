// Reading replies: framing limits, listing validation, STLS, AUTH, EOF, fatal stickiness,
// zero-copy input and memory that stays inside the engine's buffers.
#include <gtest/gtest.h>

#include <string>

#include "engine_fixture.hpp"

namespace pop3::test {
namespace {

std::vector<std::string> after_login(const command& c, std::string_view reply,
                                     const engine_config& config = {}) {
  engine_fixture f(config);
  f.login();
  EXPECT_TRUE(f.submit(c));
  return f.feed(reply);
}

// security-cases.md 32.
TEST(engine_core, status_line_length_limit) {
  const std::string text_510(510 - 4, 'x');  // "+OK " + text + CRLF == 512
  EXPECT_EQ(after_login(cmd::noop(), "+OK " + text_510 + "\r\n"),
            (lines{"ok NOOP \"" + text_510 + "\""}));
  EXPECT_EQ(after_login(cmd::noop(), "+OK " + text_510 + "x\r\n"), (lines{"error line_too_long"}));
  // 1 MiB without CRLF: refused once 512 octets have arrived, without buffering the rest.
  engine_fixture f;
  f.login();
  ASSERT_TRUE(f.submit(cmd::noop()));
  EXPECT_EQ(f.feed(std::string(1 << 20, 'A')), (lines{"error line_too_long"}));
  EXPECT_EQ(f.eng().failure()->code, errc::line_too_long);
  EXPECT_EQ(f.eng().failure()->command, command_kind::noop);
}

TEST(engine_core, greeting_has_the_status_line_limit_and_listings_their_own) {
  engine_fixture f;
  EXPECT_EQ(f.feed("+OK " + std::string(600, 'g') + "\r\n"), (lines{"error line_too_long"}));
  // RFC 2449 §4 limits first lines only: a long SASL capability is fine up to the listing limit.
  const std::string sasl(3000, 'S');
  EXPECT_EQ(after_login(cmd::capa(), "+OK\r\nSASL " + sasl + "\r\n.\r\n"),
            (lines{"ok CAPA \"\"", "error line_too_long"}));  // over capabilities::max_text
  const std::string mechanisms = std::string(1500, 'M');
  EXPECT_EQ(after_login(cmd::capa(), "+OK\r\nSASL " + mechanisms + "\r\n.\r\n"),
            (lines{"ok CAPA \"\"", "capa SASL \"" + mechanisms + "\"", "end CAPA"}));
  EXPECT_EQ(after_login(cmd::uidl(), "+OK\r\n1 " + std::string(5000, 'u') + "\r\n.\r\n"),
            (lines{"ok UIDL \"\"", "error line_too_long"}));
  engine_config config;
  config.max_listing_line_length = 600;
  EXPECT_EQ(after_login(cmd::capa(), "+OK\r\nSASL " + std::string(700, 'x') + "\r\n.\r\n", config),
            (lines{"ok CAPA \"\"", "error line_too_long"}));
}

TEST(engine_core, configurable_line_limit) {
  engine_config config;
  config.max_line_length = 64;
  config.max_uid_length = 32;
  EXPECT_EQ(after_login(cmd::noop(), "+OK " + std::string(58, 'x') + "\r\n", config).size(), 1u);
  EXPECT_EQ(after_login(cmd::noop(), "+OK " + std::string(59, 'x') + "\r\n", config),
            (lines{"error line_too_long"}));
}

TEST(engine_core, status_lines_need_crlf) {
  EXPECT_EQ(after_login(cmd::noop(), "+OK fine\n"), (lines{"error bare_line_feed"}));
  EXPECT_EQ(after_login(cmd::noop(), "\n"), (lines{"error bare_line_feed"}));
  // A lone CR is part of the line, not its end.
  EXPECT_EQ(after_login(cmd::noop(), "+OK a\rb\r\n"), (lines{"ok NOOP \"a\\rb\""}));
}

// security-cases.md 44 through the engine: fatal, with the command that failed.
TEST(engine_core, bad_status_indicators_are_fatal) {
  for (std::string_view reply : {"+ok\r\n", "+OKAY\r\n", "-ERRx\r\n", "+ \r\n", "OK\r\n"}) {
    engine_fixture f;
    f.login();
    ASSERT_TRUE(f.submit(cmd::noop()));
    EXPECT_EQ(f.feed(reply), (lines{"error bad_status_indicator"})) << escape(reply);
    EXPECT_EQ(f.eng().failure()->command, command_kind::noop);
  }
  engine_fixture g;
  EXPECT_EQ(g.feed("+Do you even care?\r\n"), (lines{"error bad_status_indicator"}));
}

TEST(engine_core, fatal_errors_are_sticky) {
  engine_fixture f;
  f.login();
  ASSERT_TRUE(f.submit(cmd::noop()));
  f.feed("+OKAY\r\n");
  const error e = *f.eng().failure();
  EXPECT_EQ(e.code, errc::bad_status_indicator);
  EXPECT_EQ(f.eng().submit(cmd::noop()).error(), e);
  EXPECT_EQ(f.eng().feed(std::span<const char>("+OK\r\n", 5)).error(), e);
  EXPECT_EQ(f.eng().commit_received(0).error(), e);
  EXPECT_EQ(f.eng().next_event().error(), e);
  EXPECT_EQ(f.eng().tls_established().error(), e);
  EXPECT_TRUE(f.eng().receive_space().empty());
  EXPECT_FALSE(f.eng().want_read());
}

// security-cases.md 39.
TEST(engine_core, stat_replies) {
  EXPECT_EQ(after_login(cmd::stat(), "+OK 2 320\r\n"), (lines{"ok STAT \"2 320\"", "stat 2 320"}));
  struct row {
    std::string_view reply;
    std::string_view error;
  };
  for (const row& r :
       {row{"+OK -1 0\r\n", "error malformed_reply"},
        row{"+OK 18446744073709551616 1\r\n", "error number_overflow"},
        row{"+OK 2147483648 5\r\n", "error number_overflow"},
        row{"+OK 3 99999999999999999999\r\n", "error number_overflow"},
        row{"+OK +3 0\r\n", "error malformed_reply"},
        row{"+OK 0x10 0\r\n", "error malformed_reply"}, row{"+OK\r\n", "error malformed_reply"},
        row{"+OK 3\r\n", "error malformed_reply"}})
    EXPECT_EQ(after_login(cmd::stat(), r.reply), (lines{std::string(r.error)})) << r.reply;
  // security-cases.md 40: the message count limit is configurable.
  engine_config config;
  config.max_messages = 1000;
  EXPECT_EQ(after_login(cmd::stat(), "+OK 1001 5\r\n", config), (lines{"error number_overflow"}));
  EXPECT_EQ(after_login(cmd::stat(), "+OK 4294967295 0\r\n"), (lines{"error number_overflow"}));
}

// security-cases.md 39, 41, 42, 56.
TEST(engine_core, listing_validation) {
  auto listing = [](const command& c, std::string_view stat, std::string_view body) {
    engine_fixture f;
    f.login();
    if (!stat.empty()) {
      EXPECT_TRUE(f.submit(cmd::stat()));
      f.feed(stat);
    }
    EXPECT_TRUE(f.submit(c));
    return f.feed(body);
  };
  EXPECT_EQ(listing(cmd::list(), "+OK 2 30\r\n", "+OK\r\n1 10\r\n3 20\r\n.\r\n"),
            (lines{"ok LIST \"\"", "list 1 10", "error message_number_out_of_range"}));
  EXPECT_EQ(listing(cmd::list(), "", "+OK\r\n0 10\r\n.\r\n"),
            (lines{"ok LIST \"\"", "error message_number_out_of_range"}));
  EXPECT_EQ(listing(cmd::list(), "", "+OK\r\n1 10\r\n2 5\r\n1 10\r\n.\r\n"),
            (lines{"ok LIST \"\"", "list 1 10", "list 2 5", "error duplicate_entry"}));
  EXPECT_EQ(listing(cmd::list(), "", "+OK\r\n1 -10\r\n.\r\n"),
            (lines{"ok LIST \"\"", "error malformed_reply"}));
  EXPECT_EQ(listing(cmd::uidl(), "", "+OK\r\n1 a\r\n2 a\r\n1 b\r\n.\r\n"),
            (lines{"ok UIDL \"\"", "uidl 1 a", "uidl 2 a", "error duplicate_entry"}));
  EXPECT_EQ(listing(cmd::uidl(), "", "+OK\r\n1\r\n.\r\n"),
            (lines{"ok UIDL \"\"", "error invalid_uid"}));
  EXPECT_EQ(listing(cmd::uidl(), "", "+OK\r\n1 " + std::string(71, 'x') + "\r\n.\r\n"),
            (lines{"ok UIDL \"\"", "error invalid_uid"}));
  EXPECT_EQ(listing(cmd::uidl(), "", "+OK\r\n1 ../../.bashrc\r\n2 x\x1b[31m\r\n.\r\n"),
            (lines{"ok UIDL \"\"", "uidl 1 ../../.bashrc", "error invalid_uid"}));
  // Single-line replies must name the message asked for.
  EXPECT_EQ(listing(cmd::list(2), "", "+OK 3 120\r\n"), (lines{"error wrong_message_number"}));
  EXPECT_EQ(listing(cmd::uidl(2), "", "+OK 3 abc\r\n"), (lines{"error wrong_message_number"}));
  EXPECT_EQ(listing(cmd::list(2), "", "+OK 2 120\r\n"),
            (lines{"ok LIST 2 \"2 120\"", "list 2 120"}));
  EXPECT_EQ(listing(cmd::uidl(2), "", "+OK 2 a b\r\n"), (lines{"error invalid_uid"}));
}

TEST(engine_core, duplicate_detection_starts_fresh_for_each_listing) {
  engine_fixture f;
  f.login();
  ASSERT_TRUE(f.submit(cmd::uidl()));
  ASSERT_TRUE(f.submit(cmd::uidl()));
  EXPECT_EQ(
      f.feed("+OK\r\n1 a\r\n.\r\n+OK\r\n1 a\r\n.\r\n"),
      (lines{"ok UIDL \"\"", "uidl 1 a", "end UIDL", "ok UIDL \"\"", "uidl 1 a", "end UIDL"}));
}

// security-cases.md 45: line cap, unknown capabilities ignored.
TEST(engine_core, capa_limits_and_capabilities) {
  engine_config config;
  config.max_capa_lines = 3;
  engine_fixture f(config);
  f.feed("+OK ready\r\n");
  ASSERT_TRUE(f.submit(cmd::capa()));
  EXPECT_EQ(f.feed("+OK\r\nTOP\r\nUIDL\r\nUSER\r\nPIPELINING\r\n.\r\n"),
            (lines{"ok CAPA \"\"", "capa TOP \"\"", "capa UIDL \"\"", "capa USER \"\"",
                   "error too_many_capabilities"}));

  engine_fixture g;
  g.feed("+OK ready\r\n");
  EXPECT_FALSE(g.eng().server_capabilities().known());
  ASSERT_TRUE(g.submit(cmd::capa()));
  g.feed(
      "+OK\r\nPIPELINING\r\nsasl plain SCRAM-SHA-256\r\nEXPIRE NEVER\r\nLOGIN-DELAY 900\r\n"
      "IMPLEMENTATION \x1b[31mevil\r\nSTLS\r\n.\r\n");
  const capabilities& caps = g.eng().server_capabilities();
  EXPECT_TRUE(caps.known());
  EXPECT_TRUE(caps.pipelining);
  EXPECT_TRUE(caps.stls);
  EXPECT_FALSE(caps.top);
  EXPECT_TRUE(caps.has_sasl("PLAIN"));
  EXPECT_TRUE(caps.has_sasl("scram-sha-256"));
  EXPECT_FALSE(caps.has_sasl("SCRAM"));
  EXPECT_TRUE(caps.never_expires);
  EXPECT_EQ(caps.login_delay_seconds, 900u);
  EXPECT_EQ(caps.implementation(), "\x1b[31mevil");
  // A new CAPA replaces the old set.
  ASSERT_TRUE(g.submit(cmd::capa()));
  g.feed("+OK\r\nTOP\r\n.\r\n");
  EXPECT_TRUE(g.eng().server_capabilities().top);
  EXPECT_FALSE(g.eng().server_capabilities().pipelining);
  EXPECT_EQ(g.eng().server_capabilities().sasl_mechanisms(), "");
}

TEST(engine_core, lang_listing_and_lang_with_argument) {
  engine_fixture f;
  f.feed("+OK ready\r\n");
  ASSERT_TRUE(f.submit(cmd::lang()));
  EXPECT_EQ(f.feed("+OK Language listing follows\r\nen English\r\nde Deutsch\r\n.\r\n"),
            (lines{"ok LANG \"Language listing follows\"", "lang en \"English\"",
                   "lang de \"Deutsch\"", "end LANG"}));
  ASSERT_TRUE(f.submit(cmd::lang("de")));
  EXPECT_EQ(f.feed("+OK de Sprache geaendert\r\n"), (lines{"ok LANG \"de Sprache geaendert\""}));
}

// security-cases.md 11.
TEST(engine_core, data_nobody_asked_for_is_fatal) {
  engine_fixture f;
  f.login();
  EXPECT_EQ(f.feed("+OK surprise\r\n"), (lines{"error unexpected_data"}));
}

// security-cases.md 11: bytes that came with the greeting, before any command, are not the
// reply to the next command, however it is timed.
TEST(engine_core, data_waiting_when_a_command_is_submitted_is_fatal) {
  engine_config config;
  auto eng = engine::create(config).value();
  const std::string segment = "+OK ready\r\n+OK\r\nX-FORGED\r\n.\r\n";
  ASSERT_EQ(eng.feed(std::span<const char>(segment.data(), segment.size())).value(),
            segment.size());
  ASSERT_TRUE(std::holds_alternative<events::greeting>(*eng.next_event().value()));
  auto r = eng.submit(cmd::capa());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::unexpected_data);
  EXPECT_EQ(eng.pending_output().size(), 0u);  // nothing sent
  EXPECT_EQ(eng.failure()->code, errc::unexpected_data);
}

// security-cases.md 5-7: bytes after the +OK to STLS, arriving (a) in the same read, (b) one
// byte per read, (c) later, before the handshake. Never parsed, always fatal.
TEST(engine_core, stls_response_injection) {
  const std::string injected = "+OK\r\nPLAIN\r\nLOGIN\r\n.\r\n";
  {
    engine_fixture f;
    f.feed("+OK ready\r\n");
    ASSERT_TRUE(f.submit(cmd::stls()));
    EXPECT_EQ(f.feed("+OK Begin TLS\r\n" + injected), (lines{"error unexpected_data"}));
    EXPECT_EQ(f.eng().failure()->command, command_kind::stls);
  }
  {
    engine_fixture f;
    f.feed("+OK ready\r\n");
    ASSERT_TRUE(f.submit(cmd::stls()));
    std::vector<std::string> all;
    for (char c : "+OK Begin TLS\r\n" + injected) {
      auto got = f.feed(std::string(1, c));
      all.insert(all.end(), got.begin(), got.end());
    }
    EXPECT_EQ(all, (lines{"ok STLS \"Begin TLS\"", "start_tls", "error unexpected_data"}));
  }
  {
    engine_fixture f;
    f.feed("+OK ready\r\n");
    ASSERT_TRUE(f.submit(cmd::stls()));
    EXPECT_EQ(f.feed("+OK Begin TLS\r\n"), (lines{"ok STLS \"Begin TLS\"", "start_tls"}));
    EXPECT_FALSE(f.eng().want_read());  // the driver must not read plaintext now
    EXPECT_EQ(f.feed("\x80\x81garbage"), (lines{"error unexpected_data"}));
  }
  {
    engine_fixture f;  // curl test982: a pipelined -ERR and fake +OKs
    f.feed("+OK ready\r\n");
    ASSERT_TRUE(f.submit(cmd::stls()));
    EXPECT_EQ(f.feed("-ERR currently unavailable\r\n+OK user accepted\r\n+OK authenticated\r\n"),
              (lines{"err STLS \"currently unavailable\"", "error unexpected_data"}));
  }
}

// RFC 2595 §4: capabilities learned before TLS are forgotten.
TEST(engine_core, tls_established_resets_capabilities) {
  engine_fixture f;
  f.feed("+OK ready\r\n");
  ASSERT_TRUE(f.submit(cmd::capa()));
  f.feed("+OK\r\nSTLS\r\nUSER\r\nSASL PLAIN\r\n.\r\n");
  EXPECT_TRUE(f.eng().server_capabilities().user);
  EXPECT_EQ(f.eng().tls_established().error().code, errc::command_not_allowed);
  ASSERT_TRUE(f.submit(cmd::stls()));
  EXPECT_EQ(f.feed("+OK\r\n"), (lines{"ok STLS \"\"", "start_tls"}));
  EXPECT_EQ(f.eng().state(), session_state::tls_handshake);
  EXPECT_EQ(f.eng().submit(cmd::user("u")).error().code, errc::command_not_allowed);
  ASSERT_TRUE(f.eng().tls_established());
  EXPECT_EQ(f.eng().state(), session_state::authorization);
  EXPECT_FALSE(f.eng().server_capabilities().known());
  EXPECT_FALSE(f.eng().server_capabilities().user);
  EXPECT_EQ(f.eng().submit(cmd::stls()).error().code, errc::command_not_allowed);
  ASSERT_TRUE(f.submit(cmd::capa()));
  f.feed("+OK\r\nSASL SCRAM-SHA-256\r\n.\r\n");
  EXPECT_TRUE(f.eng().server_capabilities().has_sasl("SCRAM-SHA-256"));
  EXPECT_FALSE(f.eng().server_capabilities().has_sasl("PLAIN"));
}

TEST(engine_core, auth_exchange) {
  engine_fixture f;
  f.feed("+OK ready\r\n");
  ASSERT_TRUE(f.submit(cmd::auth("CRAM-MD5")));
  EXPECT_EQ(f.feed("+ PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n"),
            (lines{"challenge \"PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\""}));
  ASSERT_TRUE(f.submit(cmd::sasl_response("dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw")));
  EXPECT_EQ(f.feed("+OK CRAM authentication successful\r\n"),
            (lines{"ok AUTH \"CRAM authentication successful\""}));
  EXPECT_EQ(f.eng().state(), session_state::transaction);
}

TEST(engine_core, a_second_challenge_before_the_answer_is_a_violation) {
  engine_fixture f;
  f.feed("+OK ready\r\n");
  ASSERT_TRUE(f.submit(cmd::auth("LOGIN")));
  EXPECT_EQ(f.feed("+ VXNlcm5hbWU6\r\n+ UGFzc3dvcmQ6\r\n"),
            (lines{"challenge \"VXNlcm5hbWU6\"", "error unexpected_data"}));
}

TEST(engine_core, success_before_the_answer_is_a_violation) {
  engine_fixture f;
  f.feed("+OK ready\r\n");
  ASSERT_TRUE(f.submit(cmd::auth("PLAIN")));
  EXPECT_EQ(f.feed("+ \r\n+OK logged in\r\n"), (lines{"challenge \"\"", "error unexpected_data"}));
}

TEST(engine_core, refusal_before_the_answer_ends_the_exchange) {
  engine_fixture f;
  f.feed("+OK ready\r\n");
  ASSERT_TRUE(f.submit(cmd::auth("PLAIN")));
  EXPECT_EQ(f.feed("+ \r\n-ERR [SYS/TEMP] try later\r\n"),
            (lines{"challenge \"\"", "err AUTH \"try later\" code=SYS/TEMP"}));
  // The exchange is over: no answer may be sent, and the session is usable.
  EXPECT_EQ(f.submit(cmd::sasl_response("x")).error().code, errc::command_not_allowed);
  EXPECT_TRUE(f.submit(cmd::capa()));
}

TEST(engine_core, auth_challenge_lines_use_the_sasl_limit) {
  engine_config config;
  config.max_sasl_line_length = 2048;
  engine_fixture f(config);
  f.feed("+OK ready\r\n");
  ASSERT_TRUE(f.submit(cmd::auth("GSSAPI")));
  const std::string big(1500, 'A');
  EXPECT_EQ(f.feed("+ " + big + "\r\n"), (lines{"challenge \"" + big + "\""}));
  ASSERT_TRUE(f.submit(cmd::sasl_response("")));
  EXPECT_EQ(f.feed("+ " + std::string(2100, 'B') + "\r\n"), (lines{"error line_too_long"}));
}

TEST(engine_core, continuation_outside_auth_is_a_violation) {
  EXPECT_EQ(after_login(cmd::noop(), "+ hello\r\n"), (lines{"error bad_status_indicator"}));
}

TEST(engine_core, greeting_refused_closes_session) {
  engine_fixture f;
  EXPECT_EQ(f.feed("-ERR [SYS/TEMP] too busy\r\n"),
            (lines{"err greeting \"too busy\" code=SYS/TEMP"}));
  EXPECT_EQ(f.eng().state(), session_state::closed);
  EXPECT_EQ(f.eng().last_reply().code, resp_code::sys_temp);
  EXPECT_EQ(f.eng().last_reply().text, "too busy");
  EXPECT_FALSE(f.eng().last_reply().ok);
}

TEST(engine_core, eof_while_reply_due_is_connection_closed) {
  {
    engine_fixture f;
    EXPECT_EQ(f.eof(), (lines{"error connection_closed"}));  // no greeting at all
    EXPECT_EQ(f.eng().failure()->command, command_kind::greeting);
  }
  {
    engine_fixture f;
    f.login();
    ASSERT_TRUE(f.submit(cmd::dele(1)));
    f.feed("+OK");  // closed in the middle of the status line
    EXPECT_EQ(f.eof(), (lines{"error connection_closed"}));
  }
  {
    engine_fixture f;
    f.login();
    ASSERT_TRUE(f.submit(cmd::uidl()));
    EXPECT_EQ(f.feed("+OK\r\n1 a\r\n"), (lines{"ok UIDL \"\"", "uidl 1 a"}));
    EXPECT_EQ(f.eof(), (lines{"error connection_closed"}));
  }
  {
    engine_fixture f;  // replies received before the close are still handed out
    f.login();
    ASSERT_TRUE(f.submit(cmd::quit()));
    f.eng().feed(std::span<const char>("+OK bye\r\n", 9)).value();
    EXPECT_EQ(f.eof(), (lines{"ok QUIT \"bye\"", "closed"}));
    EXPECT_EQ(f.eng().state(), session_state::closed);
  }
}

TEST(engine_core, getters_follow_the_session) {
  engine_fixture f;
  EXPECT_EQ(f.eng().state(), session_state::greeting);
  EXPECT_TRUE(f.eng().want_read());
  EXPECT_FALSE(f.eng().want_write());
  EXPECT_EQ(f.eng().in_flight(), 1u);  // the greeting
  f.feed("+OK ready\r\n");
  EXPECT_FALSE(f.eng().want_read());
  EXPECT_EQ(f.eng().in_flight(), 0u);
  ASSERT_TRUE(f.eng().submit(cmd::user("u")));
  EXPECT_TRUE(f.eng().want_write());
  EXPECT_TRUE(f.eng().want_read());
  f.take_output();
  f.feed("+OK\r\n");
  ASSERT_TRUE(f.submit(cmd::pass("p")));
  f.feed("+OK\r\n");
  ASSERT_TRUE(f.submit(cmd::retr(1)));
  f.feed("+OK\r\npartial");
  EXPECT_EQ(f.eng().in_flight(), 1u);  // the body is still being read
  EXPECT_TRUE(f.eng().want_read());
  f.feed("\r\n.\r\n");
  EXPECT_EQ(f.eng().in_flight(), 0u);
  EXPECT_EQ(f.eng().last_reply().command, command_kind::retr);
}

TEST(engine_core, zero_copy_input_and_body_data_stays_in_the_receive_buffer) {
  engine_config config;
  config.receive_buffer_size = 4096;
  config.max_sasl_line_length = 4096;
  auto eng = engine::create(config).value();
  auto put = [&](std::string_view bytes) {
    while (!bytes.empty()) {
      auto space = eng.receive_space();
      ASSERT_FALSE(space.empty());
      const std::size_t n = std::min(space.size(), bytes.size());
      std::copy_n(bytes.data(), n, space.data());
      ASSERT_TRUE(eng.commit_received(n));
      bytes.remove_prefix(n);
    }
  };
  put("+OK ready\r\n");
  ASSERT_TRUE(eng.next_event().value());
  ASSERT_TRUE(eng.submit(cmd::user("u")));
  ASSERT_TRUE(eng.submit(cmd::pass("p")));
  ASSERT_TRUE(eng.submit(cmd::retr(1)));
  put("+OK\r\n+OK\r\n+OK\r\n");
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(eng.next_event().value());
  // 8 MiB of 76-octet lines through a 4 KiB buffer: every chunk lies inside that buffer.
  const std::string line = std::string(74, 'x') + "\r\n";
  const char* const buffer_begin = eng.receive_space().data();
  std::uint64_t total = 0;
  bool ended = false;
  for (int i = 0; i < (8 << 20) / 76 + 1 && !ended; ++i) {
    put(i == (8 << 20) / 76 ? std::string_view(".\r\n") : std::string_view(line));
    while (auto ev = eng.next_event().value()) {
      if (auto* chunk = std::get_if<events::body_chunk>(&*ev)) {
        ASSERT_GE(chunk->bytes.data(), buffer_begin);
        ASSERT_LE(chunk->bytes.data() + chunk->bytes.size(), buffer_begin + 4096);
        total += chunk->bytes.size();
      } else if (auto* end = std::get_if<events::body_end>(&*ev)) {
        EXPECT_EQ(end->octets, total);
        ended = true;
      }
    }
  }
  EXPECT_TRUE(ended);
  EXPECT_EQ(total, std::uint64_t{(8 << 20) / 76} * 76);
}

TEST(engine_core, commit_received_checks_its_argument) {
  auto eng = engine::create().value();
  const std::size_t space = eng.receive_space().size();
  EXPECT_EQ(eng.commit_received(space + 1).error().code, errc::invalid_argument);
  eng.feed_eof();
  EXPECT_EQ(eng.commit_received(1).error().code, errc::invalid_argument);
}

TEST(engine_core, config_validation) {
  engine_config c;
  EXPECT_TRUE(validate(c));
  c.receive_buffer_size = 100;  // smaller than a status line
  EXPECT_EQ(engine::create(c).error().code, errc::invalid_argument);
  c = {};
  c.max_in_flight = 0;
  EXPECT_EQ(validate(c).error().code, errc::invalid_argument);
  c = {};
  c.output_buffer_size = 200;  // smaller than a command
  EXPECT_EQ(validate(c).error().code, errc::invalid_argument);
  c = {};
  c.max_uid_length = 512;
  EXPECT_EQ(validate(c).error().code, errc::invalid_argument);
  c = {};
  c.max_listing_line_length = 100;  // shorter than a status line
  EXPECT_EQ(validate(c).error().code, errc::invalid_argument);
  c = {};
  c.max_listing_line_length = 64 * 1024;  // longer than the receive buffer
  EXPECT_EQ(validate(c).error().code, errc::invalid_argument);
}

}  // namespace
}  // namespace pop3::test
