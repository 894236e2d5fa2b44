#include "fetch_faults_support.hpp"

#include <algorithm>
#include <cstdio>

#include "fetch_test_support.hpp"

namespace pop3::test {

namespace fs = std::filesystem;

std::string served_message::stored() const {
  std::string out;
  for (std::size_t i = 0; i < wire.size(); ++i)
    if (!(wire[i] == '\r' && i + 1 < wire.size() && wire[i + 1] == '\n')) out += wire[i];
  return out;
}

std::string served_message::retr_reply() const {
  std::string out = "+OK " + std::to_string(wire.size()) + " octets\r\n";
  bool line_start = true;
  for (char c : wire) {
    if (line_start && c == '.') out += '.';
    out += c;
    line_start = c == '\n';
  }
  return out + ".\r\n";
}

const std::vector<served_message>& three_messages() {
  static const std::vector<served_message> messages = {
      {1, "uid-1", "From: ann@example.org\r\nSubject: one\r\n\r\nThe first message.\r\n"},
      {2, "uid-2",
       "From: bob@example.org\r\nSubject: two\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nend\r\n"},
      {3, "uid-3", "From: cy@example.org\r\nSubject: three\r\n\r\nThe third message.\r\n"},
  };
  return messages;
}

std::vector<cleartext_step> login_steps(bool pipelining) {
  return {{"CAPA",
           std::string("+OK\r\nUSER\r\nUIDL\r\n") + (pipelining ? "PIPELINING\r\n" : "") + ".\r\n"},
          {"USER alice", "+OK\r\n"},
          {"PASS " + fault_password, "+OK logged in\r\n"}};
}

std::string list_reply(const std::vector<served_message>& messages) {
  std::string out = "+OK\r\n";
  for (const served_message& m : messages)
    out += std::to_string(m.number) + " " + std::to_string(m.wire.size()) + "\r\n";
  return out + ".\r\n";
}

std::string uidl_reply(const std::vector<served_message>& messages) {
  std::string out = "+OK\r\n";
  for (const served_message& m : messages)
    out += std::to_string(m.number) + " " + m.uid + "\r\n";
  return out + ".\r\n";
}

std::vector<cleartext_step> listing_steps(const std::vector<served_message>& messages) {
  return {{"LIST", list_reply(messages)}, {"UIDL", uidl_reply(messages)}};
}

std::string login_wire() {
  return "CAPA\r\nUSER alice\r\nPASS " + fault_password + "\r\n";
}

std::string listing_wire() {
  return "LIST\r\nUIDL\r\n";
}

cleartext_server_options clean_server(const std::vector<served_message>& messages) {
  cleartext_server_options options;
  options.script = login_steps(false);
  for (cleartext_step& s : listing_steps(messages))
    options.script.push_back(std::move(s));
  for (const served_message& m : messages) {
    options.script.push_back({"RETR " + std::to_string(m.number), m.retr_reply()});
    options.script.push_back({"DELE " + std::to_string(m.number), "+OK deleted\r\n"});
  }
  options.any_order = true;
  return options;
}

std::string retr(std::uint32_t n) {
  return "RETR " + std::to_string(n) + "\r\n";
}

std::string dele(std::uint32_t n) {
  return "DELE " + std::to_string(n) + "\r\n";
}

void fetch_faults::SetUp() {
  const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string(test->test_suite_name()) + "-" + test->name();
  std::replace(name.begin(), name.end(), '/', '-');
  root_ = fresh_directory("faults-" + name);
  maildir_ = root_ / "Maildir";
  state_ = root_ / "state";
}

void fetch_faults::TearDown() {
  std::error_code ignored;
  fs::remove_all(root_, ignored);
}

fetch_run fetch_faults::fetch(cleartext_pop3_server& server, const std::vector<std::string>& extra,
                              std::vector<std::string> delivery) {
  fetch_run run;
  run.port = server.port();
  std::vector<std::string> args = {
      "fetch",       "pop3://alice@127.0.0.1:" + std::to_string(server.port()),
      "--tls",       "none",
      "--auth",      "user",
      "--state-dir", state_.string()};
  if (delivery.empty()) delivery = {"--maildir", maildir_.string()};
  args.insert(args.end(), delivery.begin(), delivery.end());
  args.insert(args.end(), extra.begin(), extra.end());
  run.cli = run_pop3(args, {{"POP3_PASSWORD", fault_password}});
  EXPECT_TRUE(server.wait_until_done()) << "the scripted server did not finish";
  run.wire = server.received();
  return run;
}

std::string fetch_faults::stderr_of(std::uint16_t port, const std::vector<std::string>& lines) {
  const std::string account = "pop3: alice@127.0.0.1:" + std::to_string(port) + ": ";
  std::string out = account + "warning: --tls none: the session crosses the network unencrypted\n";
  for (const std::string& line : lines)
    out += account + line + "\n";
  return out;
}

std::string fetch_faults::summary_of(std::uint16_t port, const std::string& rest) {
  return "alice@127.0.0.1:" + std::to_string(port) + ": " + rest + "\n";
}

std::vector<std::string> fetch_faults::delivered() const {
  return file_contents(maildir_ / "new");
}

void fetch_faults::expect_no_leftovers() const {
  EXPECT_EQ(file_contents(maildir_ / "tmp"), std::vector<std::string>{}) << "Maildir/tmp";
  EXPECT_EQ(file_contents(maildir_ / "cur"), std::vector<std::string>{}) << "Maildir/cur";
}

fetch_run fetch_faults::expect_next_run(cleartext_pop3_server& server,
                                        const std::vector<served_message>& on_server,
                                        const std::vector<std::uint32_t>& delivered_before,
                                        const std::vector<std::uint32_t>& fetched_now,
                                        std::vector<std::string> delivery) {
  SCOPED_TRACE("the next run");
  server.serve_again(clean_server(on_server));
  fetch_run next = fetch(server, {}, std::move(delivery));
  std::string wire = login_wire() + listing_wire();
  for (std::uint32_t n : delivered_before)
    wire += dele(n);
  std::uint64_t octets = 0;
  for (std::uint32_t n : fetched_now) {
    wire += retr(n) + dele(n);
    octets += on_server.at(n - 1).wire.size();
  }
  EXPECT_EQ(next.wire, wire + "QUIT\r\n");
  EXPECT_EQ(next.cli.exit_code, 0);
  EXPECT_EQ(next.cli.err, stderr_of(next.port, {}));
  EXPECT_EQ(
      next.cli.out,
      summary_of(next.port,
                 std::to_string(fetched_now.size()) + " delivered (" + size_words(octets) + "), " +
                     std::to_string(delivered_before.size() + fetched_now.size()) + " deleted"));
  return next;
}

std::string size_words(std::uint64_t octets) {
  if (octets < 1024) return std::to_string(octets) + " B";
  char words[32];
  std::snprintf(words, sizeof words, "%.1f KiB", static_cast<double>(octets) / 1024);
  return words;
}

std::string with_tmp_names_masked(std::string text, const fs::path& directory) {
  const std::string prefix = directory.string() + "/";
  for (std::size_t at = text.find(prefix); at != std::string::npos;
       at = text.find(prefix, at + prefix.size())) {
    const std::size_t name = at + prefix.size();
    const std::size_t end = text.find(':', name);
    if (end == std::string::npos) break;
    text.replace(name, end - name, "NAME");
  }
  return text;
}

std::vector<served_message> still_on_server(const std::vector<served_message>& messages,
                                            const std::vector<std::uint32_t>& numbers) {
  std::vector<served_message> out;
  for (std::uint32_t n : numbers) {
    out.push_back(messages.at(n - 1));
    out.back().number = static_cast<std::uint32_t>(out.size());
  }
  return out;
}

std::vector<std::string> stored_of(const std::vector<served_message>& messages,
                                   const std::vector<std::uint32_t>& numbers) {
  std::vector<std::string> out;
  for (std::uint32_t n : numbers)
    out.push_back(messages.at(n - 1).stored());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace pop3::test
