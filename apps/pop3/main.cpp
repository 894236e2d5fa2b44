// pop3: the command-line POP3 client. Parses the command line (CLI11) and runs a command.
#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "fetch_command.hpp"
#include "report.hpp"

#ifndef POP3_VERSION
#define POP3_VERSION "unknown"
#endif

namespace {

using namespace pop3::cli;

constexpr const char* footer_text = R"(URL:
  pop3s://[USER@]HOST[:PORT]  POP3 over TLS from the first byte, port 995 by default
  pop3://[USER@]HOST[:PORT]   POP3 with STLS required, port 110 by default: if the server
                              does not offer STLS, refuses it, or CAPA fails, nothing else
                              is sent (no user name, no password)
  USER may be %-encoded (alice%40example.org); an IPv6 HOST goes in brackets:
  pop3s://alice@[::1]:1995. --tls none (cleartext) must be asked for by name.

TLS: TLS 1.2 or newer; the certificate is verified against the system's trust store
  (--cafile FILE for another), and against HOST with OpenSSL's host and IP checks.
  --pin sha256:HASH trusts the certificate or public key with that SHA-256 instead.
  --insecure skips the checks (loudly): anyone on the path can then read the session.

Login (--auth, default auto): auto picks the strongest method the server offers that is
  allowed: SCRAM-SHA-256, SCRAM-SHA-1, then - only inside TLS with a checked certificate
  (not with --insecure) - PLAIN, LOGIN, USER/PASS.
  APOP, CRAM-MD5, XOAUTH2, OAUTHBEARER (the "password" is then the access token) and
  EXTERNAL (with --cert/--key) only when named.

Password (never on the command line):
  --password-file FILE        the first line of FILE
  --password-command CMD      the first line CMD prints (run with /bin/sh -c)
  POP3_PASSWORD               the environment variable, if neither option is given

Exit codes (sysexits.h):
  0 success            64 usage error          65 bad data (e.g. no such message)
  68 host not found    69 unavailable: refused connection, -ERR, no STLS, certificate
                       rejected, no acceptable login method
  70 internal error    74 I/O error            75 temporary failure (timeout, [SYS/TEMP],
  [IN-USE], [LOGIN-DELAY])                     76 protocol error (also a failed handshake)
  77 authentication failed ([AUTH], -ERR to a login, a server failing SCRAM's proof)
  78 configuration error (the password file or command failed))";

// --- values checked at parse time, each with a plain message ---------------------------------

// Paths, commands and names: an empty one is nearly always an unset shell variable
// ("--maildir $MAILDIR"), never what was meant.
const CLI::Validator not_empty(
    [](const std::string& value) { return value.empty() ? std::string("must not be empty") : ""; },
    "", "not empty");

// --timeout: the range the configuration file allows (pop3-config(5)). Anything else (0, a
// fraction of a millisecond, nan, 1e300) would mean no deadline or an overflowing one.
const CLI::Validator seconds(
    [](const std::string& value) -> std::string {
      char* end = nullptr;
      const double v = std::strtod(value.c_str(), &end);
      if (value.empty() || end != value.c_str() + value.size() || !(v >= 0.001 && v <= 86400))
        return "must be a number of seconds from 0.001 to 86400";
      return "";
    },
    "SECONDS", "seconds");

// --jobs: whole accounts at once (more threads than accounts are never started).
const CLI::Validator job_count(
    [](const std::string& value) -> std::string {
      const bool digits = !value.empty() && value.size() <= 4 &&
                          value.find_first_not_of("0123456789") == std::string::npos;
      if (!digits || std::stoul(value) < 1 || std::stoul(value) > 1000)
        return "must be a whole number from 1 to 1000";
      return "";
    },
    "N", "jobs");

void add_common(CLI::App& command, common_options& o, bool json, bool login = true,
                bool url = true) {
  if (url) command.add_option("URL", o.url, "pop3s://[USER@]HOST[:PORT] or pop3://...")->required();
  command.add_option("--tls", o.tls, "implicit (pop3s), starttls (pop3) or none (cleartext)")
      ->check(CLI::IsMember({"implicit", "starttls", "none"}));
  command.add_option("--cafile", o.ca_file, "trust the CA certificates in FILE (PEM)")
      ->check(not_empty);
  command.add_option("--pin", o.pins,
                     "trust the certificate or public key with this SHA-256 (sha256:HEX or "
                     "sha256:BASE64; repeatable)");
  command.add_flag("--insecure", o.insecure, "do not verify the certificate (dangerous)");
  if (login) {
    command.add_option("--user", o.user, "user name (overrides the URL's)")->check(not_empty);
    command.add_option("--password-file", o.password.file, "read the password from FILE")
        ->check(not_empty);
    command
        .add_option("--password-command", o.password.command, "read the password from CMD's output")
        ->check(not_empty);
    command
        .add_option("--auth", o.auth,
                    "login method: auto, user, apop, plain, login, cram-md5, scram-sha-1, "
                    "scram-sha-256, xoauth2, oauthbearer, external")
        ->capture_default_str();
    command.add_flag("--xoauth2-one-step", o.xoauth2_one_step,
                     "send the XOAUTH2 token with AUTH (default: after the server asks)");
    command
        .add_option("--cert", o.client_certificate, "TLS client certificate (PEM), for EXTERNAL")
        ->check(not_empty);
    command.add_option("--key", o.client_key, "its private key (PEM)")->check(not_empty);
  }
  command
      .add_option("--timeout", o.timeout_seconds,
                  "seconds a network operation may stall (a command may take 10x)")
      ->check(seconds)
      ->capture_default_str();
  command.add_flag("-v,--verbose", o.verbose,
                   "print the protocol exchange on stderr (passwords shown as ***)");
  if (json) command.add_flag("--json", o.json, "print one JSON document");
  if (url) command.footer(footer_text);
}

constexpr const char* fetch_footer =
    R"(pop3 fetch [ACCOUNT...]: the accounts of the configuration file (--config FILE, else
  $XDG_CONFIG_HOME/pop3/config.toml or ~/.config/pop3/config.toml; format in pop3-config(5)),
  all of them or those named.
pop3 fetch URL --maildir DIR | --mbox FILE | --mda CMD: one account from the command line,
  with the server options of the other commands (--tls, --auth, --password-file, ...).

Per message: RETR, delivery made durable (Maildir: tmp/, fsync, link into new/; mbox: locked,
  appended, fsync'ed; MDA: exit status 0), its UID recorded, and only then DELE; deletions
  take effect at QUIT. A run that is interrupted or fails leaves every message either on the
  server or delivered; the next run deletes what was delivered without delivering it again.
  Default policy: delete after delivery (--keep keeps; --keep-days N deletes N days after
  delivery), only messages not delivered before (--all fetches kept ones again).
UID state: --state-dir DIR, else $XDG_STATE_HOME/pop3 or ~/.local/state/pop3; one run per
  account at a time (a second fails at once with exit 75).
Output: a live line per account on a terminal; a summary line per account otherwise; -q: only
  errors; --json: one JSON object per event on stdout.
SIGINT/SIGTERM: the message in flight is finished, deletions of delivered messages are sent,
  QUIT; exit 130 / 143. A second signal ends at once (still safe).
Exit: 0 if every account succeeded (no new mail is success); else the code of the first
  account that failed, in the order of the configuration file (or the order named);
  78 for a bad configuration.
  POP3_TEST_NOW=SECONDS replaces the clock (for testing keep_days).)";

void add_fetch(CLI::App& fetch, fetch_options& f) {
  add_common(fetch, f.common, true, true, false);
  fetch.add_option("ACCOUNT_OR_URL", f.targets, "account names, or one pop3s:// or pop3:// URL");
  fetch.add_option("--config", f.config, "configuration file")->check(not_empty);
  fetch.add_option("--state-dir", f.state_dir, "where UID state and locks live")->check(not_empty);
  fetch.add_option("-j,--jobs", f.jobs, "accounts fetched at once (1 to 1000)")
      ->check(job_count)
      ->capture_default_str();
  fetch.add_flag("-q,--quiet", f.quiet, "print only errors");
  fetch.add_option("--maildir", f.maildir, "URL mode: deliver into this Maildir")->check(not_empty);
  fetch.add_option("--mbox", f.mbox, "URL mode: append to this mboxrd file")->check(not_empty);
  fetch
      .add_option("--mda", f.mda,
                  "URL mode: run this command for each message, with the whole message as its "
                  "standard input")
      ->check(not_empty);
  fetch.add_flag("--keep", f.keep, "URL mode: never delete from the server");
  fetch.add_option("--keep-days", f.keep_days,
                   "URL mode: delete N days after delivery (0: at once)");
  fetch.add_flag("--only-new", f.only_new,
                 "URL mode: only messages not delivered before (the default)");
  fetch.add_flag("--all", f.all, "URL mode: also kept messages delivered before");
  fetch.add_option("--max-size", f.max_size, "URL mode: larger messages (\"25M\") are ...");
  fetch.add_option("--max-size-action", f.max_size_action, "... skip (default), delete or warn")
      ->check(CLI::IsMember({"skip", "delete", "warn"}));
  fetch.add_option("--pipelining", f.pipelining, "URL mode: auto (default), on or off")
      ->check(CLI::IsMember({"auto", "on", "off"}));
  fetch.add_flag("--crlf", f.crlf, "URL mode: store CRLF line ends (default: LF)");
  fetch.footer(fetch_footer);
}

// In config mode the server, login and delivery settings come from the file: options that
// only make sense with a URL are refused rather than silently ignored.
std::optional<std::string> url_option_in_config_mode(const CLI::App& fetch,
                                                     const fetch_options& f) {
  if (!f.targets.empty() && f.targets.front().find("://") != std::string::npos) return {};
  for (const char* name : {"--tls",
                           "--cafile",
                           "--pin",
                           "--insecure",
                           "--user",
                           "--password-file",
                           "--password-command",
                           "--auth",
                           "--xoauth2-one-step",
                           "--cert",
                           "--key",
                           "--timeout",
                           "--maildir",
                           "--mbox",
                           "--mda",
                           "--keep",
                           "--keep-days",
                           "--only-new",
                           "--all",
                           "--max-size",
                           "--max-size-action",
                           "--pipelining",
                           "--crlf"})
    if (fetch.get_option(name)->count() > 0) return std::string(name);
  return {};
}

// One line, "pop3: ...", as every other error (pop3(1), DIAGNOSTICS): CLI11's own text, made
// clearer where it misleads.
std::string parse_error_text(const CLI::App& app, const CLI::ParseError& e, int argc, char** argv) {
  if (app.get_subcommands().empty() && argc > 1 && argv[1][0] != '-') {
    std::string names;
    for (const CLI::App* command : app.get_subcommands({}))
      names += (names.empty() ? "" : ", ") + command->get_name();
    return "unknown command \"" + printable(argv[1], 80) + "\" (commands: " + names + ")";
  }
  // An option the command does not have takes the next word for the URL, and CLI11 then
  // complains about the arguments "not expected": name the option instead.
  for (const CLI::App* command : app.get_subcommands())
    for (const std::string& extra : command->remaining())
      if (extra.size() > 1 && extra[0] == '-')
        return "pop3 " + command->get_name() + " has no option " + printable(extra, 80) +
               " (see pop3 " + command->get_name() + " --help)";
  std::string text = e.what();
  if (!app.get_subcommands().empty())
    text += " (see pop3 " + app.get_subcommands().front()->get_name() + " --help)";
  else
    text += " (see pop3 --help)";
  return printable(text, 400);
}

void add_output(CLI::App& command, message_output& out) {
  command
      .add_option("-o,--output", out.file,
                  "write to FILE (created complete or not at all) instead of stdout")
      ->check(not_empty);
  command.add_flag("--lf", out.lf, "LF line ends instead of the CRLF sent by the server");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"pop3 — a POP3 client: list, retrieve and delete mail on a POP3 server"};
  app.set_version_flag("--version", "pop3 " POP3_VERSION);
  app.require_subcommand(1);
  app.footer(footer_text);

  common_options o;
  fetch_options f;
  message_output out;
  std::uint32_t message = 0, lines = 0;
  std::optional<std::uint32_t> maybe_message;
  std::vector<std::uint32_t> messages;
  const auto positive = CLI::Range(1u, 4294967295u);

  auto* capa = app.add_subcommand("capa", "show the server's capabilities (no login)");
  add_common(*capa, o, true, false);
  auto* serverinfo = app.add_subcommand(
      "serverinfo", "show the greeting, TLS, certificate, capabilities, login methods (no login)");
  add_common(*serverinfo, o, true, false);
  auto* stat = app.add_subcommand("stat", "show the number of messages and their total size");
  add_common(*stat, o, true);
  auto* list = app.add_subcommand("list", "show the size of every message, or of message N");
  add_common(*list, o, true);
  list->add_option("N", maybe_message, "message number")->check(positive);
  auto* uidl = app.add_subcommand("uidl", "show the unique-id of every message, or of message N");
  add_common(*uidl, o, true);
  uidl->add_option("N", maybe_message, "message number")->check(positive);
  auto* top = app.add_subcommand("top", "write the headers and the first LINES lines of N");
  add_common(*top, o, false);
  top->add_option("N", message, "message number")->required()->check(positive);
  top->add_option("LINES", lines, "body lines")->required();
  add_output(*top, out);
  auto* retr = app.add_subcommand("retr", "write message N exactly as the server holds it");
  add_common(*retr, o, false);
  retr->add_option("N", message, "message number")->required()->check(positive);
  add_output(*retr, out);
  auto* dele =
      app.add_subcommand("dele", "delete messages: marks them, and QUIT commits; all or nothing");
  add_common(*dele, o, false);
  dele->add_option("N", messages, "message numbers")->required()->check(positive);

  auto* fetch = app.add_subcommand(
      "fetch", "retrieve mail into a Maildir, mbox or MDA and delete it from the server");
  add_fetch(*fetch, f);

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e) == 0 ? exit_ok : exit_usage;
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "pop3: {}\n", parse_error_text(app, e, argc, argv));
    return exit_usage;
  }

  if (capa->parsed()) return run_capa(o);
  if (serverinfo->parsed()) return run_serverinfo(o);
  if (stat->parsed()) return run_stat(o);
  if (list->parsed()) return run_list(o, maybe_message);
  if (uidl->parsed()) return run_uidl(o, maybe_message);
  if (top->parsed()) return run_top(o, message, lines, out);
  if (retr->parsed()) return run_retr(o, message, out);
  if (dele->parsed()) return run_dele(o, messages);
  if (fetch->parsed()) {
    if (!f.targets.empty() && f.targets.front().find("://") != std::string::npos &&
        fetch->get_option("--config")->count() > 0) {
      fmt::print(stderr,
                 "pop3: --config goes with account names, not with a URL (a URL's account is "
                 "all on the command line)\n");
      return exit_usage;
    }
    if (auto option = url_option_in_config_mode(*fetch, f)) {
      fmt::print(stderr,
                 "pop3: {} goes with a URL; for the accounts of a configuration file, set it "
                 "in the file\n",
                 *option);
      return exit_usage;
    }
    return run_fetch(f);
  }
  return exit_usage;
}
