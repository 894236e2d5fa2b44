#include "fetch_command.hpp"

#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>

#include "connection.hpp"
#include "fetch/fetch_many.hpp"
#include "fetch_output.hpp"
#include "report.hpp"

namespace pop3::cli {
namespace {

// --- signals: the first SIGINT/SIGTERM asks the run to stop cleanly; the handler is then
// reset (SA_RESETHAND), so a second one ends the process at once, which is safe too: every
// delivery is durable before it is recorded, and every record before its DELE.
std::atomic<bool> stop_requested{false};
volatile std::sig_atomic_t stop_signal = 0;

extern "C" void on_stop_signal(int signo) {
  stop_signal = signo;
  stop_requested.store(true);
}

void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND;  // no SA_RESTART: a blocking wait returns early
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}

int usage(const std::string& why) {
  fmt::print(stderr, "pop3: {}\n", why);
  return exit_usage;
}

// PATH (with ~ expanded) made absolute, or nothing with the reason in `why` (the working
// directory is gone, for one).
std::optional<std::filesystem::path> absolute_path(const std::string& path, std::string& why) {
  std::error_code ec;
  auto absolute = std::filesystem::absolute(agent::expand_home(path), ec);
  if (ec) {
    why = "cannot use " + printable(path, 200) + ": " + ec.message();
    return std::nullopt;
  }
  return absolute;
}

bool is_url(const std::string& text) {
  return text.find("://") != std::string::npos;
}

// pop3 fetch URL ...: one account from the command line.
std::optional<agent::account_config> account_from_url(fetch_options& o, int& code) {
  const auto refuse = [&](const std::string& why) {
    code = usage(why);
    return std::nullopt;
  };
  o.common.url = o.targets.front();
  connection c(o.common);
  if (!c.resolve()) {
    code = c.code();
    return std::nullopt;
  }
  agent::account_config a = c.resolved().account;
  if (a.user.empty() && a.auth != auth_mechanism::external)
    return refuse("no user name: give it in the URL (pop3s://USER@HOST) or with --user");
  a.name = a.user + "@" + a.host + ":" + std::to_string(a.port);
  a.defined_at = agent::defined_on_command_line;
  if (o.common.password.file && o.common.password.command)
    return refuse("give either --password-file or --password-command, not both");
  if (o.common.password.file) a.password.file = agent::expand_home(*o.common.password.file);
  a.password.command = o.common.password.command;

  const int deliveries =
      int{o.maildir.has_value()} + int{o.mbox.has_value()} + int{o.mda.has_value()};
  if (deliveries != 1) return refuse("give exactly one of --maildir, --mbox and --mda");
  if (o.maildir || o.mbox) {
    std::string why;
    const auto target = absolute_path(o.maildir ? *o.maildir : *o.mbox, why);
    if (!target) return refuse(why);
    a.delivery = o.maildir ? agent::delivery_kind::maildir : agent::delivery_kind::mbox;
    a.delivery_target = target->string();
  } else {
    a.delivery = agent::delivery_kind::mda;
    a.delivery_target = *o.mda;
  }
  a.ends = o.crlf ? agent::line_ending::crlf : agent::line_ending::lf;
  a.keep = o.keep;
  a.keep_days = o.keep_days;
  if (o.only_new && o.all) return refuse("--only-new and --all contradict each other");
  a.only_new = !o.all;
  if (o.max_size) {
    a.max_size = agent::parse_size(*o.max_size);
    if (!a.max_size || *a.max_size == 0)
      return refuse("--max-size must be a number of octets, optionally with K, M or G (\"25M\")");
  }
  if (o.max_size_action) {
    if (!o.max_size) return refuse("--max-size-action needs --max-size");
    if (o.keep && *o.max_size_action == "delete")
      return refuse("--keep never deletes, but --max-size-action is delete");
    a.max_size_action = *o.max_size_action == "delete" ? agent::oversize_action::remove
                        : *o.max_size_action == "warn" ? agent::oversize_action::warn
                                                       : agent::oversize_action::skip;
  }
  if (o.pipelining)
    a.pipelining = *o.pipelining == "on"    ? pipelining_mode::on
                   : *o.pipelining == "off" ? pipelining_mode::off
                                            : pipelining_mode::automatic;
  return a;
}

// pop3 fetch [ACCOUNT...]: accounts of the configuration file.
std::optional<std::vector<agent::account_config>> accounts_from_config(const fetch_options& o,
                                                                       int& code) {
  const std::filesystem::path file =
      o.config ? std::filesystem::path(*o.config) : agent::default_config_path();
  if (!o.config && !std::filesystem::exists(file)) {
    fmt::print(stderr,
               "pop3: no configuration file at {} (write one, see pop3-config(5), or give "
               "--config FILE or a URL)\n",
               file.string());
    code = exit_config;
    return std::nullopt;
  }
  std::string why;
  auto config = agent::load_config(file, why);
  if (!config) {
    fmt::print(stderr, "pop3: {}\n", why);
    code = exit_config;
    return std::nullopt;
  }
  if (o.targets.empty()) return config->accounts;
  std::vector<agent::account_config> chosen;
  for (std::size_t i = 0; i < o.targets.size(); ++i) {
    const std::string& name = o.targets[i];
    // Twice would mean two runs of one account: the second would only find it locked.
    if (std::find(o.targets.begin(), o.targets.begin() + static_cast<std::ptrdiff_t>(i), name) !=
        o.targets.begin() + static_cast<std::ptrdiff_t>(i)) {
      code = usage("account \"" + printable(name, 80) + "\" is named twice");
      return std::nullopt;
    }
    auto it = std::find_if(config->accounts.begin(), config->accounts.end(),
                           [&](const agent::account_config& a) { return a.name == name; });
    if (it == config->accounts.end()) {
      std::string names;
      for (const auto& a : config->accounts)
        names += (names.empty() ? "" : ", ") + a.name;
      code = usage("no account \"" + printable(name, 80) + "\" in " + file.string() +
                   " (it has: " + printable(names, 400) + ")");
      return std::nullopt;
    }
    chosen.push_back(*it);
  }
  return chosen;
}

// POP3_TEST_NOW (seconds since the epoch) stands in for the clock, so that keep_days can be
// tested without waiting days.
std::int64_t test_now = 0;

std::int64_t test_clock() {
  return test_now;
}

// False if POP3_TEST_NOW is set but is not a plain number of seconds.
bool read_test_clock() {
  const char* text = std::getenv("POP3_TEST_NOW");
  if (text == nullptr) return true;
  char* end = nullptr;
  errno = 0;
  const long long value = std::strtoll(text, &end, 10);
  if (*text < '0' || *text > '9' || *end != '\0' || errno == ERANGE) return false;
  test_now = value;
  return true;
}

}  // namespace

int run_fetch(fetch_options& o) {
  const bool url_mode = !o.targets.empty() && is_url(o.targets.front());
  for (std::size_t i = 1; i < o.targets.size(); ++i)
    if (is_url(o.targets[i]) || url_mode) return usage("give one URL, or account names");

  int code = exit_ok;
  std::vector<agent::account_config> accounts;
  if (url_mode) {
    auto a = account_from_url(o, code);
    if (!a) return code;
    accounts.push_back(std::move(*a));
  } else {
    auto chosen = accounts_from_config(o, code);
    if (!chosen) return code;
    accounts = std::move(*chosen);
  }

  agent::fetch_environment env;
  if (o.state_dir) {
    std::string why;
    const auto state_dir = absolute_path(*o.state_dir, why);
    if (!state_dir) return usage(why);
    env.state_dir = *state_dir;
  } else {
    env.state_dir = agent::default_state_dir();
    // No home directory ($HOME unset and no passwd entry, as in some containers): the
    // default would be "~/..." under whatever directory the run starts in.
    if (!env.state_dir.is_absolute()) {
      fmt::print(stderr,
                 "pop3: no home directory for the UID state: set HOME or XDG_STATE_HOME, or "
                 "give --state-dir\n");
      return exit_config;
    }
  }
  if (!read_test_clock()) return usage("POP3_TEST_NOW must be a number of seconds since the epoch");
  if (std::getenv("POP3_TEST_NOW")) env.now = test_clock;
  env.stop = &stop_requested;
  if (o.common.verbose) env.trace = &print_trace;

  const bool terminal = ::isatty(STDOUT_FILENO) == 1;
  observer_fanout observers;
  text_report text(o.quiet);
  json_events json(stdout);
  progress_display progress(stdout);
  observers.add(text);
  if (o.common.json)
    observers.add(json);
  else if (terminal && !o.quiet)
    observers.add(progress);
  env.observer = &observers;

  install_stop_handlers();
  const std::vector<agent::account_outcome> outcomes = agent::fetch_accounts(accounts, env, o.jobs);
  code = agent::overall_exit_code(outcomes);
  if (stop_requested.load()) code = 128 + static_cast<int>(stop_signal);

  if (o.common.json) {
    json.summary(code, outcomes);
  } else if (!o.quiet && !terminal) {
    for (std::size_t i = 0; i < accounts.size(); ++i)
      fmt::print("{}\n", summary_line(accounts[i].name, outcomes[i]));
  }
  return code;
}

}  // namespace pop3::cli
