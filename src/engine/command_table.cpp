#include "command_table.hpp"

namespace pop3::detail {
namespace {

constexpr auto S = reply_shape::single;
constexpr auto M = reply_shape::multiline;

// clang-format off
// kind                        keyword      AUTHZ  TRANS  no arg  arg  exclusive
constexpr command_rule rules[] = {
  {command_kind::none,          "",          false, false, S, S, false},
  {command_kind::greeting,      "greeting",  false, false, S, S, false},
  {command_kind::user,          "USER",      true,  false, S, S, false},
  {command_kind::pass,          "PASS",      true,  false, S, S, false},
  {command_kind::apop,          "APOP",      true,  false, S, S, false},
  {command_kind::auth,          "AUTH",      true,  false, S, S, true },
  {command_kind::sasl_response, "(response)",false, false, S, S, false},
  {command_kind::stls,          "STLS",      true,  false, S, S, true },
  {command_kind::capa,          "CAPA",      true,  true,  M, M, false},
  {command_kind::stat,          "STAT",      false, true,  S, S, false},
  {command_kind::list,          "LIST",      false, true,  M, S, false},
  {command_kind::uidl,          "UIDL",      false, true,  M, S, false},
  {command_kind::top,           "TOP",       false, true,  M, M, false},
  {command_kind::retr,          "RETR",      false, true,  M, M, false},
  {command_kind::dele,          "DELE",      false, true,  S, S, false},
  {command_kind::rset,          "RSET",      false, true,  S, S, false},
  {command_kind::noop,          "NOOP",      false, true,  S, S, false},
  {command_kind::quit,          "QUIT",      true,  true,  S, S, false},
  {command_kind::utf8,          "UTF8",      true,  false, S, S, false},
  {command_kind::lang,          "LANG",      true,  true,  M, S, false},
};
// clang-format on

static_assert(sizeof(rules) / sizeof(rules[0]) == static_cast<unsigned>(command_kind::lang) + 1,
              "one rule per command_kind, in enum order");

}  // namespace

const command_rule& rule_for(command_kind kind) noexcept {
  return rules[static_cast<unsigned>(kind)];
}

bool is_allowed(const session_position& position, command_kind kind) noexcept {
  const command_rule& rule = rule_for(kind);
  switch (position.state) {
    case session_state::authorization:
      if (kind == command_kind::pass) return position.user_accepted;  // RFC 1939 §7
      if (kind == command_kind::stls) return !position.tls_active;    // RFC 2595 §4
      return rule.in_authorization;
    case session_state::transaction:
      return rule.in_transaction;
    case session_state::greeting:
    case session_state::update:
    case session_state::tls_handshake:
    case session_state::closed:
      return false;
  }
  return false;
}

session_position after_reply(session_position position, command_kind kind, bool ok) noexcept {
  // PASS may only follow a successful USER directly; any other command breaks the pair.
  position.user_accepted = kind == command_kind::user && ok;
  switch (kind) {
    case command_kind::greeting:
      position.state = ok ? session_state::authorization : session_state::closed;
      break;
    case command_kind::pass:
    case command_kind::apop:
    case command_kind::auth:
      if (ok) position.state = session_state::transaction;
      break;
    case command_kind::stls:
      if (ok) position.state = session_state::tls_handshake;
      break;
    case command_kind::quit:
      position.state = session_state::closed;  // after QUIT the server closes, +OK or not
      break;
    default:
      break;
  }
  return position;
}

session_position after_tls_handshake(session_position position) noexcept {
  position.state = session_state::authorization;
  position.user_accepted = false;
  position.tls_active = true;
  return position;
}

session_position after_close(session_position position) noexcept {
  position.state = session_state::closed;
  position.user_accepted = false;
  return position;
}

}  // namespace pop3::detail

namespace pop3 {

std::string_view keyword(command_kind kind) noexcept {
  return detail::rule_for(kind).keyword;
}

}  // namespace pop3
