// The blocking session against a scripted server: exact bytes each way, and results.
#include "pop3/session.hpp"

#include <gtest/gtest.h>

#include "pop3/memory_transport.hpp"
#include "scripted_server.hpp"

namespace pop3::test {
namespace {

session_options quick_options() {
  session_options o;
  o.idle_timeout = std::chrono::seconds(5);
  o.command_timeout = std::chrono::seconds(10);
  return o;
}

struct harness {
  std::unique_ptr<transport> client_end;
  std::unique_ptr<scripted_server> server;
  harness() {
    auto [c, s] = make_memory_pair();
    client_end = std::move(c);
    server = std::make_unique<scripted_server>(std::move(s));
  }
  result<session> start(const session_options& o = quick_options()) {
    server->start();
    return session::start(std::move(client_end), o);
  }
};

/// Greeting, then USER a / PASS b accepted.
scripted_server& logged_in(scripted_server& server) {
  return server.send("+OK ready\r\n")
      .expect("USER a\r\n")
      .send("+OK\r\n")
      .expect("PASS b\r\n")
      .send("+OK\r\n");
}

TEST(session, full_session_user_pass) {
  harness h;
  h.server->send("+OK POP3 ready <1896.697170952@dbc.mtview.ca.us>\r\n")
      .expect("USER alice\r\n")
      .send("+OK\r\n")
      .expect("PASS s3cret pass\r\n")
      .send("+OK maildrop locked\r\n")
      .expect("STAT\r\n")
      .send("+OK 2 320\r\n")
      .expect("LIST\r\n")
      .send("+OK\r\n1 120\r\n2 200\r\n.\r\n")
      .expect("UIDL 2\r\n")
      .send("+OK 2 uid-two\r\n")
      .expect("RETR 1\r\n")
      .send("+OK\r\nSubject: x\r\n\r\n..dot\r\n.\r\n")
      .expect("TOP 2 0\r\n")
      .send("+OK\r\nSubject: y\r\n\r\n.\r\n")
      .expect("DELE 1\r\n")
      .send("+OK deleted\r\n")
      .expect("NOOP\r\n")
      .send("+OK\r\n")
      .expect("RSET\r\n")
      .send("+OK\r\n")
      .expect("QUIT\r\n")
      .send("+OK bye\r\n")
      .close();
  auto s = h.start();
  ASSERT_TRUE(s) << name(s.error().code);
  EXPECT_EQ(s->greeting(), "POP3 ready <1896.697170952@dbc.mtview.ca.us>");
  EXPECT_EQ(s->apop_timestamp(), "<1896.697170952@dbc.mtview.ca.us>");
  ASSERT_TRUE(s->login("alice", "s3cret pass"));
  EXPECT_EQ(s->protocol().state(), session_state::transaction);
  auto st = s->stat();
  ASSERT_TRUE(st);
  EXPECT_EQ(st->count, 2u);
  EXPECT_EQ(st->octets, 320u);
  EXPECT_EQ(s->list().value(), (std::vector<list_entry>{{1, 120}, {2, 200}}));
  EXPECT_EQ(s->uidl(2).value(), (uidl_entry{2, "uid-two"}));
  string_sink m1;
  EXPECT_EQ(s->retr(1, m1).value(), 20u);
  EXPECT_EQ(m1.data(), "Subject: x\r\n\r\n.dot\r\n");
  EXPECT_TRUE(m1.finished());
  string_sink m2;
  EXPECT_EQ(s->top(2, 0, m2).value(), 14u);
  EXPECT_EQ(m2.data(), "Subject: y\r\n\r\n");
  ASSERT_TRUE(s->dele(1));
  EXPECT_EQ(s->last_reply().text, "deleted");
  ASSERT_TRUE(s->noop());
  ASSERT_TRUE(s->rset());
  ASSERT_TRUE(s->quit());
  EXPECT_EQ(s->stat().error().code, errc::connection_closed);
  EXPECT_EQ(h.server->finish(), std::vector<std::string>{});
}

TEST(session, apop_login) {
  harness h;
  h.server->send("+OK ready <1896.697170952@dbc.mtview.ca.us>\r\n")
      .expect("APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n")
      .send("+OK\r\n")
      .expect_close();
  auto s = h.start();
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->login("mrose", "tanstaaf", login_method::apop));
  s = unexpected(errc::io_error);  // drop the session: the connection closes without QUIT
  EXPECT_EQ(h.server->finish(), std::vector<std::string>{});
  EXPECT_EQ(h.server->received(), "APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n");
}

TEST(session, apop_without_timestamp_sends_nothing) {
  harness h;
  h.server->send("+OK ready\r\n").expect_close();
  auto s = h.start();
  ASSERT_TRUE(s);
  auto r = s->login("mrose", "tanstaaf", login_method::apop);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::apop_unavailable);
  s = unexpected(errc::io_error);
  h.server->finish();
  EXPECT_EQ(h.server->received(), "");
}

TEST(session, wrong_password_is_server_error_with_auth_code) {
  harness h;
  h.server->send("+OK ready\r\n")
      .expect("USER alice\r\n")
      .send("+OK\r\n")
      .expect("PASS wrong\r\n")
      .send("-ERR [AUTH] Authentication failed.\r\n")
      .expect_close();
  auto s = h.start();
  ASSERT_TRUE(s);
  auto r = s->login("alice", "wrong");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::server_error);
  EXPECT_EQ(r.error().response, resp_code::auth);
  EXPECT_EQ(r.error().command, command_kind::pass);
  EXPECT_EQ(s->last_reply().text, "Authentication failed.");
  EXPECT_EQ(s->last_reply().code_text, "AUTH");
  EXPECT_FALSE(r.error().fatal());
}

TEST(session, crlf_in_credentials_is_refused_before_sending) {
  harness h;
  h.server->send("+OK ready\r\n").expect_close();
  auto s = h.start();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->login("bob\r\nDELE 1", "x").error().code, errc::invalid_argument);
  EXPECT_EQ(s->login(std::string("bob\0x", 5), "x").error().code, errc::invalid_argument);
  s = unexpected(errc::io_error);
  h.server->finish();
  EXPECT_EQ(h.server->received(), "");
}

TEST(session, refused_greeting) {
  harness h;
  h.server->send("-ERR [SYS/TEMP] overloaded\r\n").close();
  auto s = h.start();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, errc::server_error);
  EXPECT_EQ(s.error().command, command_kind::greeting);
  EXPECT_EQ(s.error().response, resp_code::sys_temp);
}

TEST(session, minus_err_to_retr_aborts_sink_and_keeps_session) {
  harness h;
  logged_in(*h.server)
      .expect("RETR 9\r\n")
      .send("-ERR no such message\r\n")
      .expect("NOOP\r\n")
      .send("+OK\r\n")
      .expect_close();
  auto s = h.start();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->login("a", "b"));
  string_sink sink;
  auto r = s->retr(9, sink);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::server_error);
  EXPECT_TRUE(sink.aborted());
  EXPECT_EQ(sink.abort_reason().code, errc::server_error);
  EXPECT_TRUE(s->noop());
  s = unexpected(errc::io_error);
  EXPECT_EQ(h.server->finish(), std::vector<std::string>{});
}

TEST(session, failing_sink_drains_the_message_and_keeps_session) {
  harness h;
  logged_in(*h.server)
      .expect("RETR 1\r\n")
      .send("+OK\r\nline 1\r\nline 2\r\n.\r\n")
      .expect("NOOP\r\n")
      .send("+OK still in step\r\n")
      .expect_close();
  auto s = h.start();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->login("a", "b"));
  int writes = 0;
  callback_sink sink([&](std::string_view) -> result<void> {
    ++writes;
    return unexpected(error(errc::sink_failed, command_kind::none, resp_code::none, ENOSPC));
  });
  auto r = s->retr(1, sink);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::sink_failed);
  EXPECT_EQ(r.error().system_error, ENOSPC);
  EXPECT_GE(writes, 1);
  ASSERT_TRUE(s->noop());
  EXPECT_EQ(s->last_reply().text, "still in step");
  s = unexpected(errc::io_error);
  EXPECT_EQ(h.server->finish(), std::vector<std::string>{});
}

TEST(session, capa_and_pipelining_decision) {
  harness h;
  h.server->send("+OK ready\r\n")
      .expect("CAPA\r\n")
      .send("+OK\r\nTOP\r\nUIDL\r\nPIPELINING\r\nSASL PLAIN\r\n.\r\n")
      .expect_close();
  auto s = h.start();
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->pipelining());  // unknown until CAPA
  EXPECT_EQ(s->last_capa(), nullptr);
  auto lines = s->capa();
  ASSERT_TRUE(lines);
  EXPECT_EQ(*lines, (std::vector<capa_line>{
                        {"TOP", ""}, {"UIDL", ""}, {"PIPELINING", ""}, {"SASL", "PLAIN"}}));
  ASSERT_NE(s->last_capa(), nullptr);
  EXPECT_EQ(*s->last_capa(), *lines);
  const capabilities& caps = s->protocol().server_capabilities();
  EXPECT_TRUE(caps.pipelining);
  EXPECT_TRUE(caps.has_sasl("PLAIN"));
  EXPECT_TRUE(s->pipelining());
  s = unexpected(errc::io_error);
  EXPECT_EQ(h.server->finish(), std::vector<std::string>{});
}

TEST(session, capa_refused) {
  harness h;
  h.server->send("+OK ready\r\n")
      .expect("CAPA\r\n")
      .send("-ERR unknown command\r\n")
      .expect_close();
  auto s = h.start();
  ASSERT_TRUE(s);
  auto caps = s->capa();
  ASSERT_FALSE(caps);
  EXPECT_EQ(caps.error().code, errc::server_error);
  EXPECT_FALSE(s->pipelining());
  s = unexpected(errc::io_error);
  h.server->finish();
}

TEST(session, last_capa_is_forgotten_when_capa_fails) {
  harness h;
  h.server->send("+OK ready\r\n")
      .expect("CAPA\r\n")
      .send("+OK\r\nUSER\r\n.\r\n")
      .expect("CAPA\r\n")
      .send("-ERR [SYS/TEMP] not now\r\n")
      .expect_close();
  auto s = h.start();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->capa());
  ASSERT_NE(s->last_capa(), nullptr);
  EXPECT_EQ(*s->last_capa(), (std::vector<capa_line>{{"USER", ""}}));
  auto again = s->capa();
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, errc::server_error);
  EXPECT_EQ(s->last_capa(), nullptr);
  s = unexpected(errc::io_error);
  EXPECT_EQ(h.server->finish(), std::vector<std::string>{});
}

TEST(session, quit_err_is_reported) {
  harness h;
  logged_in(*h.server)
      .expect("DELE 1\r\n")
      .send("+OK\r\n")
      .expect("QUIT\r\n")
      .send("-ERR some deleted messages not removed\r\n")
      .close();
  auto s = h.start();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->login("a", "b"));
  ASSERT_TRUE(s->dele(1));
  auto q = s->quit();
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().code, errc::server_error);
  EXPECT_EQ(q.error().command, command_kind::quit);
  EXPECT_EQ(h.server->finish(), std::vector<std::string>{});
}

TEST(session, pull_style_retrieval) {
  harness h;
  logged_in(*h.server)
      .expect("RETR 1\r\n")
      .send("+OK\r\nline one\r\n..dot\r\n.\r\n")
      .expect("RETR 2\r\n")
      .send("+OK\r\nwire\r\n..x\r\n.\r\n")
      .expect("RETR 3\r\n")
      .send("+OK\r\nskipped\r\n.\r\n")
      .expect("NOOP\r\n")
      .send("+OK\r\n")
      .expect_close();
  auto s = h.start();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->login("a", "b"));
  EXPECT_EQ(s->read_body_piece().error().code, errc::command_not_allowed);
  auto collect = [&] {
    std::string all;
    for (;;) {
      auto piece = s->read_body_piece();
      EXPECT_TRUE(piece);
      if (!piece) return all;
      all += piece->bytes;
      if (piece->last) return all;
    }
  };
  ASSERT_TRUE(s->begin_retr(1));
  EXPECT_TRUE(s->reading_body());
  EXPECT_EQ(s->noop().error().code, errc::command_not_allowed);  // nothing in between
  EXPECT_EQ(collect(), "line one\r\n.dot\r\n");
  EXPECT_FALSE(s->reading_body());
  ASSERT_TRUE(s->begin_retr(2, body_format::wire));
  EXPECT_EQ(collect(), "wire\r\n..x\r\n.\r\n");
  ASSERT_TRUE(s->begin_retr(3));
  ASSERT_TRUE(s->skip_body());
  EXPECT_FALSE(s->reading_body());
  EXPECT_TRUE(s->noop());
  s = unexpected(errc::io_error);
  EXPECT_EQ(h.server->finish(), std::vector<std::string>{});
}

// A read timeout inside a pull-style body is not fatal: the caller may keep waiting.
TEST(session, pull_style_read_timeout_can_be_retried) {
  harness h;
  logged_in(*h.server)
      .expect("RETR 1\r\n")
      .send("+OK\r\nfirst half ")
      .trickle("x", std::chrono::milliseconds(400))  // longer than idle_timeout
      .send("second half\r\n.\r\n")
      .expect_close();
  session_options o = quick_options();
  o.idle_timeout = std::chrono::milliseconds(150);
  auto s = h.start(o);
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->login("a", "b"));
  ASSERT_TRUE(s->begin_retr(1));
  std::string all;
  int timeouts = 0;
  for (;;) {
    auto piece = s->read_body_piece();
    if (!piece) {
      ASSERT_EQ(piece.error().code, errc::timeout);
      ASSERT_TRUE(s->reading_body());
      ++timeouts;
      continue;
    }
    all += piece->bytes;
    if (piece->last) break;
  }
  EXPECT_GE(timeouts, 1);
  EXPECT_EQ(all, "first half xsecond half\r\n");
  s = unexpected(errc::io_error);
  EXPECT_EQ(h.server->finish(), std::vector<std::string>{});
}

}  // namespace
}  // namespace pop3::test
