// The table of keys (key_rules.hpp): the one place that says which keys exist, what values
// they take, and where each goes in an account_config.
#include "config/key_rules.hpp"

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "config/diagnostics.hpp"
#include "config/value_readers.hpp"
#include "pop3/auth.hpp"
#include "pop3/tls.hpp"

namespace pop3::agent::detail {
namespace {

using apply_result = result<void>;

apply_result store_text(const config_entry& e, const config_context& c, std::string& target,
                        std::string& why) {
  auto text = text_of(e, c, why);
  if (!text) return unexpected(text.error());
  target = std::move(*text);
  return {};
}

template <class Target>
apply_result store_path(const config_entry& e, const config_context& c, Target& target,
                        std::string& why) {
  auto path = path_of(e, c, why);
  if (!path) return unexpected(path.error());
  target = std::move(*path);
  return {};
}

apply_result store_flag(const config_entry& e, const config_context& c, bool& target,
                        std::string& why) {
  auto flag = flag_of(e, c, why);
  if (!flag) return unexpected(flag.error());
  target = *flag;
  return {};
}

apply_result store_delivery(const config_entry& e, const config_context& c, delivery_kind kind,
                            account_config& a, std::string& why) {
  std::string target;
  if (kind == delivery_kind::mda) {
    // A command for the shell, which expands "~" itself; nothing to resolve.
    POP3_TRY(store_text(e, c, target, why));
  } else {
    auto path = path_of(e, c, why);
    if (!path) return unexpected(path.error());
    target = path->string();
  }
  a.delivery = kind;
  a.delivery_target = std::move(target);
  return {};
}

apply_result apply_host(const config_entry& e, const config_context& c, account_config& a,
                        std::string& why) {
  return store_text(e, c, a.host, why);
}

apply_result apply_port(const config_entry& e, const config_context& c, account_config& a,
                        std::string& why) {
  auto port = integer_of(e, c, why);
  if (!port) return unexpected(port.error());
  if (*port < 1 || *port > 65535)
    return refuse(e, c, std::to_string(*port) + " is out of range 1-65535", why);
  a.port = static_cast<std::uint16_t>(*port);
  return {};
}

apply_result apply_tls(const config_entry& e, const config_context& c, account_config& a,
                       std::string& why) {
  auto mode = choice_of<tls_mode>(e, c,
                                  {{"implicit", tls_mode::implicit},
                                   {"starttls", tls_mode::starttls},
                                   {"none", tls_mode::none}},
                                  why);
  if (!mode) return unexpected(mode.error());
  a.tls = *mode;
  return {};
}

apply_result apply_user(const config_entry& e, const config_context& c, account_config& a,
                        std::string& why) {
  return store_text(e, c, a.user, why);
}

apply_result apply_auth(const config_entry& e, const config_context& c, account_config& a,
                        std::string& why) {
  auto name = text_of(e, c, why);
  if (!name) return unexpected(name.error());
  auto mechanism = parse_auth_mechanism(*name);
  if (!mechanism)
    return refuse(e, c,
                  quote_value(*name) +
                      " is not a login method: auto, user, apop, plain, login, cram-md5, "
                      "scram-sha-1, scram-sha-256, xoauth2, oauthbearer, external",
                  why);
  a.auth = *mechanism;
  return {};
}

apply_result apply_xoauth2_one_step(const config_entry& e, const config_context& c,
                                    account_config& a, std::string& why) {
  return store_flag(e, c, a.xoauth2_one_step, why);
}

apply_result apply_password_command(const config_entry& e, const config_context& c,
                                    account_config& a, std::string& why) {
  std::string command;
  POP3_TRY(store_text(e, c, command, why));
  a.password.command = std::move(command);
  return {};
}

apply_result apply_password_file(const config_entry& e, const config_context& c, account_config& a,
                                 std::string& why) {
  return store_path(e, c, a.password.file, why);
}

apply_result apply_password(const config_entry& e, const config_context& c, account_config& a,
                            std::string& why) {
  if ((c.mode & 077U) != 0) {
    why = message_at(c.file, e.key_at, e.path,
                     "password in a file that others can read: chmod 600 " + c.file +
                         ", or use password_command / password_file");
    return unexpected(errc::invalid_argument);
  }
  std::string password;
  POP3_TRY(store_text(e, c, password, why));
  a.password.value = std::move(password);
  return {};
}

apply_result apply_password_env(const config_entry& e, const config_context& c, account_config& a,
                                std::string& why) {
  auto name = text_of(e, c, why);
  if (!name) return unexpected(name.error());
  if (name->find('=') != std::string::npos)
    return refuse(e, c, quote_value(*name) + " is not a variable name: it contains =", why);
  a.password.environment = std::move(*name);
  return {};
}

apply_result apply_cafile(const config_entry& e, const config_context& c, account_config& a,
                          std::string& why) {
  return store_path(e, c, a.ca_file, why);
}

apply_result apply_pins(const config_entry& e, const config_context& c, account_config& a,
                        std::string& why) {
  const auto* list = e.value->as_array();
  if (list == nullptr) return refuse_type(e, c, "an array of strings", why);
  std::vector<certificate_pin> pins;
  for (std::size_t i = 0; i < list->size(); ++i) {
    config_entry element{e.rule, list->get(i), e.key_at, e.path + "[" + std::to_string(i) + "]"};
    auto text = text_of(element, c, why);
    if (!text) return unexpected(text.error());
    auto pin = parse_certificate_pin(*text);
    if (!pin)
      return refuse(element, c,
                    quote_value(*text) +
                        " is not a pin: sha256: followed by 64 hex digits or 44 base64 "
                        "characters",
                    why);
    pins.push_back(*pin);
  }
  a.pins = std::move(pins);
  return {};
}

apply_result apply_insecure(const config_entry& e, const config_context& c, account_config& a,
                            std::string& why) {
  return store_flag(e, c, a.insecure, why);
}

apply_result apply_cert(const config_entry& e, const config_context& c, account_config& a,
                        std::string& why) {
  return store_path(e, c, a.client_certificate, why);
}

apply_result apply_key(const config_entry& e, const config_context& c, account_config& a,
                       std::string& why) {
  return store_path(e, c, a.client_key, why);
}

apply_result apply_maildir(const config_entry& e, const config_context& c, account_config& a,
                           std::string& why) {
  return store_delivery(e, c, delivery_kind::maildir, a, why);
}

apply_result apply_mbox(const config_entry& e, const config_context& c, account_config& a,
                        std::string& why) {
  return store_delivery(e, c, delivery_kind::mbox, a, why);
}

apply_result apply_mda(const config_entry& e, const config_context& c, account_config& a,
                       std::string& why) {
  return store_delivery(e, c, delivery_kind::mda, a, why);
}

apply_result apply_line_ending(const config_entry& e, const config_context& c, account_config& a,
                               std::string& why) {
  auto ends =
      choice_of<line_ending>(e, c, {{"lf", line_ending::lf}, {"crlf", line_ending::crlf}}, why);
  if (!ends) return unexpected(ends.error());
  a.ends = *ends;
  return {};
}

apply_result apply_keep(const config_entry& e, const config_context& c, account_config& a,
                        std::string& why) {
  return store_flag(e, c, a.keep, why);
}

apply_result apply_keep_days(const config_entry& e, const config_context& c, account_config& a,
                             std::string& why) {
  auto days = integer_of(e, c, why);
  if (!days) return unexpected(days.error());
  if (*days < 0)
    return refuse(e, c, std::to_string(*days) + " is negative: a number of days, 0 or more", why);
  if (*days > std::numeric_limits<std::uint32_t>::max())
    return refuse(e, c, std::to_string(*days) + " is too large: at most 4294967295 days", why);
  a.keep_days = static_cast<std::uint32_t>(*days);
  return {};
}

apply_result apply_only_new(const config_entry& e, const config_context& c, account_config& a,
                            std::string& why) {
  return store_flag(e, c, a.only_new, why);
}

apply_result apply_max_size(const config_entry& e, const config_context& c, account_config& a,
                            std::string& why) {
  std::uint64_t size = 0;
  if (const auto* integer = e.value->as_integer()) {
    if (integer->get() < 1)
      return refuse(e, c, std::to_string(integer->get()) + " is not a positive size", why);
    size = static_cast<std::uint64_t>(integer->get());
  } else if (e.value->is_string()) {
    auto text = text_of(e, c, why);
    if (!text) return unexpected(text.error());
    auto parsed = parse_size(*text);
    if (!parsed)
      return refuse(
          e, c,
          quote_value(*text) + " is not a size: digits with an optional K, M or G, as \"25M\"",
          why);
    if (*parsed == 0) return refuse(e, c, quote_value(*text) + " is not a positive size", why);
    size = *parsed;
  } else {
    return refuse_type(e, c, "an integer or a string", why);
  }
  a.max_size = size;
  return {};
}

apply_result apply_max_size_action(const config_entry& e, const config_context& c,
                                   account_config& a, std::string& why) {
  auto action = choice_of<oversize_action>(e, c,
                                           {{"skip", oversize_action::skip},
                                            {"delete", oversize_action::remove},
                                            {"warn", oversize_action::warn}},
                                           why);
  if (!action) return unexpected(action.error());
  a.max_size_action = *action;
  return {};
}

apply_result apply_pipelining(const config_entry& e, const config_context& c, account_config& a,
                              std::string& why) {
  auto mode = choice_of<pipelining_mode>(e, c,
                                         {{"auto", pipelining_mode::automatic},
                                          {"on", pipelining_mode::on},
                                          {"off", pipelining_mode::off}},
                                         why);
  if (!mode) return unexpected(mode.error());
  a.pipelining = *mode;
  return {};
}

apply_result apply_timeout(const config_entry& e, const config_context& c, account_config& a,
                           std::string& why) {
  // The bounds keep the conversion to milliseconds exact and away from 0 (no timeout).
  constexpr double shortest = 0.001, longest = 86400;
  double seconds = 0;
  if (const auto* integer = e.value->as_integer()) {
    if (integer->get() < 1 || integer->get() > 86400)
      return refuse(e, c, std::to_string(integer->get()) + " is out of range 0.001-86400 seconds",
                    why);
    seconds = static_cast<double>(integer->get());
  } else if (const auto* number = e.value->as_floating_point()) {
    seconds = number->get();
    if (!std::isfinite(seconds) || seconds < shortest || seconds > longest)
      return refuse(e, c, "out of range 0.001-86400 seconds", why);
  } else {
    return refuse_type(e, c, "a number of seconds", why);
  }
  a.timeout_seconds = seconds;
  return {};
}

constexpr auto none = key_group::none;
constexpr std::array rules{
    key_rule{"host", none, apply_host},
    key_rule{"port", none, apply_port},
    key_rule{"tls", none, apply_tls},
    key_rule{"user", none, apply_user},
    key_rule{"auth", none, apply_auth},
    key_rule{"xoauth2_one_step", none, apply_xoauth2_one_step},
    key_rule{"password_command", key_group::password_source, apply_password_command},
    key_rule{"password_file", key_group::password_source, apply_password_file},
    key_rule{"password", key_group::password_source, apply_password},
    // A source of its own: with another one in effect it would be silently ignored, so it
    // is one of the group (an account that names it inherits no other source).
    key_rule{"password_env", key_group::password_source, apply_password_env},
    key_rule{"cafile", none, apply_cafile},
    key_rule{"pins", none, apply_pins},
    key_rule{"insecure", none, apply_insecure},
    key_rule{"cert", key_group::client_certificate, apply_cert},
    key_rule{"key", key_group::client_certificate, apply_key},
    key_rule{"maildir", key_group::delivery, apply_maildir},
    key_rule{"mbox", key_group::delivery, apply_mbox},
    key_rule{"mda", key_group::delivery, apply_mda},
    key_rule{"line_ending", none, apply_line_ending},
    key_rule{"keep", none, apply_keep},
    key_rule{"keep_days", none, apply_keep_days},
    key_rule{"only_new", none, apply_only_new},
    key_rule{"max_size", none, apply_max_size},
    key_rule{"max_size_action", none, apply_max_size_action},
    key_rule{"pipelining", none, apply_pipelining},
    key_rule{"timeout", none, apply_timeout},
};

}  // namespace

const key_rule* find_key_rule(std::string_view name) {
  for (const auto& rule : rules)
    if (rule.name == name) return &rule;
  return nullptr;
}

std::string_view unknown_key_message(const toml::node& value) {
  return value.is_table() ? "unknown table" : "unknown key";
}

}  // namespace pop3::agent::detail
