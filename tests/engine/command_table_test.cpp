#include "command_table.hpp"

#include <gtest/gtest.h>

namespace pop3::detail {
namespace {

constexpr command_kind all_commands[] = {command_kind::user, command_kind::pass, command_kind::apop,
                                         command_kind::auth, command_kind::stls, command_kind::capa,
                                         command_kind::stat, command_kind::list, command_kind::uidl,
                                         command_kind::top,  command_kind::retr, command_kind::dele,
                                         command_kind::rset, command_kind::noop, command_kind::quit,
                                         command_kind::utf8, command_kind::lang};

// RFC 1939 §4-7, RFC 2449, RFC 2595, RFC 6856: which commands each state allows.
TEST(command_table, allowed_in_authorization) {
  const session_position authz{session_state::authorization, false, false};
  for (command_kind k : all_commands) {
    const bool expected = k == command_kind::user || k == command_kind::apop ||
                          k == command_kind::auth || k == command_kind::stls ||
                          k == command_kind::capa || k == command_kind::quit ||
                          k == command_kind::utf8 || k == command_kind::lang;
    EXPECT_EQ(is_allowed(authz, k), expected) << keyword(k);
  }
}

TEST(command_table, allowed_in_transaction) {
  const session_position trans{session_state::transaction, false, false};
  for (command_kind k : all_commands) {
    const bool expected =
        k == command_kind::capa || k == command_kind::stat || k == command_kind::list ||
        k == command_kind::uidl || k == command_kind::top || k == command_kind::retr ||
        k == command_kind::dele || k == command_kind::rset || k == command_kind::noop ||
        k == command_kind::quit || k == command_kind::lang;
    EXPECT_EQ(is_allowed(trans, k), expected) << keyword(k);
  }
}

TEST(command_table, nothing_allowed_outside_authorization_and_transaction) {
  for (session_state s : {session_state::greeting, session_state::update,
                          session_state::tls_handshake, session_state::closed})
    for (command_kind k : all_commands)
      EXPECT_FALSE(is_allowed({s, true, false}, k));
}

TEST(command_table, pass_only_right_after_accepted_user) {
  session_position p{session_state::authorization, false, false};
  EXPECT_FALSE(is_allowed(p, command_kind::pass));
  p = after_reply(p, command_kind::user, true);
  EXPECT_TRUE(is_allowed(p, command_kind::pass));
  EXPECT_FALSE(is_allowed(after_reply(p, command_kind::capa, true), command_kind::pass));
  EXPECT_FALSE(is_allowed(after_reply(p, command_kind::pass, false), command_kind::pass));
  EXPECT_FALSE(is_allowed(after_reply({session_state::authorization}, command_kind::user, false),
                          command_kind::pass));
}

TEST(command_table, stls_not_twice) {
  session_position p{session_state::authorization, false, false};
  EXPECT_TRUE(is_allowed(p, command_kind::stls));
  p = after_reply(p, command_kind::stls, true);
  EXPECT_EQ(p.state, session_state::tls_handshake);
  p = after_tls_handshake(p);
  EXPECT_EQ(p.state, session_state::authorization);
  EXPECT_FALSE(is_allowed(p, command_kind::stls));
  EXPECT_TRUE(is_allowed(p, command_kind::user));
}

TEST(command_table, transitions) {
  const session_position authz{session_state::authorization};
  EXPECT_EQ(after_reply({}, command_kind::greeting, true).state, session_state::authorization);
  EXPECT_EQ(after_reply({}, command_kind::greeting, false).state, session_state::closed);
  for (command_kind login : {command_kind::pass, command_kind::apop, command_kind::auth}) {
    EXPECT_EQ(after_reply(authz, login, true).state, session_state::transaction);
    EXPECT_EQ(after_reply(authz, login, false).state, session_state::authorization);
  }
  EXPECT_EQ(after_reply(authz, command_kind::stls, false).state, session_state::authorization);
  EXPECT_EQ(after_reply(authz, command_kind::quit, true).state, session_state::closed);
  EXPECT_EQ(after_reply({session_state::transaction}, command_kind::quit, false).state,
            session_state::closed);
  EXPECT_EQ(after_reply({session_state::transaction}, command_kind::dele, true).state,
            session_state::transaction);
  EXPECT_EQ(after_close({session_state::transaction}).state, session_state::closed);
}

// curl's pop3cmds[] idea: which replies are multi-line.
TEST(command_table, reply_shapes) {
  auto multi = [](command_kind k, bool arg) {
    const auto& r = rule_for(k);
    return (arg ? r.with_argument : r.without_argument) == reply_shape::multiline;
  };
  EXPECT_TRUE(multi(command_kind::list, false));
  EXPECT_FALSE(multi(command_kind::list, true));
  EXPECT_TRUE(multi(command_kind::uidl, false));
  EXPECT_FALSE(multi(command_kind::uidl, true));
  EXPECT_TRUE(multi(command_kind::retr, true));
  EXPECT_TRUE(multi(command_kind::top, true));
  EXPECT_TRUE(multi(command_kind::capa, false));
  EXPECT_TRUE(multi(command_kind::lang, false));
  EXPECT_FALSE(multi(command_kind::lang, true));
  for (command_kind k :
       {command_kind::user, command_kind::pass, command_kind::apop, command_kind::stat,
        command_kind::dele, command_kind::noop, command_kind::rset, command_kind::quit,
        command_kind::stls, command_kind::utf8})
    EXPECT_FALSE(multi(k, false) || multi(k, true)) << keyword(k);
  EXPECT_TRUE(rule_for(command_kind::stls).exclusive);
  EXPECT_TRUE(rule_for(command_kind::auth).exclusive);
}

}  // namespace
}  // namespace pop3::detail
