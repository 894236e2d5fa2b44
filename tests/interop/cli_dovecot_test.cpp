// The pop3 program end to end against a real Dovecot: output, files and exit codes.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "run_process.hpp"
#include "support/dovecot_server.hpp"
#include "support/sample_mail.hpp"

namespace pop3::test {
namespace {

namespace fs = std::filesystem;
const std::string password = "cli password";

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const fs::path& p, const std::string& content) {
  std::ofstream(p, std::ios::binary | std::ios::trunc) << content;
}

class cli : public ::testing::Test {
 protected:
  cli() : server_({{"alice", password}, {"bob", password}}) {
    mail_ = generate_sample_mail({.count = 12, .seed = 3, .big_message_bytes = 3u << 20});
    server_.deliver("alice", mail_);
    out_dir_ = server_.dir() / "out";
    fs::create_directories(out_dir_);
  }

  // POP3S with the instance's own CA: the secure default, as a user would run it.
  std::string url(const std::string& user = "alice") const {
    return "pop3s://" + user + "@localhost:" + std::to_string(server_.pop3s_port());
  }

  process_result pop3(std::vector<std::string> args,
                      std::map<std::string, std::string> env = {{"POP3_PASSWORD", password}}) {
    args.insert(args.begin(), POP3_CLI_PATH);
    if (args.size() > 2 && args[1].rfind("--", 0) != 0) {  // a command: trust the test CA
      args.push_back("--cafile");
      args.push_back(server_.ca_file().string());
    }
    return run_process(args, env);
  }

  dovecot_server server_;
  std::vector<sample_message> mail_;
  fs::path out_dir_;
};

TEST_F(cli, stat_plain_and_json) {
  std::uint64_t octets = 0;
  for (const auto& m : mail_)
    octets += m.wire().size();
  auto r = pop3({"stat", url()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "12 messages, " + std::to_string(octets) + " octets\n");
  EXPECT_EQ(r.err, "");
  r = pop3({"stat", "--json", url()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc, (nlohmann::json{{"messages", 12}, {"octets", octets}}));
}

TEST_F(cli, list_and_uidl) {
  auto r = pop3({"list", url()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string expected;
  for (std::size_t i = 0; i < mail_.size(); ++i)
    expected += std::to_string(i + 1) + " " + std::to_string(mail_[i].wire().size()) + "\n";
  EXPECT_EQ(r.out, expected);
  r = pop3({"list", url(), "3"});
  EXPECT_EQ(r.out, "3 " + std::to_string(mail_[2].wire().size()) + "\n");
  r = pop3({"list", "--json", url(), "3"});
  EXPECT_EQ(nlohmann::json::parse(r.out),
            (nlohmann::json{{"message", 3}, {"octets", mail_[2].wire().size()}}));

  r = pop3({"uidl", "--json", url()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  ASSERT_EQ(doc["messages"].size(), 12u);
  for (std::size_t i = 0; i < 12; ++i) {
    EXPECT_EQ(doc["messages"][i]["message"], i + 1);
    EXPECT_EQ(doc["messages"][i]["uid"].get<std::string>().size(), 16u);  // %08Xu%08Xv
  }
  r = pop3({"uidl", url(), "2"});
  EXPECT_EQ(r.out, "2 " + doc["messages"][1]["uid"].get<std::string>() + "\n");
}

TEST_F(cli, capa_needs_no_password) {
  auto r = pop3({"capa", url()}, {{"POP3_PASSWORD", "\x01unset"}});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("PIPELINING\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("UIDL\n"), std::string::npos);
  r = pop3({"capa", "--json", url()});
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_NE(doc["greeting"].get<std::string>().find("<"), std::string::npos);  // APOP stamp
  EXPECT_TRUE(doc["capabilities"].is_array());
}

// The client's side of the trace: every "C: " line, in order.
std::vector<std::string> commands_sent(const std::string& trace) {
  std::vector<std::string> sent;
  std::size_t at = 0;
  while ((at = trace.find("C: ", at)) != std::string::npos) {
    const std::size_t end = trace.find('\n', at);
    sent.push_back(trace.substr(at + 3, end - at - 3));
    at = end;
  }
  return sent;
}

TEST_F(cli, capa_asks_once_per_tls_state) {
  // open_session asks CAPA (again after STLS, RFC 2595 section 4); `pop3 capa` shows those
  // lines instead of asking a second time.
  const std::string starttls_url = "pop3://alice@localhost:" + std::to_string(server_.port());
  for (const auto& [where, commands] :
       {std::pair{url(), std::vector<std::string>{"CAPA", "QUIT"}},
        std::pair{starttls_url, std::vector<std::string>{"CAPA", "STLS", "CAPA", "QUIT"}}}) {
    SCOPED_TRACE(where);
    auto r = pop3({"capa", "-v", where});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(commands_sent(r.err), commands);
    // What it prints is the last CAPA's reply, as traced (after "S: +OK...", up to ".").
    const std::size_t last = r.err.rfind("C: CAPA\n");
    const std::size_t from = r.err.find('\n', r.err.find("S: +OK", last)) + 1;
    std::string lines;
    for (std::size_t at = from; r.err.compare(at, 5, "S: .\n") != 0;) {
      ASSERT_EQ(r.err.compare(at, 3, "S: "), 0) << r.err.substr(at);
      const std::size_t end = r.err.find('\n', at);
      lines += r.err.substr(at + 3, end + 1 - at - 3);
      at = end + 1;
    }
    EXPECT_EQ(r.out, lines);
    EXPECT_EQ(r.out.find("STLS\n"), std::string::npos);  // not offered again under TLS
  }
}

TEST_F(cli, retr_byte_exact_to_stdout_and_file_and_lf) {
  for (std::size_t i = 0; i < mail_.size(); ++i) {
    const std::string n = std::to_string(i + 1);
    auto r = pop3({"retr", url(), n});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(r.out == mail_[i].wire()) << mail_[i].id;
    const fs::path file = out_dir_ / (n + ".eml");
    r = pop3({"retr", url(), n, "-o", file.string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_TRUE(read_file(file) == mail_[i].wire()) << mail_[i].id;
    r = pop3({"retr", "--lf", url(), n});
    EXPECT_TRUE(r.out == mail_[i].stored) << mail_[i].id;  // LF, exactly as stored
  }
  // Only the finished files are left: no temporary files.
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(out_dir_))
    ++files;
  EXPECT_EQ(files, mail_.size());
}

TEST_F(cli, output_file_follows_links_keeps_modes_and_refuses_other_files) {
  const std::string wire = mail_[2].wire();
  const auto mode_of = [](const fs::path& p) {
    return fs::status(p).permissions() & fs::perms::mask;
  };
  // A new file is private; an existing one keeps its mode.
  const fs::path fresh = out_dir_ / "fresh.eml";
  auto r = pop3({"retr", url(), "3", "-o", fresh.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(mode_of(fresh), fs::perms::owner_read | fs::perms::owner_write);
  const fs::path shared = out_dir_ / "shared.eml";
  write_file(shared, "old");
  fs::permissions(shared, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  r = pop3({"retr", url(), "3", "-o", shared.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(read_file(shared) == wire);
  EXPECT_EQ(mode_of(shared),
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  // A symbolic link stays one; the file it names gets the message.
  const fs::path link = out_dir_ / "link.eml";
  fs::create_symlink("shared.eml", link);
  write_file(shared, "old");
  r = pop3({"retr", url(), "3", "-o", link.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_TRUE(read_file(shared) == wire);
  // Renaming over anything else would replace it: refused before connecting.
  const fs::path fifo = out_dir_ / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const fs::path dangling = out_dir_ / "dangling.eml";
  fs::create_symlink("nowhere.eml", dangling);
  for (const auto& [target, why] :
       {std::pair{fifo, fifo.string() + " is not a regular file"},
        std::pair{out_dir_, out_dir_.string() + " is not a regular file"},
        std::pair{dangling, dangling.string() + " is a symbolic link to nothing"}}) {
    r = pop3({"retr", url(), "3", "-o", target.string()});
    EXPECT_EQ(r.exit_code, 64) << target;
    EXPECT_EQ(r.err, "pop3: " + why + "\n");
  }
  EXPECT_TRUE(fs::is_fifo(fifo));
  EXPECT_TRUE(fs::is_symlink(dangling));
  EXPECT_FALSE(fs::exists(out_dir_ / "nowhere.eml"));
  const fs::path nowhere = out_dir_ / "missing" / "m.eml";
  r = pop3({"retr", url(), "3", "-o", nowhere.string()});
  EXPECT_EQ(r.exit_code, 74);
  EXPECT_EQ(r.err, "pop3: cannot create a file beside " + nowhere.string() +
                       ": No such file or directory\n");
  std::size_t files = 0;  // and no temporary file was left anywhere
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(out_dir_))
    ++files;
  EXPECT_EQ(files, 5u);  // fresh, shared, link, fifo, dangling
}

TEST_F(cli, options_in_any_order) {
  const fs::path file = out_dir_ / "m.eml";
  auto r = pop3({"retr", url(), "3", "-o", file.string(), "--timeout", "10"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(file), mail_[2].wire());
  fs::remove(file);
  r = pop3({"retr", "-o", file.string(), url(), "--timeout", "10", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(file), mail_[2].wire());
}

TEST_F(cli, top) {
  auto r = pop3({"top", url(), "1", "0"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string& wire = mail_[0].wire();
  EXPECT_EQ(r.out, wire.substr(0, wire.find("\r\n\r\n") + 4));
}

TEST_F(cli, missing_message_fails_and_writes_no_file) {
  const fs::path file = out_dir_ / "none.eml";
  auto r = pop3({"retr", url(), "99", "-o", file.string()});
  EXPECT_EQ(r.exit_code, 69);
  EXPECT_EQ(r.err.rfind("pop3: retrieving message 99 failed; " + file.string() +
                            " not written: the server answered -ERR",
                        0),
            0u)
      << r.err;
  EXPECT_FALSE(fs::exists(file));
  EXPECT_TRUE(fs::is_empty(out_dir_));
}

TEST_F(cli, dele_marks_then_quit_commits) {
  server_.deliver("bob", generate_small_mail(5, 9));
  auto r = pop3({"dele", url("bob"), "2", "4"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "deleted messages 2, 4\n");
  EXPECT_EQ(server_.maildir_message_count("bob"), 3u);
  r = pop3({"stat", url("bob")});
  EXPECT_EQ(r.out.substr(0, 11), "3 messages,");
}

TEST_F(cli, dele_is_all_or_nothing) {
  server_.deliver("bob", generate_small_mail(5, 9));
  auto r = pop3({"dele", url("bob"), "1", "99"});
  EXPECT_EQ(r.exit_code, 69);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("cannot delete message 99; nothing was deleted"), std::string::npos)
      << r.err;
  EXPECT_EQ(server_.maildir_message_count("bob"), 5u);
}

TEST_F(cli, authentication_failure_is_77_with_the_server_text) {
  auto r = pop3({"stat", url()}, {{"POP3_PASSWORD", "wrong"}});
  EXPECT_EQ(r.exit_code, 77);
  EXPECT_EQ(r.err,
            "pop3: login failed: the server answered -ERR [AUTH] \"Authentication failed.\"\n");
  r = pop3({"stat", "--auth", "apop", url()}, {{"POP3_PASSWORD", "wrong"}});
  EXPECT_EQ(r.exit_code, 77);
  EXPECT_EQ(r.err.rfind("pop3: login failed: the server answered -ERR [AUTH]", 0), 0u) << r.err;
  r = pop3({"stat", "--auth", "apop", url()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(cli, password_sources) {
  const fs::path file = out_dir_ / "password";
  std::ofstream(file) << password << "\n";
  auto r =
      pop3({"stat", url(), "--password-file", file.string()}, {{"POP3_PASSWORD", "\x01unset"}});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = pop3({"stat", url(), "--password-command", "cat " + file.string()},
           {{"POP3_PASSWORD", "\x01unset"}});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = pop3({"stat", url(), "--password-command", "exit 1"});
  EXPECT_EQ(r.exit_code, 78);
  EXPECT_EQ(r.err, "pop3: the password command failed (exit status 1)\n");
  r = pop3({"stat", url()}, {{"POP3_PASSWORD", "\x01unset"}});
  EXPECT_EQ(r.exit_code, 64);
  r = pop3({"stat", url(), "--password-file", (out_dir_ / "missing").string()});
  EXPECT_EQ(r.exit_code, 78);
}

TEST_F(cli, verbose_trace_hides_the_password) {
  auto r = pop3({"stat", "-v", "--auth", "user", url()});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.err.find("C: USER alice\n"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("C: PASS ***\n"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("S: +OK Logged in.\n"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(password), std::string::npos);
  r = pop3({"stat", "-v", "--auth", "apop", url()});
  EXPECT_NE(r.err.find("C: APOP alice ***\n"), std::string::npos) << r.err;
}

TEST_F(cli, parse_errors_are_one_line_that_names_the_mistake) {
  const std::string bad_timeout =
      "pop3: --timeout: must be a number of seconds from 0.001 to 86400 (see pop3 stat --help)\n";
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"frobnicate", url()},
       "pop3: unknown command \"frobnicate\" (commands: capa, serverinfo, stat, list, uidl, "
       "top, retr, dele, fetch)\n"},
      // Without the check, "alice" became the URL and CLI11 blamed the real URL.
      {{"capa", "--user", "alice", url()},
       "pop3: pop3 capa has no option --user (see pop3 capa --help)\n"},
      {{"stat"}, "pop3: URL is required (see pop3 stat --help)\n"},
      {{"stat", url(), "extra"},
       "pop3: The following argument was not expected: extra (see pop3 stat --help)\n"},
      {{"stat", "--timeout", "0", url()}, bad_timeout},
      {{"stat", "--timeout", "0.0004", url()}, bad_timeout},  // would be 0 ms: no deadline
      {{"stat", "--timeout", "abc", url()}, bad_timeout},
      {{"stat", "--timeout", "nan", url()}, bad_timeout},
      {{"stat", "--timeout", "inf", url()}, bad_timeout},
      {{"stat", "--timeout", "1e10", url()}, bad_timeout},  // overflowed into an instant timeout
      {{"stat", "--timeout", "86400.5", url()}, bad_timeout},
      {{"stat", "--timeout", "10s", url()}, bad_timeout},
      // An unset shell variable: "--password-file $FILE".
      {{"stat", "--password-file", "", url()},
       "pop3: --password-file: must not be empty (see pop3 stat --help)\n"},
      {{"stat", "--user", "", url()}, "pop3: --user: must not be empty (see pop3 stat --help)\n"},
      {{"retr", url(), "1", "-o", ""},
       "pop3: --output: must not be empty (see pop3 retr --help)\n"},
  };
  for (const auto& [args, err] : cases) {
    const auto r = pop3(args);
    EXPECT_EQ(r.exit_code, 64) << args[0] << " " << args[1];
    EXPECT_EQ(r.err, err);
    EXPECT_EQ(r.out, "");
  }
  // The ends of the range are accepted (1 ms may well time out: that is not a usage error).
  auto r = pop3({"stat", "--timeout", "86400", url()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = pop3({"stat", "--timeout", "0.001", url()});
  EXPECT_NE(r.exit_code, 64) << r.err;
  EXPECT_EQ(r.err.find("--timeout"), std::string::npos) << r.err;
}

TEST_F(cli, network_failures) {
  const std::uint16_t port = server_.pop3s_port();
  server_.stop();
  auto r = pop3({"stat", "pop3s://alice@127.0.0.1:" + std::to_string(port)});
  EXPECT_EQ(r.exit_code, 69);
  EXPECT_EQ(r.err, "pop3: cannot open a session with 127.0.0.1 port " + std::to_string(port) +
                       ": connection refused\n");
  r = pop3({"stat", "pop3s://alice@no-such-host.invalid"});
  EXPECT_EQ(r.exit_code, 68);
  EXPECT_EQ(r.err,
            "pop3: cannot open a session with no-such-host.invalid port 995: host not found\n");
}

TEST_F(cli, usage_errors_are_64) {
  EXPECT_EQ(pop3({"stat"}).exit_code, 64);
  EXPECT_EQ(pop3({"retr", url()}).exit_code, 64);
  EXPECT_EQ(pop3({"retr", url(), "0"}).exit_code, 64);
  EXPECT_EQ(pop3({"retr", url(), "x"}).exit_code, 64);
  EXPECT_EQ(pop3({"frobnicate", url()}).exit_code, 64);
  EXPECT_EQ(pop3({"stat", "--auth", "kerberos", url()}).exit_code, 64);
  auto r = pop3({"stat", "imaps://alice@127.0.0.1"});
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_EQ(r.err, "pop3: the URL must start with pop3s:// or pop3://\n");
  r = pop3({"stat", "pop3s://127.0.0.1:" + std::to_string(server_.pop3s_port())});
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_EQ(r.err, "pop3: no user name: give it in the URL (pop3s://USER@HOST) or with --user\n");
  r = pop3({"stat", "--auth", "digest-md5", url()});
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_EQ(r.err, "pop3: unknown --auth method \"digest-md5\"\n");
  r = pop3({"stat", "--pin", "sha256:nothex", url()});
  EXPECT_EQ(r.exit_code, 64);
  r = pop3({"stat", "--cert", "c.pem", url()});
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_EQ(r.err, "pop3: --cert and --key go together\n");
  r = pop3({"stat", "pop3://bob%0d%0aDELE%201@127.0.0.1"});
  EXPECT_EQ(r.exit_code, 64);
}

TEST_F(cli, version_and_help) {
  auto r = pop3({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "pop3 " POP3_VERSION_STRING "\n");
  r = pop3({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("STLS required"), std::string::npos);
  EXPECT_NE(r.out.find("77 authentication failed"), std::string::npos);
  r = pop3({"retr", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--password-file"), std::string::npos);
  EXPECT_NE(r.out.find("--lf"), std::string::npos);
}

TEST_F(cli, user_option_overrides_url) {
  auto r = pop3(
      {"stat", "pop3://nobody@127.0.0.1:" + std::to_string(server_.port()), "--user", "alice"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.substr(0, 12), "12 messages,");
}

}  // namespace
}  // namespace pop3::test
