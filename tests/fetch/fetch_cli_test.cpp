// pop3 fetch as a user meets it: command-line and configuration mistakes, the per-account
// lock, a damaged or unreadable UID state, a server whose UIDs all changed, SIGTERM in the
// middle of a run, and the live progress display on a terminal.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "fetch_test_support.hpp"
#include "support/dovecot_server.hpp"

namespace pop3::test {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
const std::string password = "cli fetch password";

// --- mistakes that never reach a server ---------------------------------------------------

class fetch_usage : public ::testing::Test {
 protected:
  fetch_usage() : work_(fresh_directory("usage")) {}
  ~fetch_usage() override { fs::remove_all(work_); }
  fs::path work_;
};

TEST_F(fetch_usage, no_configuration_file) {
  const auto r = run_pop3({"fetch"}, {{"XDG_CONFIG_HOME", work_.string()}});
  EXPECT_EQ(r.exit_code, 78);
  EXPECT_EQ(r.err, "pop3: no configuration file at " + (work_ / "pop3" / "config.toml").string() +
                       " (write one, see pop3-config(5), or give --config FILE or a URL)\n");
  const auto missing = run_pop3({"fetch", "--config", (work_ / "nope.toml").string()});
  EXPECT_EQ(missing.exit_code, 78);
  EXPECT_EQ(missing.err, "pop3: " + (work_ / "nope.toml").string() +
                             ": cannot read: No such file or directory\n");
}

TEST_F(fetch_usage, configuration_errors_name_file_line_and_key) {
  const fs::path config = work_ / "config.toml";
  write_file(config, "[accounts.work]\nhost = \"pop.example.org\"\nport = 70000\n");
  const auto r = run_pop3({"fetch", "--config", config.string()});
  EXPECT_EQ(r.exit_code, 78);
  EXPECT_EQ(r.err.rfind("pop3: " + config.string() + ":3:", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("accounts.work.port"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(fetch_usage, a_password_in_a_file_others_can_read_is_refused) {
  const fs::path config = work_ / "config.toml";
  write_file(config,
             "[accounts.work]\nhost = \"localhost\"\nuser = \"alice\"\npassword = \"hunter2\"\n"
             "maildir = \"" +
                 (work_ / "Mail").string() + "\"\n");
  ::chmod(config.c_str(), 0644);
  const auto r = run_pop3({"fetch", "--config", config.string()});
  EXPECT_EQ(r.exit_code, 78);
  EXPECT_NE(r.err.find("chmod 600"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("hunter2"), std::string::npos);
  EXPECT_FALSE(fs::exists(work_ / "Mail"));
}

TEST_F(fetch_usage, json_events_replace_bytes_that_are_not_utf8) {
  // The account's name comes from the URL's user name, here with a Latin-1 byte (0xE9). The
  // JSON events show it as U+FFFD instead of aborting the run. Nothing listens on port 1.
  const auto r =
      run_pop3({"fetch", "--json", "--tls", "none", "pop3://caf%E9@127.0.0.1:1", "--maildir",
                (work_ / "Mail").string(), "--state-dir", (work_ / "state").string()},
               {{"POP3_PASSWORD", "x"}});
  EXPECT_EQ(r.exit_code, 69) << r.err;
  std::vector<json> events;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);)
    events.push_back(json::parse(line));
  ASSERT_EQ(events.size(), 4u) << r.out;
  const std::string shown = "caf\xEF\xBF\xBD@127.0.0.1:1";
  EXPECT_EQ(events[0]["event"], "account_started");
  EXPECT_EQ(events[0]["account"], shown);
  EXPECT_EQ(events[1]["event"], "warning");  // --tls none
  EXPECT_EQ(events[1]["account"], shown);
  EXPECT_EQ(events[2]["event"], "account_finished");
  EXPECT_EQ(events[2]["account"], shown);
  EXPECT_EQ(events[2]["exit_code"], 69);
  EXPECT_EQ(events[3]["event"], "summary");
}

TEST_F(fetch_usage, no_home_directory_for_the_default_state_is_a_configuration_error) {
  // A user without HOME and without a passwd entry (uid 54321, as in some containers): the
  // default would have been "~/.local/state/pop3" under the working directory. (The tests
  // run as root, which may take any uid.)
  const auto r = run_process(
      {"/usr/bin/setpriv", "--reuid=54321", "--regid=54321", "--clear-groups", POP3_CLI_PATH,
       "fetch", "pop3s://alice@127.0.0.1:1", "--maildir", "/tmp/never-made"},
      {{"HOME", "\x01unset"}, {"XDG_STATE_HOME", "\x01unset"}, {"POP3_PASSWORD", "x"}});
  EXPECT_EQ(r.exit_code, 78) << r.err;
  EXPECT_EQ(r.err,
            "pop3: no home directory for the UID state: set HOME or XDG_STATE_HOME, or give "
            "--state-dir\n");
  EXPECT_FALSE(fs::exists("~"));
  EXPECT_FALSE(fs::exists("/tmp/never-made"));
}

TEST_F(fetch_usage, command_line_mistakes) {
  const fs::path config = work_ / "config.toml";
  write_file(config, "[accounts.work]\nhost = \"localhost\"\nuser = \"alice\"\nmaildir = \"" +
                         (work_ / "Mail").string() +
                         "\"\n[accounts.home]\nhost = \"localhost\"\n"
                         "user = \"bob\"\nmaildir = \"" +
                         (work_ / "Home").string() + "\"\n");
  const auto unknown = run_pop3({"fetch", "--config", config.string(), "play"});
  EXPECT_EQ(unknown.exit_code, 64);
  EXPECT_EQ(unknown.err,
            "pop3: no account \"play\" in " + config.string() + " (it has: work, home)\n");
  const auto twice = run_pop3({"fetch", "--config", config.string(), "home", "work", "home"});
  EXPECT_EQ(twice.exit_code, 64);
  EXPECT_EQ(twice.err, "pop3: account \"home\" is named twice\n");
  for (const char* clock : {"soon", "", "-5", "12x", "99999999999999999999"}) {
    const auto bad_clock =
        run_pop3({"fetch", "--config", config.string()}, {{"POP3_TEST_NOW", clock}});
    EXPECT_EQ(bad_clock.exit_code, 64) << clock;
    EXPECT_EQ(bad_clock.err, "pop3: POP3_TEST_NOW must be a number of seconds since the epoch\n")
        << clock;
  }
  const auto url_option = run_pop3({"fetch", "--config", config.string(), "--keep"});
  EXPECT_EQ(url_option.exit_code, 64);
  EXPECT_EQ(url_option.err,
            "pop3: --keep goes with a URL; for the accounts of a configuration file, set it in "
            "the file\n");
  const auto no_delivery = run_pop3({"fetch", "pop3s://alice@localhost"});
  EXPECT_EQ(no_delivery.exit_code, 64);
  EXPECT_EQ(no_delivery.err, "pop3: give exactly one of --maildir, --mbox and --mda\n");
  const auto two = run_pop3({"fetch", "pop3s://alice@localhost", "--maildir", "a", "--mbox", "b"});
  EXPECT_EQ(two.exit_code, 64);
  EXPECT_EQ(two.err, "pop3: give exactly one of --maildir, --mbox and --mda\n");
  const auto urls = run_pop3({"fetch", "pop3s://a@h", "pop3s://b@h", "--maildir", "x"});
  EXPECT_EQ(urls.exit_code, 64);
  EXPECT_EQ(urls.err, "pop3: give one URL, or account names\n");
  for (const char* count : {"0", "-1", "1001", "99999999999999999999", "2.5", ""}) {
    const auto jobs = run_pop3({"fetch", "--config", config.string(), "--jobs", count});
    EXPECT_EQ(jobs.exit_code, 64) << count;
    EXPECT_EQ(jobs.err,
              "pop3: --jobs: must be a whole number from 1 to 1000 (see pop3 fetch --help)\n")
        << count;
  }
  // An unset shell variable ("--maildir $MAILDIR") had aborted the program (exit 134).
  for (const char* option : {"--maildir", "--mbox", "--mda", "--state-dir"}) {
    std::vector<std::string> args = {"fetch", "pop3s://alice@localhost", option, ""};
    if (std::string(option) == "--state-dir") args.insert(args.end(), {"--maildir", "x"});
    const auto empty = run_pop3(args);
    EXPECT_EQ(empty.exit_code, 64) << option;
    EXPECT_EQ(empty.err,
              "pop3: " + std::string(option) + ": must not be empty (see pop3 fetch --help)\n");
  }
  const auto empty_config = run_pop3({"fetch", "--config", ""});
  EXPECT_EQ(empty_config.exit_code, 64);
  EXPECT_EQ(empty_config.err, "pop3: --config: must not be empty (see pop3 fetch --help)\n");
  const auto config_and_url =
      run_pop3({"fetch", "pop3s://alice@localhost", "--maildir", "x", "--config", config.string()});
  EXPECT_EQ(config_and_url.exit_code, 64);
  EXPECT_EQ(config_and_url.err,
            "pop3: --config goes with account names, not with a URL (a URL's account is all on "
            "the command line)\n");
  const auto keep_delete = run_pop3({"fetch", "pop3s://alice@localhost", "--maildir", "x", "--keep",
                                     "--max-size", "1M", "--max-size-action", "delete"});
  EXPECT_EQ(keep_delete.exit_code, 64);
  EXPECT_EQ(keep_delete.err, "pop3: --keep never deletes, but --max-size-action is delete\n");
  const auto size =
      run_pop3({"fetch", "pop3s://alice@localhost", "--maildir", "x", "--max-size", "25MB"});
  EXPECT_EQ(size.exit_code, 64);
  EXPECT_EQ(size.err,
            "pop3: --max-size must be a number of octets, optionally with K, M or G (\"25M\")\n");
  EXPECT_FALSE(fs::exists(work_ / "Mail"));
  EXPECT_FALSE(fs::exists("x"));
}

// --- against Dovecot ------------------------------------------------------------------------

// Runs `pop3 ARGS` (POP3_PASSWORD set) with standard output to OUT, sends it SIGTERM once OUT
// shows a first "delivered" event, and returns its exit status (-1 if it did not exit).
int run_until_first_delivery_then_sigterm(std::vector<std::string> args, const fs::path& out) {
  const pid_t child = ::fork();
  if (child < 0) return -1;
  if (child == 0) {
    const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(fd, 1);
    ::setenv("POP3_PASSWORD", password.c_str(), 1);
    args.insert(args.begin(), POP3_CLI_PATH);
    std::vector<char*> argv;
    for (auto& s : args)
      argv.push_back(s.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (read_file(out).find("\"event\":\"delivered\"") == std::string::npos &&
         std::chrono::steady_clock::now() < give_up)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ::kill(child, SIGTERM);
  int status = 0;
  ::waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class fetch_run : public ::testing::Test {
 protected:
  fetch_run() : server_({{"alice", password}}) {
    work_ = fresh_directory(::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  ~fetch_run() override { fs::remove_all(work_); }

  std::string account() const { return "alice@localhost:" + std::to_string(server_.pop3s_port()); }
  std::vector<std::string> args(std::vector<std::string> extra = {}) const {
    std::vector<std::string> a = {
        "fetch",       "pop3s://alice@localhost:" + std::to_string(server_.pop3s_port()),
        "--cafile",    server_.ca_file().string(),
        "--maildir",   (work_ / "Mail").string(),
        "--state-dir", (work_ / "state").string()};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
  process_result fetch(std::vector<std::string> extra = {}) {
    return run_pop3(args(std::move(extra)), {{"POP3_PASSWORD", password}});
  }
  // The account's files: its name with ':' %-encoded.
  fs::path state_file() const {
    return work_ / "state" /
           ("alice@localhost%3A" + std::to_string(server_.pop3s_port()) + ".sqlite");
  }
  std::size_t on_server() const { return server_.maildir_message_count("alice"); }
  std::size_t delivered() const { return file_contents(work_ / "Mail" / "new").size(); }

  dovecot_server server_;
  fs::path work_;
};

TEST_F(fetch_run, a_second_run_on_the_same_account_fails_at_once) {
  server_.deliver("alice", generate_small_mail(3, 1));
  // Hold the account's lock as a running pop3 fetch would (the file name is the account's
  // name with ':' %-encoded).
  fs::create_directories(work_ / "state");
  const fs::path lock =
      work_ / "state" / ("alice@localhost%3A" + std::to_string(server_.pop3s_port()) + ".lock");
  const int fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
  const std::string pid = std::to_string(::getpid()) + "\n";
  ASSERT_EQ(::write(fd, pid.data(), pid.size()), static_cast<ssize_t>(pid.size()));
  const auto start = std::chrono::steady_clock::now();
  const auto r = fetch();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));  // no waiting
  EXPECT_EQ(r.exit_code, 75);
  EXPECT_EQ(r.err, "pop3: " + account() + ": another pop3 fetch (pid " +
                       std::to_string(::getpid()) + ") is running for this account\n");
  EXPECT_EQ(on_server(), 3u);
  EXPECT_EQ(delivered(), 0u);
  ::close(fd);
  const auto after = fetch();
  EXPECT_EQ(after.exit_code, 0) << after.err;
  EXPECT_EQ(delivered(), 3u);
}

TEST_F(fetch_run, a_damaged_state_is_replaced_and_only_what_this_run_delivered_is_deleted) {
  const auto mail = generate_small_mail(5, 2);
  server_.deliver("alice", mail);
  fs::create_directories(work_ / "state");
  write_file(state_file(), std::string(8192, '\x5a'));  // not a database
  ::chmod(state_file().c_str(), 0600);
  const auto r = fetch({"--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("warning: the UID state was damaged and has been replaced"),
            std::string::npos)
      << r.err;
  // Everything deleted was delivered in this run.
  EXPECT_EQ(file_contents(work_ / "Mail" / "new"), stored_sorted(mail));
  EXPECT_EQ(on_server(), 0u);
  bool moved_aside = false;
  for (const auto& e : fs::directory_iterator(work_ / "state"))
    moved_aside |= e.path().filename().string().find(".sqlite.corrupt-") != std::string::npos;
  EXPECT_TRUE(moved_aside);
}

TEST_F(fetch_run, an_unreadable_state_stops_before_the_server_is_touched) {
  server_.deliver("alice", generate_small_mail(2, 3));
  fs::create_directories(state_file());  // a directory where the file should be
  const auto r = fetch();
  EXPECT_EQ(r.exit_code, 74);
  EXPECT_EQ(r.err.rfind("pop3: " + account() + ": cannot use the UID state: ", 0), 0u) << r.err;
  EXPECT_EQ(on_server(), 2u);
  EXPECT_EQ(delivered(), 0u);
}

TEST_F(fetch_run, a_server_whose_uids_all_changed_is_reported_not_refetched) {
  server_.deliver("alice", generate_small_mail(4, 4));
  ASSERT_EQ(fetch({"--keep"}).exit_code, 0);
  ASSERT_EQ(delivered(), 4u);
  // A migration: the same messages under a new UIDVALIDITY, so every UIDL string changes.
  const fs::path uidlist = server_.maildir("alice") / "dovecot-uidlist";
  std::string text = read_file(uidlist);
  // The header line is "3 V<uidvalidity> N<next uid> ..."; raise the UIDVALIDITY.
  const std::size_t v = text.find(" V");
  ASSERT_NE(v, std::string::npos) << text;
  const std::size_t end = text.find(' ', v + 2);
  ASSERT_NE(end, std::string::npos) << text;
  text.replace(v + 2, end - v - 2,
               std::to_string(std::stoul(text.substr(v + 2, end - v - 2)) + 7777));
  write_file(uidlist, text);
  const auto r = fetch({"--keep"});
  EXPECT_EQ(r.exit_code, 65);
  EXPECT_EQ(r.err, "pop3: " + account() +
                       ": none of the 4 UIDs recorded for this account is among the server's 4 "
                       "messages: the server's UIDs seem to have changed (a migration?). Nothing "
                       "was fetched, so as not to deliver the whole mailbox again; to fetch "
                       "everything anyway, remove " +
                       state_file().string() + "\n");
  EXPECT_EQ(delivered(), 4u);
  EXPECT_EQ(on_server(), 4u);
}

TEST_F(fetch_run, sigterm_finishes_what_is_in_flight_and_quits) {
  const auto mail = generate_small_mail(300, 5);
  server_.deliver("alice", mail);
  // SIGTERM after the first deliveries.
  const fs::path out = work_ / "out.json";
  EXPECT_EQ(run_until_first_delivery_then_sigterm(args({"--json"}), out), 143);
  const auto lines = lines_of(read_file(out));
  ASSERT_FALSE(lines.empty());
  const json finished = json::parse(lines[lines.size() - 2]);
  const json summary = json::parse(lines.back());
  EXPECT_EQ(finished["event"], "account_finished");
  EXPECT_EQ(finished["interrupted"], true);
  EXPECT_EQ(summary["exit_code"], 143);
  const std::size_t done = finished["counts"]["delivered"];
  EXPECT_GT(done, 0u);
  EXPECT_LT(done, 300u) << "the run stopped early";
  // QUIT was sent: what was delivered is deleted, the rest is still there, nothing lost.
  EXPECT_EQ(finished["counts"]["deleted"], done);
  EXPECT_EQ(delivered(), done);
  EXPECT_EQ(on_server(), 300u - done);
  // The next run picks up the rest.
  ASSERT_EQ(fetch().exit_code, 0);
  EXPECT_EQ(file_contents(work_ / "Mail" / "new"), stored_sorted(mail));
  EXPECT_EQ(on_server(), 0u);
}

TEST_F(fetch_run, sigterm_leaves_the_accounts_not_yet_started_alone) {
  const auto mail = generate_small_mail(300, 6);
  server_.deliver("alice", mail);
  // Two accounts, one after the other (--jobs 1); the second is the same mailbox under
  // another name, so that it would find the messages the first left if it ran.
  std::string config_text;
  for (const char* name : {"first", "second"})
    config_text += std::string("[accounts.") + name +
                   "]\nhost = \"localhost\"\nport = " + std::to_string(server_.pop3s_port()) +
                   "\nuser = \"alice\"\ncafile = \"" + server_.ca_file().string() +
                   "\"\nmaildir = \"" + (work_ / name).string() + "\"\n";
  const fs::path config = work_ / "config.toml";
  write_file(config, config_text);
  const fs::path out = work_ / "out.json";
  EXPECT_EQ(run_until_first_delivery_then_sigterm(
                {"fetch", "--json", "--config", config.string(), "--state-dir",
                 (work_ / "state").string(), "--jobs", "1"},
                out),
            143);
  std::vector<json> second;
  for (const std::string& line : lines_of(read_file(out))) {
    const json event = json::parse(line);
    if (event.value("account", "") == "second") second.push_back(event);
  }
  ASSERT_EQ(second.size(), 2u) << read_file(out);
  EXPECT_EQ(second[0]["event"], "account_started");
  EXPECT_EQ(second[1]["event"], "account_finished");
  EXPECT_EQ(second[1]["interrupted"], true);
  EXPECT_EQ(second[1]["exit_code"], 75);
  EXPECT_EQ(second[1]["error"], "interrupted before it was started: nothing was done");
  EXPECT_EQ(second[1]["counts"]["on_server"], 0);
  EXPECT_FALSE(fs::exists(work_ / "second"));
  EXPECT_EQ(on_server(), 300u - file_contents(work_ / "first" / "new").size());
}

TEST_F(fetch_run, a_terminal_gets_a_live_progress_line) {
  server_.deliver("alice", generate_small_mail(20, 6));
  std::string command = "POP3_PASSWORD='" + password + "' '" + POP3_CLI_PATH + "'";
  for (const auto& a : args())
    command += " '" + a + "'";
  // script(1) runs the command on a pseudo-terminal.
  const auto r = run_process({"/usr/bin/script", "-qec", command, "/dev/null"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("\r\x1b[K" + account() + ": connecting"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\r\x1b[K" + account() + ": 0/20 messages, 0 B of "), std::string::npos)
      << r.out;
  // The final line replaces the progress line: "20 delivered (<n> KiB), 20 deleted in <t> s".
  const std::string final_line = "\x1b[1A\r\x1b[K" + account() + ": 20 delivered (";
  const std::size_t at = r.out.find(final_line);
  ASSERT_NE(at, std::string::npos) << r.out;
  const std::string rest = r.out.substr(at + final_line.size());
  const std::size_t kib = rest.find(" KiB), 20 deleted in ");
  ASSERT_NE(kib, std::string::npos) << r.out;
  EXPECT_EQ(rest.substr(0, kib).find_first_not_of("0123456789."), std::string::npos) << r.out;
  const std::size_t seconds = rest.find(" s", kib + 21);
  ASSERT_NE(seconds, std::string::npos) << r.out;
  EXPECT_EQ(rest.substr(kib + 21, seconds - kib - 21).find_first_not_of("0123456789."),
            std::string::npos)
      << r.out;
  EXPECT_EQ(delivered(), 20u);
}

}  // namespace
}  // namespace pop3::test
