// pop3: the command-line POP3 client. Parses the command line (CLI11) and runs a command.
#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "report.hpp"

#ifndef POP3_VERSION
#define POP3_VERSION "unknown"
#endif

namespace {

using namespace pop3::cli;

constexpr const char* footer_text = R"(URL:
  pop3://[USER@]HOST[:PORT]   port 110 by default; USER may be %-encoded (alice%40example.org);
                              an IPv6 HOST goes in brackets: pop3://alice@[::1]:1110
  pop3:// is CLEARTEXT in this version: the password crosses the network unencrypted. TLS
  (pop3s://, STLS) arrives in a later version and will then be the default.

Password (never on the command line):
  --password-file FILE        the first line of FILE
  --password-command CMD      the first line CMD prints (run with /bin/sh -c)
  POP3_PASSWORD               the environment variable, if neither option is given

Exit codes (sysexits.h):
  0 success            64 usage error          65 bad data (e.g. no such message)
  68 host not found    69 unavailable / -ERR   70 internal error
  74 I/O error         75 temporary failure (timeout, [SYS/TEMP], [IN-USE], [LOGIN-DELAY])
  76 protocol error    77 authentication failed  78 configuration (password source) error)";

void add_common(CLI::App& command, common_options& o, bool json, bool login = true) {
  command.add_option("URL", o.url, "pop3://[USER@]HOST[:PORT]")->required();
  if (login) {
    command.add_option("--user", o.user, "user name (overrides the URL's)");
    command.add_option("--password-file", o.password.file, "read the password from FILE");
    command.add_option("--password-command", o.password.command,
                       "read the password from CMD's output");
    command.add_option("--auth", o.auth, "login method: user (USER/PASS) or apop")
        ->check(CLI::IsMember({"user", "apop"}))
        ->capture_default_str();
  }
  command
      .add_option("--timeout", o.timeout_seconds,
                  "seconds a network operation may stall (a command may take 10x)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command.add_flag("-v,--verbose", o.verbose,
                   "print the protocol exchange on stderr (passwords shown as ***)");
  if (json) command.add_flag("--json", o.json, "print one JSON document");
  command.footer(footer_text);
}

void add_output(CLI::App& command, message_output& out) {
  command.add_option("-o,--output", out.file,
                     "write to FILE (created complete or not at all) instead of stdout");
  command.add_flag("--lf", out.lf, "LF line ends instead of the CRLF sent by the server");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"pop3 — a POP3 client: list, retrieve and delete mail on a POP3 server"};
  app.set_version_flag("--version", "pop3 " POP3_VERSION);
  app.require_subcommand(1);
  app.footer(footer_text);

  common_options o;
  message_output out;
  std::uint32_t message = 0, lines = 0;
  std::optional<std::uint32_t> maybe_message;
  std::vector<std::uint32_t> messages;
  const auto positive = CLI::Range(1u, 4294967295u);

  auto* capa = app.add_subcommand("capa", "show the server's capabilities (no login)");
  add_common(*capa, o, true, false);
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

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? exit_ok : exit_usage;
  }

  if (capa->parsed()) return run_capa(o);
  if (stat->parsed()) return run_stat(o);
  if (list->parsed()) return run_list(o, maybe_message);
  if (uidl->parsed()) return run_uidl(o, maybe_message);
  if (top->parsed()) return run_top(o, message, lines, out);
  if (retr->parsed()) return run_retr(o, message, out);
  if (dele->parsed()) return run_dele(o, messages);
  return exit_usage;
}
