// The blocking session against a real Dovecot on loopback, compared byte for byte with the
// mail the fixture stored.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "pop3/session.hpp"
#include "support/dovecot_server.hpp"
#include "support/sample_mail.hpp"

namespace pop3::test {
namespace {

const std::string password = "p4ss word";  // with a space: PASS takes the rest of the line

class dovecot_session : public ::testing::Test {
 protected:
  dovecot_session() : server_({{"alice", password}, {"bob", password}}) {
    mail_ = generate_sample_mail({});
    server_.deliver("alice", mail_);
  }

  session open(const std::string& user = "alice") {
    auto s = session::connect(server_.host(), server_.port());
    EXPECT_TRUE(s) << name(s.error().code);
    EXPECT_TRUE(s->login(user, password)) << s->last_reply().text;
    return std::move(*s);
  }

  dovecot_server server_;
  std::vector<sample_message> mail_;
};

TEST_F(dovecot_session, user_pass_stat_matches_the_mail_on_disk) {
  session s = open();
  const auto st = s.stat();
  ASSERT_TRUE(st);
  std::uint64_t octets = 0;
  for (const auto& m : mail_)
    octets += m.wire().size();
  EXPECT_EQ(st->count, mail_.size());
  EXPECT_EQ(st->octets, octets);
  EXPECT_TRUE(s.quit());
}

TEST_F(dovecot_session, apop_login) {
  auto s = session::connect(server_.host(), server_.port());
  ASSERT_TRUE(s);
  ASSERT_FALSE(s->apop_timestamp().empty()) << s->greeting();  // <pid.n.time.BASE64==@host>
  ASSERT_TRUE(s->login("alice", password, login_method::apop)) << s->last_reply().text;
  EXPECT_EQ(s->stat()->count, mail_.size());
  EXPECT_TRUE(s->quit());
}

TEST_F(dovecot_session, wrong_password_surfaces_the_auth_code) {
  for (login_method method : {login_method::user_pass, login_method::apop}) {
    auto s = session::connect(server_.host(), server_.port());
    ASSERT_TRUE(s);
    auto r = s->login("alice", "wrong", method);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, errc::server_error);
    EXPECT_EQ(r.error().response, resp_code::auth);
    EXPECT_EQ(s->last_reply().text, "Authentication failed.");
    EXPECT_EQ(s->protocol().state(), session_state::authorization);
  }
}

TEST_F(dovecot_session, list_uidl_and_top_agree_with_each_other_and_the_disk) {
  session s = open();
  const auto list = s.list();
  const auto uidl = s.uidl();
  ASSERT_TRUE(list);
  ASSERT_TRUE(uidl);
  ASSERT_EQ(list->size(), mail_.size());
  ASSERT_EQ(uidl->size(), mail_.size());
  std::set<std::string> uids;
  for (std::size_t i = 0; i < mail_.size(); ++i) {
    const auto n = static_cast<std::uint32_t>(i + 1);
    EXPECT_EQ((*list)[i], (list_entry{n, mail_[i].wire().size()}));
    EXPECT_EQ((*uidl)[i].message, n);
    uids.insert((*uidl)[i].uid);
    EXPECT_EQ(s.list(n).value(), (*list)[i]);
    EXPECT_EQ(s.uidl(n).value(), (*uidl)[i]);
    string_sink headers;
    ASSERT_TRUE(s.top(n, 0, headers));
    const std::string& wire = mail_[i].wire();
    EXPECT_EQ(headers.data(), wire.substr(0, wire.find("\r\n\r\n") + 4)) << mail_[i].id;
  }
  EXPECT_EQ(uids.size(), mail_.size());  // unique
  EXPECT_TRUE(s.quit());
}

TEST_F(dovecot_session, retr_is_byte_exact_for_every_message) {
  session s = open();
  bool saw_big = false;
  for (std::size_t i = 0; i < mail_.size(); ++i) {
    string_sink body;
    auto octets = s.retr(static_cast<std::uint32_t>(i + 1), body);
    ASSERT_TRUE(octets) << mail_[i].id;
    EXPECT_EQ(*octets, mail_[i].wire().size()) << mail_[i].id;
    EXPECT_TRUE(body.data() == mail_[i].wire()) << mail_[i].id << " differs";
    saw_big = saw_big || body.data().size() > (4u << 20);
  }
  EXPECT_TRUE(saw_big);  // the multi-MiB message was among them
  EXPECT_TRUE(s.quit());
}

TEST_F(dovecot_session, dele_then_quit_removes) {
  server_.deliver("bob", generate_small_mail(5, 7));
  {
    session s = open("bob");
    ASSERT_TRUE(s.dele(2));
    ASSERT_TRUE(s.dele(4));
    EXPECT_EQ(s.stat()->count, 3u);
    ASSERT_TRUE(s.quit());
  }
  EXPECT_EQ(server_.maildir_message_count("bob"), 3u);
  session s = open("bob");
  EXPECT_EQ(s.stat()->count, 3u);
  EXPECT_TRUE(s.quit());
}

TEST_F(dovecot_session, dele_then_rset_keeps) {
  server_.deliver("bob", generate_small_mail(5, 7));
  {
    session s = open("bob");
    ASSERT_TRUE(s.dele(1));
    ASSERT_TRUE(s.dele(5));
    ASSERT_TRUE(s.rset());
    EXPECT_EQ(s.stat()->count, 5u);
    ASSERT_TRUE(s.quit());
  }
  EXPECT_EQ(server_.maildir_message_count("bob"), 5u);
}

// RFC 1939 §6: without QUIT the server never enters UPDATE; nothing is deleted.
TEST_F(dovecot_session, dele_then_dropped_connection_keeps) {
  const auto small = generate_small_mail(5, 7);
  server_.deliver("bob", small);
  {
    session s = open("bob");
    ASSERT_TRUE(s.dele(1));
    ASSERT_TRUE(s.dele(3));
  }  // destroyed: the connection closes without QUIT
  EXPECT_EQ(server_.maildir_message_count("bob"), 5u);
  session s = open("bob");
  EXPECT_EQ(s.stat()->count, 5u);
  string_sink first;
  ASSERT_TRUE(s.retr(1, first));
  EXPECT_EQ(first.data(), small[0].wire());
  EXPECT_TRUE(s.quit());
}

TEST_F(dovecot_session, pipelined_batch_of_200_equals_one_by_one) {
  const auto small = generate_small_mail(200, 11);
  server_.deliver("bob", small);
  std::vector<std::uint32_t> all;
  for (std::uint32_t n = 1; n <= 200; ++n)
    all.push_back(n);

  auto fetch = [&](pipelining_mode mode) {
    session_options o;
    o.pipelining = mode;
    auto s = session::connect(server_.host(), server_.port(), o);
    EXPECT_TRUE(s);
    EXPECT_TRUE(s->login("bob", password));
    EXPECT_TRUE(s->capa());
    std::map<std::uint32_t, string_sink> sinks;
    auto items = s->retr_many(all, [&](std::uint32_t m) -> body_sink& { return sinks[m]; });
    EXPECT_TRUE(items);
    for (const auto& item : *items)
      EXPECT_TRUE(item.outcome) << item.message;
    EXPECT_EQ(mode == pipelining_mode::automatic, s->pipelining());
    EXPECT_TRUE(s->quit());
    std::vector<std::string> bodies;
    for (auto& [m, sink] : sinks)
      bodies.push_back(sink.data());
    return bodies;
  };
  const auto pipelined = fetch(pipelining_mode::automatic);  // Dovecot announces PIPELINING
  const auto one_by_one = fetch(pipelining_mode::off);
  ASSERT_EQ(pipelined.size(), 200u);
  EXPECT_TRUE(pipelined == one_by_one);
  for (std::size_t i = 0; i < 200; ++i)
    EXPECT_EQ(pipelined[i], small[i].wire()) << i;
}

TEST_F(dovecot_session, ipv6_loopback) {
  auto s = session::connect("::1", server_.port());
  ASSERT_TRUE(s) << name(s.error().code);
  EXPECT_EQ(s->peer(), "[::1]:" + std::to_string(server_.port()));
  ASSERT_TRUE(s->login("alice", password));
  EXPECT_EQ(s->stat()->count, mail_.size());
  EXPECT_TRUE(s->quit());
}

TEST_F(dovecot_session, capa_before_and_after_login) {
  auto s = session::connect(server_.host(), server_.port());
  ASSERT_TRUE(s);
  auto before = s->capa();
  ASSERT_TRUE(before);
  const capabilities& caps = s->protocol().server_capabilities();
  EXPECT_TRUE(caps.user);
  EXPECT_TRUE(caps.pipelining);
  EXPECT_TRUE(caps.has_sasl("PLAIN"));
  EXPECT_TRUE(caps.has_sasl("SCRAM-SHA-256"));
  ASSERT_TRUE(s->login("alice", password));
  ASSERT_TRUE(s->capa());
  EXPECT_FALSE(s->protocol().server_capabilities().user);  // Dovecot drops USER after login
  EXPECT_TRUE(s->protocol().server_capabilities().top);
  EXPECT_TRUE(s->quit());
}

}  // namespace
}  // namespace pop3::test
