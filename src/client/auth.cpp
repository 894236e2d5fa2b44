// Login policy: which method, and running it.
#include "pop3/auth.hpp"

#include <algorithm>
#include <cctype>

#include "sasl/sasl_client.hpp"

namespace pop3 {
namespace {

struct mechanism_name {
  auth_mechanism mechanism;
  std::string_view name;  // as the CLI and config spell it
  std::string_view sasl;  // as the SASL capability and AUTH spell it ("" for non-SASL)
};

constexpr mechanism_name names[] = {
    {auth_mechanism::automatic, "auto", ""},
    {auth_mechanism::user, "user", ""},
    {auth_mechanism::apop, "apop", ""},
    {auth_mechanism::plain, "plain", "PLAIN"},
    {auth_mechanism::login, "login", "LOGIN"},
    {auth_mechanism::cram_md5, "cram-md5", "CRAM-MD5"},
    {auth_mechanism::scram_sha_1, "scram-sha-1", "SCRAM-SHA-1"},
    {auth_mechanism::scram_sha_256, "scram-sha-256", "SCRAM-SHA-256"},
    {auth_mechanism::xoauth2, "xoauth2", "XOAUTH2"},
    {auth_mechanism::oauthbearer, "oauthbearer", "OAUTHBEARER"},
    {auth_mechanism::external, "external", "EXTERNAL"},
};

const mechanism_name& row(auth_mechanism m) {
  for (const auto& r : names)
    if (r.mechanism == m) return r;
  return names[0];
}

bool has_line_breaker(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

std::unique_ptr<detail::sasl_client> sasl_client_for(auth_mechanism m, const credentials& who,
                                                     const auth_options& options) {
  switch (m) {
    case auth_mechanism::plain:
      return detail::make_plain(who);
    case auth_mechanism::login:
      return detail::make_login(who);
    case auth_mechanism::cram_md5:
      return detail::make_cram_md5(who);
    case auth_mechanism::scram_sha_1:
      return detail::make_scram(false, who);
    case auth_mechanism::scram_sha_256:
      return detail::make_scram(true, who);
    case auth_mechanism::xoauth2:
      return detail::make_xoauth2(who, options.xoauth2_one_step);
    case auth_mechanism::oauthbearer:
      return detail::make_oauthbearer(who, options.host, options.port);
    case auth_mechanism::external:
      return detail::make_external(who);
    default:
      return nullptr;
  }
}

}  // namespace

std::string_view to_string(auth_mechanism mechanism) noexcept {
  return row(mechanism).name;
}

result<auth_mechanism> parse_auth_mechanism(std::string_view name) {
  for (const auto& r : names) {
    if (r.name.size() == name.size() &&
        std::equal(name.begin(), name.end(), r.name.begin(),
                   [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; }))
      return r.mechanism;
  }
  return unexpected(errc::invalid_argument);
}

result<auth_mechanism> choose_mechanism(const session& s, const auth_options& options) {
  if (options.mechanism != auth_mechanism::automatic) return options.mechanism;
  const capabilities& caps = s.protocol().server_capabilities();
  // SCRAM never shows the password to the server or the network; the rest does, so only
  // inside TLS with a server whose certificate was checked (security-cases.md 14: local
  // policy decides, not the server's list; RFC 8314 §5: unverified TLS is not confidential).
  for (auth_mechanism m : {auth_mechanism::scram_sha_256, auth_mechanism::scram_sha_1})
    if (caps.has_sasl(row(m).sasl)) return m;
  if (const tls_details* tls = s.tls(); tls != nullptr && tls->verified) {
    for (auth_mechanism m : {auth_mechanism::plain, auth_mechanism::login})
      if (caps.has_sasl(row(m).sasl)) return m;
    // USER is RFC 1939's baseline: a server without CAPA has it.
    if (caps.user || !caps.known()) return auth_mechanism::user;
  }
  return unexpected(errc::no_acceptable_mechanism);
}

result<auth_mechanism> authenticate(session& s, const credentials& who,
                                    const auth_options& options) {
  if (has_line_breaker(who.user) || has_line_breaker(who.secret) || has_line_breaker(who.authzid))
    return unexpected(errc::invalid_argument);
  auto chosen = choose_mechanism(s, options);
  if (!chosen) return unexpected(chosen.error());
  if (who.user.empty() && *chosen != auth_mechanism::external)
    return unexpected(errc::invalid_argument);

  // RFC 6856: UTF-8 user names and passwords need UTF8 first, where the server has it.
  const capabilities& caps = s.protocol().server_capabilities();
  if (caps.utf8 && (!is_ascii(who.user) || !is_ascii(who.secret))) {
    if (auto utf8 = s.utf8(); !utf8 && utf8.error().fatal()) return unexpected(utf8.error());
  }

  switch (*chosen) {
    case auth_mechanism::user:
      POP3_TRY(s.login(who.user, who.secret, login_method::user_pass));
      return *chosen;
    case auth_mechanism::apop:
      POP3_TRY(s.login(who.user, who.secret, login_method::apop));
      return *chosen;
    default:
      break;
  }
  auto mechanism = sasl_client_for(*chosen, who, options);
  POP3_TRY(s.sasl(mechanism->name(), mechanism->initial_response(),
                  [&](std::string_view challenge) { return mechanism->respond(challenge); }));
  if (auto verified = mechanism->succeeded(); !verified) {
    s.close_untrusted();  // logged in with a server that did not prove itself: leave
    return unexpected(error(verified.error().code, command_kind::auth));
  }
  return *chosen;
}

}  // namespace pop3
