// pop3 serverinfo: what a server offers, without logging in — its greeting, its capabilities
// before and after TLS, the TLS parameters and certificate, and the login method `auto` would
// choose. Everything from the server is escaped and bounded before it is printed.
#include <fmt/core.h>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "connection.hpp"
#include "pop3/tcp_transport.hpp"
#include "report.hpp"

namespace pop3::cli {
namespace {

using json = nlohmann::json;

struct server_facts {
  std::string peer;
  std::string greeting;
  std::optional<std::vector<capa_line>> before_tls;  // starttls only
  std::vector<capa_line> capabilities;
  std::vector<capa_line> languages;  // RFC 6856 LANG, if the server lists it
  const tls_details* tls = nullptr;
  std::string sasl;
  std::string auto_choice;  // empty: none acceptable
};

std::string capa_text(const capa_line& l) {
  return printable(l.arguments.empty() ? l.name : l.name + " " + l.arguments);
}

json capa_json(const std::vector<capa_line>& lines) {
  json out = json::array();
  for (const auto& l : lines)
    out.push_back(capa_text(l));
  return out;
}

json tls_json(const tls_details& t) {
  return {{"version", t.version},
          {"cipher", t.cipher},
          {"subject", printable(t.subject, 500)},
          {"issuer", printable(t.issuer, 500)},
          {"not_before", t.not_before},
          {"not_after", t.not_after},
          {"sha256_fingerprint", fingerprint_text(t.certificate_sha256)},
          {"public_key_sha256", fingerprint_text(t.public_key_sha256)},
          {"verified", t.verified}};
}

json sasl_json(std::string_view mechanisms) {
  json out = json::array();
  while (!mechanisms.empty()) {
    const std::size_t space = mechanisms.find(' ');
    if (space != 0) out.push_back(printable(mechanisms.substr(0, space), 64));
    if (space == std::string_view::npos) break;
    mechanisms.remove_prefix(space + 1);
  }
  return out;
}

void print_plain(const server_facts& f, const resolved_options& r) {
  fmt::print("server:        {} ({}, TLS {})\n", f.peer, r.account.host, to_string(r.url.tls));
  fmt::print("greeting:      {}\n", printable(f.greeting));
  if (f.tls) {
    fmt::print("TLS:           {} {}\n", f.tls->version, f.tls->cipher);
    fmt::print("certificate:   subject {}\n", printable(f.tls->subject, 500));
    fmt::print("               issuer {}\n", printable(f.tls->issuer, 500));
    fmt::print("               valid from {} to {}\n", f.tls->not_before, f.tls->not_after);
    fmt::print("               SHA-256 {}\n", fingerprint_text(f.tls->certificate_sha256));
    fmt::print("               public key SHA-256 {}\n",
               fingerprint_text(f.tls->public_key_sha256));
    fmt::print("               {}\n", f.tls->verified ? "verified" : "NOT VERIFIED (--insecure)");
  } else {
    fmt::print("TLS:           none (cleartext)\n");
  }
  if (f.before_tls) {
    fmt::print("capabilities before TLS:\n");
    for (const auto& l : *f.before_tls)
      fmt::print("  {}\n", capa_text(l));
  }
  fmt::print("capabilities:\n");
  for (const auto& l : f.capabilities)
    fmt::print("  {}\n", capa_text(l));
  if (!f.languages.empty()) {
    fmt::print("languages (LANG):\n");
    for (const auto& l : f.languages)
      fmt::print("  {}\n", capa_text(l));
  }
  fmt::print("SASL mechanisms: {}\n", f.sasl.empty() ? "(none)" : printable(f.sasl));
  fmt::print("--auth auto would use: {}\n",
             f.auto_choice.empty() ? "nothing (no acceptable method)" : f.auto_choice);
}

}  // namespace

int run_serverinfo(const common_options& options) {
  connection c(options);
  if (!c.resolve()) return c.code();
  const resolved_options& r = c.resolved();
  const std::string where = fmt::format("{} port {}", r.account.host, r.url.port);
  auto fail = [&](std::string_view what, const error& e) {
    c.failed(what, e);
    return c.code();
  };

  tcp_options tcp;
  tcp.connect_timeout = r.connect.session.connect_timeout;
  auto tcp_connection = tcp_transport::connect(r.account.host, r.url.port, tcp, no_deadline);
  if (!tcp_connection) return fail("cannot connect to " + where, tcp_connection.error());
  server_facts facts;
  facts.peer = (*tcp_connection)->peer_address();
  std::unique_ptr<transport> link = std::move(*tcp_connection);
  if (r.url.tls == tls_mode::implicit) {
    auto encrypted =
        tls_handshake(std::move(link), r.account.host, r.connect.tls_settings, no_deadline);
    if (!encrypted) return fail("TLS with " + where + " failed", encrypted.error());
    link = std::move(*encrypted);
  }
  auto s = session::start(std::move(link), r.connect.session, facts.peer);
  if (!s) return fail("no session with " + where, s.error());
  c.adopt(std::move(*s));
  facts.greeting = c->greeting();
  if (r.url.tls == tls_mode::starttls) {
    auto before = c->capa();
    if (!before) return fail("CAPA failed (TLS is required)", before.error());
    facts.before_tls = *before;
    if (!c->protocol().server_capabilities().stls)
      return fail("TLS is required", error(errc::tls_not_available));
    if (auto tls = c->starttls(r.account.host, r.connect.tls_settings); !tls)
      return fail("STLS failed", tls.error());
  }
  auto after = c->capa();
  if (after)
    facts.capabilities = *after;
  else if (after.error().fatal())
    return fail("CAPA failed", after.error());
  if (c->protocol().server_capabilities().lang) {
    if (auto langs = c->languages(); langs)
      facts.languages = std::move(*langs);
    else if (langs.error().fatal())
      return fail("LANG failed", langs.error());
  }
  facts.tls = c->tls();
  facts.sasl = std::string(c->protocol().server_capabilities().sasl_mechanisms());
  auth_options automatic;
  if (auto chosen = choose_mechanism(*c, automatic)) facts.auto_choice = to_string(*chosen);

  if (options.json) {
    json doc = {{"server",
                 {{"host", r.account.host},
                  {"port", r.url.port},
                  {"address", facts.peer},
                  {"tls_mode", to_string(r.url.tls)}}},
                {"greeting", printable(facts.greeting)},
                {"tls", facts.tls ? tls_json(*facts.tls) : json(nullptr)},
                {"capabilities_before_tls",
                 facts.before_tls ? capa_json(*facts.before_tls) : json(nullptr)},
                {"capabilities", capa_json(facts.capabilities)},
                {"languages", capa_json(facts.languages)},
                {"sasl_mechanisms", sasl_json(facts.sasl)},
                {"auth_auto", facts.auto_choice.empty() ? json(nullptr) : json(facts.auto_choice)}};
    fmt::print("{}\n", doc.dump(2, ' ', false, json::error_handler_t::replace));
  } else {
    print_plain(facts, r);
  }
  return c.finish();
}

}  // namespace pop3::cli
