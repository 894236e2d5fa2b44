// `pop3 fetch` in delete mode against scripted servers that fail at every stage: the
// connection closed (with and without pipelining), -ERR to RETR, DELE and QUIT, a full and a
// read-only disk, a failing MDA, and a server that mishandles pipelining. Each case asserts
// the exact bytes the client sent (which DELEs above all), the exit code, stderr, stdout, what
// is on disk, and what the next run does with the state the failed one left.
#include <sys/mount.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "fetch_faults_support.hpp"
#include "fetch_test_support.hpp"

namespace pop3::test {
namespace {

namespace fs = std::filesystem;

const std::string closed = "the server closed the connection";
const std::string pipelined_failure =
    "retrieval failed (with pipelining; if the server mishandles it, set pipelining = \"off\"): " +
    closed;
const std::string left_one =
    "warning: the deletion of message 1 did not take effect (the session ended "
    "without QUIT); it is retried on the next run";
const std::string left_two =
    "warning: the 2 deletions did not take effect (the session ended "
    "without QUIT); they are retried on the next run";

// Login, LIST, UIDL, then RETR n / DELE n for each message, in this order.
cleartext_server_options full_script(const std::vector<served_message>& messages, bool pipelining) {
  cleartext_server_options options;
  options.script = login_steps(pipelining);
  for (cleartext_step& s : listing_steps(messages))
    options.script.push_back(std::move(s));
  for (const served_message& m : messages) {
    options.script.push_back({"RETR " + std::to_string(m.number), m.retr_reply()});
    options.script.push_back({"DELE " + std::to_string(m.number), "+OK deleted\r\n"});
  }
  // A pipelining client sends RETRs ahead of the DELEs; the replies still go in its order.
  options.any_order = pipelining;
  return options;
}

cleartext_step& step(cleartext_server_options& options, const std::string& expect) {
  for (cleartext_step& s : options.script)
    if (s.expect == expect) return s;
  ADD_FAILURE() << "no step " << expect;
  return options.script.front();
}

// The three messages' script, with the reply to `expect` replaced by `reply` and the
// connection closed right after it ("QUIT": QUIT gets no reply at all).
cleartext_server_options closed_at(const std::string& expect, const std::string& reply,
                                   bool pipelining) {
  cleartext_server_options options = full_script(three_messages(), pipelining);
  if (expect == "QUIT") {
    options.script.push_back({"QUIT", "", true});
    return options;
  }
  cleartext_step& s = step(options, expect);
  s.reply = reply;
  s.close_after = true;
  return options;
}

// RETR n's reply cut after the first occurrence of `marker` in it (the marker included).
std::string retr_cut_after(std::uint32_t n, const std::string& marker) {
  const std::string reply = three_messages().at(n - 1).retr_reply();
  const std::size_t at = reply.find(marker, reply.find("\r\n") + 2);
  EXPECT_NE(at, std::string::npos) << marker;
  return reply.substr(0, at + marker.size());
}

// RETR n's reply without its last `missing` bytes.
std::string retr_without_last(std::uint32_t n, std::size_t missing) {
  const std::string reply = three_messages().at(n - 1).retr_reply();
  return reply.substr(0, reply.size() - missing);
}

std::string wire_of(const std::vector<std::string>& commands) {
  std::string out = login_wire() + listing_wire();
  for (const std::string& c : commands)
    out += c + "\r\n";
  return out;
}

// ---------------------------------------------------------------------------------------
// 1 and 2: the connection closed at every stage.

struct closing_case {
  std::string name;
  std::function<cleartext_server_options()> server;
  std::string wire;                         // every byte the client sent
  std::vector<std::string> stderr_lines;    // after the tls = "none" warning
  std::string summary;                      // stdout after "alice@127.0.0.1:PORT: "
  std::vector<std::uint32_t> delivered;     // in the Maildir after the run
  std::vector<std::uint32_t> deleted_next;  // the next run's DELEs without RETR
  std::vector<std::uint32_t> fetched_next;  // the next run's RETR + DELE
};

std::string failed(const std::string& counts, const std::string& failure) {
  return counts + "; failed (exit 76): " + failure;
}

std::vector<closing_case> closing_cases() {
  const std::string greeting_failure = "cannot open a session with 127.0.0.1 port PORT: " + closed;
  const std::string retrieval = "retrieval failed: " + closed;
  const std::string none = "0 delivered (0 B), 0 deleted";
  const std::string first_left = "1 delivered (59 B), 0 deleted, 1 deletion left for the next run";
  const auto cut_in_2 = [&](std::string name, std::function<std::string()> reply) {
    return closing_case{name,
                        [reply] { return closed_at("RETR 2", reply(), false); },
                        wire_of({"RETR 1", "DELE 1", "RETR 2"}),
                        {left_one, retrieval},
                        failed(first_left, retrieval),
                        {1},
                        {1},
                        {2, 3}};
  };
  const auto pipelined = [](std::string name, std::string expect,
                            std::function<std::string()> reply, std::vector<std::string> commands,
                            std::vector<std::string> lines, std::string summary,
                            std::vector<std::uint32_t> delivered) {
    std::vector<std::uint32_t> rest;
    for (std::uint32_t n = 1; n <= 3; ++n)
      if (std::find(delivered.begin(), delivered.end(), n) == delivered.end()) rest.push_back(n);
    return closing_case{"pipelined_" + name,
                        [expect, reply] { return closed_at(expect, reply(), true); },
                        wire_of(commands),
                        lines,
                        summary,
                        delivered,
                        delivered,
                        rest};
  };
  const std::vector<std::string> ahead = {"RETR 1", "RETR 2", "RETR 3"};
  const auto plus = [](std::vector<std::string> a, std::vector<std::string> b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };
  return {
      {"after_the_greeting",
       [] {
         cleartext_server_options o = full_script(three_messages(), false);
         o.close_after_greeting = true;
         return o;
       },
       "CAPA\r\n",
       {greeting_failure},
       failed(none, greeting_failure),
       {},
       {},
       {1, 2, 3}},
      {"after_capa",
       [] { return closed_at("CAPA", "+OK\r\nUSER\r\nUIDL\r\n.\r\n", false); },
       "CAPA\r\nUSER alice\r\n",
       {"login failed: " + closed},
       failed(none, "login failed: " + closed),
       {},
       {},
       {1, 2, 3}},
      {"after_user_and_pass",
       [] { return closed_at("PASS " + fault_password, "+OK logged in\r\n", false); },
       login_wire() + "LIST\r\n",
       {"LIST failed: " + closed},
       failed(none, "LIST failed: " + closed),
       {},
       {},
       {1, 2, 3}},
      {"during_list",
       [] { return closed_at("LIST", "+OK\r\n1 5", false); },
       login_wire() + "LIST\r\n",
       {"LIST failed: " + closed},
       failed(none, "LIST failed: " + closed),
       {},
       {},
       {1, 2, 3}},
      {"during_uidl",
       [] { return closed_at("UIDL", "+OK\r\n1 uid-1\r\n", false); },
       login_wire() + listing_wire(),
       {"UIDL failed: " + closed},
       failed(none, "UIDL failed: " + closed),
       {},
       {},
       {1, 2, 3}},
      {"after_the_ok_of_retr",
       [] { return closed_at("RETR 1", "+OK 59 octets\r\n", false); },
       wire_of({"RETR 1"}),
       {retrieval},
       failed(none, retrieval),
       {},
       {},
       {1, 2, 3}},
      {"in_the_first_message_between_cr_and_lf",
       [] { return closed_at("RETR 1", retr_cut_after(1, "\r"), false); },
       wire_of({"RETR 1"}),
       {retrieval},
       failed(none, retrieval),
       {},
       {},
       {1, 2, 3}},
      cut_in_2("in_a_message_between_cr_and_lf", [] { return retr_cut_after(2, "\r"); }),
      cut_in_2("in_a_message_after_a_stuffed_dot", [] { return retr_cut_after(2, "\r\n."); }),
      cut_in_2("in_a_message_after_a_stuffed_lone_dot",
               [] { return retr_cut_after(2, "two dots\r\n."); }),
      cut_in_2("right_before_the_terminating_dot", [] { return retr_without_last(2, 3); }),
      cut_in_2("between_the_terminating_dot_and_crlf", [] { return retr_without_last(2, 2); }),
      cut_in_2("between_the_terminating_dot_cr_and_lf", [] { return retr_without_last(2, 1); }),
      {"right_after_a_complete_retr_reply",
       [] { return closed_at("RETR 2", three_messages()[1].retr_reply(), false); },
       wire_of({"RETR 1", "DELE 1", "RETR 2", "DELE 2"}),
       {left_one, retrieval},
       failed("2 delivered (132 B), 0 deleted, 1 deletion left for the next run", retrieval),
       {1, 2},
       {1, 2},
       {3}},
      {"after_a_dele_reply",
       [] { return closed_at("DELE 2", "+OK deleted\r\n", false); },
       wire_of({"RETR 1", "DELE 1", "RETR 2", "DELE 2", "RETR 3"}),
       {left_two, retrieval},
       failed("2 delivered (132 B), 0 deleted, 2 deletions left for the next run", retrieval),
       {1, 2},
       {1, 2},
       {3}},
      {"before_the_quit_reply",
       [] { return closed_at("QUIT", "", false); },
       wire_of({"RETR 1", "DELE 1", "RETR 2", "DELE 2", "RETR 3", "DELE 3", "QUIT"}),
       {"QUIT failed, so the 3 deletions did not take effect (they are retried on the next "
        "run): " +
        closed},
       failed("3 delivered (192 B), 0 deleted, 3 deletions left for the next run",
              "QUIT failed, so the 3 deletions did not take effect (they are retried on the next "
              "run): " +
                  closed),
       {1, 2, 3},
       {1, 2, 3},
       {}},
      // With pipelining the client sends the three RETRs at once and DELE n only once message
      // n's data ended: a message cut off is never deleted, whatever is already in flight.
      pipelined("in_the_first_message", "RETR 1", [] { return retr_cut_after(1, "\r"); }, ahead,
                {pipelined_failure}, failed(none, pipelined_failure), {}),
      pipelined("in_the_second_message", "RETR 2", [] { return retr_cut_after(2, "\r\n."); },
                plus(ahead, {"DELE 1"}), {pipelined_failure},
                failed("1 delivered (59 B), 0 deleted", pipelined_failure), {1}),
      pipelined("right_before_the_third_terminator", "RETR 3",
                [] { return retr_without_last(3, 3); }, plus(ahead, {"DELE 1", "DELE 2"}),
                {pipelined_failure}, failed("2 delivered (132 B), 0 deleted", pipelined_failure),
                {1, 2}),
      pipelined("after_the_first_dele_reply", "DELE 1", [] { return std::string("+OK\r\n"); },
                plus(ahead, {"DELE 1", "DELE 2", "DELE 3"}), {left_one, pipelined_failure},
                failed("3 delivered (192 B), 0 deleted, 1 deletion left for the next run",
                       pipelined_failure),
                {1, 2, 3}),
  };
}

// gtest prints the case's name, not its bytes.
void PrintTo(const closing_case& c, std::ostream* os) {
  *os << c.name;
}

class connection_closed : public fetch_faults,
                          public ::testing::WithParamInterface<closing_case> {};

std::string with_port(std::string text, std::uint16_t port) {
  for (std::size_t at; (at = text.find("PORT")) != std::string::npos;)
    text.replace(at, 4, std::to_string(port));
  return text;
}

TEST_P(connection_closed, deletes_only_what_was_delivered_and_the_next_run_completes) {
  const closing_case& c = GetParam();
  cleartext_pop3_server server(c.server());
  const fetch_run run = fetch(server);

  EXPECT_EQ(run.wire, c.wire);
  EXPECT_EQ(run.cli.exit_code, 76);
  std::vector<std::string> lines;
  for (const std::string& line : c.stderr_lines)
    lines.push_back(with_port(line, run.port));
  EXPECT_EQ(run.cli.err, stderr_of(run.port, lines));
  EXPECT_EQ(run.cli.out, summary_of(run.port, with_port(c.summary, run.port)));
  EXPECT_EQ(delivered(), stored_of(three_messages(), c.delivered));
  expect_no_leftovers();

  // No QUIT succeeded: the server still has all three.
  expect_next_run(server, three_messages(), c.deleted_next, c.fetched_next);
  EXPECT_EQ(delivered(), stored_of(three_messages(), {1, 2, 3}));
  expect_no_leftovers();
}

INSTANTIATE_TEST_SUITE_P(fetch_faults, connection_closed, ::testing::ValuesIn(closing_cases()),
                         [](const auto& test) { return test.param.name; });

// ---------------------------------------------------------------------------------------
// 3, 4, 5: -ERR to RETR, DELE and QUIT.

TEST_F(fetch_faults, an_err_to_one_retr_leaves_that_message_for_the_next_run) {
  cleartext_server_options options = full_script(three_messages(), false);
  step(options, "RETR 2").reply = "-ERR locked\r\n";
  std::erase_if(options.script, [](const cleartext_step& s) { return s.expect == "DELE 2"; });
  cleartext_pop3_server server(options);
  const fetch_run run = fetch(server);

  EXPECT_EQ(run.wire, wire_of({"RETR 1", "DELE 1", "RETR 2", "RETR 3", "DELE 3", "QUIT"}));
  EXPECT_EQ(run.cli.exit_code, 69);
  const std::string failure = "RETR of message 2: the server answered -ERR \"locked\"";
  // Once as the message's event, once as the account's failure.
  EXPECT_EQ(run.cli.err, stderr_of(run.port, {failure, failure}));
  EXPECT_EQ(run.cli.out,
            summary_of(run.port,
                       "2 delivered (119 B), 2 deleted, 1 failed; failed (exit 69): " + failure));
  EXPECT_EQ(delivered(), stored_of(three_messages(), {1, 3}));
  expect_no_leftovers();

  // QUIT succeeded: only the second message is left, now numbered 1.
  expect_next_run(server, still_on_server(three_messages(), {2}), {}, {1});
  EXPECT_EQ(delivered(), stored_of(three_messages(), {1, 2, 3}));
  expect_no_leftovers();
}

TEST_F(fetch_faults, an_err_to_one_dele_keeps_the_message_and_the_next_run_deletes_it) {
  cleartext_server_options options = full_script(three_messages(), false);
  step(options, "DELE 2").reply = "-ERR nope\r\n";
  cleartext_pop3_server server(options);
  const fetch_run run = fetch(server);

  EXPECT_EQ(run.wire,
            wire_of({"RETR 1", "DELE 1", "RETR 2", "DELE 2", "RETR 3", "DELE 3", "QUIT"}));
  EXPECT_EQ(run.cli.exit_code, 69);
  const std::string failure =
      "DELE of message 2: the server answered -ERR \"nope\" (it is retried on the next run)";
  EXPECT_EQ(run.cli.err, stderr_of(run.port, {failure}));
  EXPECT_EQ(run.cli.out, summary_of(run.port,
                                    "3 delivered (192 B), 2 deleted, 1 deletion left for the next "
                                    "run; failed (exit 69): " +
                                        failure));
  EXPECT_EQ(delivered(), stored_of(three_messages(), {1, 2, 3}));

  expect_next_run(server, still_on_server(three_messages(), {2}), {1}, {});
  EXPECT_EQ(delivered(), stored_of(three_messages(), {1, 2, 3}));
  expect_no_leftovers();
}

// LIST's sizes with message 2 announced as 100 octets and message 3 as 2 octets less than
// it is (a server that adds CRLF to a message without one counts without it).
std::string inexact_list_reply() {
  const auto& m = three_messages();
  return "+OK\r\n1 " + std::to_string(m[0].wire.size()) + "\r\n2 100\r\n3 " +
         std::to_string(m[2].wire.size() - 2) + "\r\n.\r\n";
}

TEST_F(fetch_faults, an_inexact_list_size_without_pipelining_is_only_a_warning) {
  cleartext_server_options options = full_script(three_messages(), false);
  step(options, "LIST").reply = inexact_list_reply();
  cleartext_pop3_server server(options);
  const fetch_run run = fetch(server);

  EXPECT_EQ(run.wire,
            wire_of({"RETR 1", "DELE 1", "RETR 2", "DELE 2", "RETR 3", "DELE 3", "QUIT"}));
  EXPECT_EQ(run.cli.exit_code, 0);
  EXPECT_EQ(run.cli.err, stderr_of(run.port, {"warning: message 2 is " +
                                              std::to_string(three_messages()[1].wire.size()) +
                                              " octets, but LIST said 100"}));
  EXPECT_EQ(delivered(), stored_of(three_messages(), {1, 2, 3}));
  expect_no_leftovers();
}

TEST_F(fetch_faults, with_pipelining_two_octets_more_than_list_said_is_accepted) {
  // Only message 3 is inexact here, by the tolerated two octets.
  cleartext_server_options options = full_script(three_messages(), true);
  const auto& m = three_messages();
  step(options, "LIST").reply = "+OK\r\n1 " + std::to_string(m[0].wire.size()) + "\r\n2 " +
                                std::to_string(m[1].wire.size()) + "\r\n3 " +
                                std::to_string(m[2].wire.size() - 2) + "\r\n.\r\n";
  cleartext_pop3_server server(options);
  const fetch_run run = fetch(server);

  EXPECT_TRUE(server.saw_pipelining());
  EXPECT_EQ(run.cli.exit_code, 0) << run.cli.err;
  EXPECT_EQ(run.cli.err, stderr_of(run.port, {}));
  EXPECT_EQ(delivered(), stored_of(three_messages(), {1, 2, 3}));
  expect_no_leftovers();
}

// A server without UIDL (its CAPA does not list it, and UIDL gets -ERR): every message is
// fetched, and deleted unless kept; with --keep, every run fetches them all again.
cleartext_server_options server_without_uidl(bool keep) {
  cleartext_server_options options = full_script(three_messages(), false);
  step(options, "CAPA").reply = "+OK\r\nUSER\r\n.\r\n";
  std::erase_if(options.script, [&](const cleartext_step& s) {
    return s.expect == "UIDL" || (keep && s.expect.starts_with("DELE"));
  });
  return options;
}

std::string wire_without_uidl(const std::vector<std::string>& commands) {
  std::string out = login_wire() + "LIST\r\n";
  for (const std::string& c : commands)
    out += c + "\r\n";
  return out;
}

TEST_F(fetch_faults, a_server_without_uidl_has_every_message_fetched_and_deleted) {
  cleartext_pop3_server server(server_without_uidl(false));
  const fetch_run run = fetch(server);
  EXPECT_EQ(run.wire, wire_without_uidl(
                          {"RETR 1", "DELE 1", "RETR 2", "DELE 2", "RETR 3", "DELE 3", "QUIT"}));
  EXPECT_EQ(run.cli.exit_code, 0);
  EXPECT_EQ(run.cli.err, stderr_of(run.port, {}));
  EXPECT_EQ(delivered(), stored_of(three_messages(), {1, 2, 3}));
  expect_no_leftovers();
}

TEST_F(fetch_faults, a_server_without_uidl_with_keep_has_every_message_fetched_each_run) {
  cleartext_pop3_server server(server_without_uidl(true));
  const fetch_run run = fetch(server, {"--keep"});
  EXPECT_EQ(run.wire, wire_without_uidl({"RETR 1", "RETR 2", "RETR 3", "QUIT"}));
  EXPECT_EQ(run.cli.exit_code, 0);
  EXPECT_EQ(run.cli.err,
            stderr_of(run.port,
                      {"warning: the server has no UIDL: every message is fetched on every run"}));
  EXPECT_EQ(delivered(), stored_of(three_messages(), {1, 2, 3}));

  server.serve_again(server_without_uidl(true));
  const fetch_run next = fetch(server, {"--keep"});
  EXPECT_EQ(next.wire, wire_without_uidl({"RETR 1", "RETR 2", "RETR 3", "QUIT"}));
  EXPECT_EQ(next.cli.exit_code, 0);
  EXPECT_EQ(delivered(), stored_of(three_messages(), {1, 1, 2, 2, 3, 3}));
  expect_no_leftovers();
}

TEST_F(fetch_faults, an_err_to_uidl_from_a_server_that_announced_it_fails_the_account) {
  // Going on without UIDs would deliver again every message kept on the server.
  for (const bool keep : {false, true}) {
    SCOPED_TRACE(keep ? "--keep" : "delete");
    cleartext_server_options options = full_script(three_messages(), false);
    step(options, "UIDL").reply = "-ERR [SYS/TEMP] index busy\r\n";
    cleartext_pop3_server server(options);
    const fetch_run run =
        fetch(server, keep ? std::vector<std::string>{"--keep"} : std::vector<std::string>{});
    EXPECT_EQ(run.wire, login_wire() + "LIST\r\nUIDL\r\nQUIT\r\n");
    EXPECT_EQ(run.cli.exit_code, 75);
    EXPECT_EQ(run.cli.err, stderr_of(run.port, {"UIDL failed: the server answered -ERR "
                                                "[SYS/TEMP] \"index busy\""}));
    EXPECT_EQ(delivered(), stored_of(three_messages(), {}));
    expect_no_leftovers();
  }
}

TEST_F(fetch_faults, an_err_to_uidl_after_uids_were_recorded_fails_even_without_capa) {
  // A server without CAPA gave UIDs to the first run; then UIDL fails: that is no server
  // without UIDL, and going on without UIDs would deliver every kept message again.
  cleartext_server_options first = full_script(three_messages(), false);
  step(first, "CAPA").reply = "-ERR unknown command\r\n";
  std::erase_if(first.script, [](const cleartext_step& s) { return s.expect.starts_with("DELE"); });
  cleartext_pop3_server server(first);
  const fetch_run kept = fetch(server, {"--keep"});
  ASSERT_EQ(kept.cli.exit_code, 0) << kept.cli.err;
  ASSERT_EQ(delivered(), stored_of(three_messages(), {1, 2, 3}));

  cleartext_server_options second = full_script(three_messages(), false);
  step(second, "CAPA").reply = "-ERR unknown command\r\n";
  step(second, "UIDL").reply = "-ERR [SYS/TEMP] index busy\r\n";
  server.serve_again(second);
  const fetch_run run = fetch(server, {"--keep"});
  EXPECT_EQ(run.wire, login_wire() + "LIST\r\nUIDL\r\nQUIT\r\n");
  EXPECT_EQ(run.cli.exit_code, 75);
  EXPECT_EQ(run.cli.err, stderr_of(run.port, {"UIDL failed: the server answered -ERR "
                                              "[SYS/TEMP] \"index busy\""}));
  EXPECT_EQ(delivered(), stored_of(three_messages(), {1, 2, 3}));  // nothing again
}

TEST_F(fetch_faults, an_mbox_locked_past_the_lock_timeout_is_a_temporary_failure) {
  // A mail reader holds the mbox for longer than the 10 s pop3 fetch waits: try again later
  // (75), not an I/O error (74). The dotlock names this test, a live process.
  const fs::path mbox = maildir_.parent_path() / "locked.mbox";
  write_file(fs::path(mbox.string() + ".lock"), std::to_string(::getpid()) + "\n");
  cleartext_server_options options = full_script(three_messages(), false);
  options.idle_timeout = std::chrono::seconds(30);  // the server outwaits the lock timeout
  cleartext_pop3_server server(options);
  const fetch_run run = fetch(server, {}, {"--mbox", mbox.string()});

  EXPECT_EQ(run.wire, wire_of({"RETR 1", "QUIT"}));
  EXPECT_EQ(run.cli.exit_code, 75);
  const std::string words = "cannot deliver message 1: cannot lock " + mbox.string() + ": " +
                            mbox.string() + ".lock exists (waited 10000 ms)";
  EXPECT_EQ(run.cli.err, stderr_of(run.port, {words, words + " (it stays on the server)"}));
  EXPECT_EQ(read_file(mbox), "");  // made empty at the start of the run; nothing written
  fs::remove(mbox.string() + ".lock");
}

TEST_F(fetch_faults, an_err_to_quit_leaves_every_deletion_to_the_next_run) {
  cleartext_server_options options = full_script(three_messages(), false);
  options.script.push_back({"QUIT", "-ERR cannot commit\r\n"});
  cleartext_pop3_server server(options);
  const fetch_run run = fetch(server);

  EXPECT_EQ(run.wire,
            wire_of({"RETR 1", "DELE 1", "RETR 2", "DELE 2", "RETR 3", "DELE 3", "QUIT"}));
  EXPECT_EQ(run.cli.exit_code, 69);
  const std::string failure =
      "QUIT failed, so the 3 deletions did not take effect (they are retried on the next run): "
      "the server answered -ERR \"cannot commit\"";
  EXPECT_EQ(run.cli.err, stderr_of(run.port, {failure}));
  EXPECT_EQ(run.cli.out, summary_of(run.port,
                                    "3 delivered (192 B), 0 deleted, 3 deletions left for the next "
                                    "run; failed (exit 69): " +
                                        failure));
  EXPECT_EQ(delivered(), stored_of(three_messages(), {1, 2, 3}));

  expect_next_run(server, three_messages(), {1, 2, 3}, {});
  EXPECT_EQ(delivered(), stored_of(three_messages(), {1, 2, 3}));
  expect_no_leftovers();
}

// ---------------------------------------------------------------------------------------
// 6, 7: a full and a read-only file system (a tmpfs mounted for the test; the tests run as
// root, and a mount that fails is a failure of the test, never a skip).

class fetch_faults_on_tmpfs : public fetch_faults {
 protected:
  void SetUp() override {
    fetch_faults::SetUp();
    disk_ = root_ / "disk";
    fs::create_directories(disk_);
    if (::mount("tmpfs", disk_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=64k") != 0)
      FAIL() << "mount tmpfs on " << disk_ << ": " << std::strerror(errno);
    mounted_ = true;
    maildir_ = disk_ / "Maildir";
  }
  void TearDown() override {
    if (mounted_ && ::umount2(disk_.c_str(), MNT_DETACH) != 0)
      ADD_FAILURE() << "umount " << disk_ << ": " << std::strerror(errno);
    fetch_faults::TearDown();
  }
  // The user makes room (or makes the disk writable) before the next run.
  void remount(const char* data, unsigned long flags = 0) {
    ASSERT_EQ(
        ::mount("tmpfs", disk_.c_str(), "tmpfs", MS_REMOUNT | MS_NOSUID | MS_NODEV | flags, data),
        0)
        << "remount " << disk_ << " " << data << ": " << std::strerror(errno);
  }

  fs::path disk_;
  bool mounted_ = false;
};

// A small message, one larger than the whole tmpfs, another small one.
const std::vector<served_message>& small_big_small() {
  static const std::vector<served_message> messages = [] {
    std::vector<served_message> m = {three_messages()[0], three_messages()[1], three_messages()[2]};
    std::string big = "From: big@example.org\r\nSubject: big\r\n\r\n";
    for (int i = 0; i < 2000; ++i)
      big += std::string(70, 'x') + "\r\n";  // 144 KB, more than 64 KiB in any line ending
    m[1].wire = big;
    return m;
  }();
  return messages;
}

TEST_F(fetch_faults_on_tmpfs, a_full_maildir_stops_the_run_and_keeps_the_message) {
  fs::create_directories(maildir_ / "tmp");
  fs::create_directories(maildir_ / "new");
  fs::create_directories(maildir_ / "cur");
  cleartext_pop3_server server(full_script(small_big_small(), false));
  const fetch_run run = fetch(server);

  // No RETR 3 after the failure; QUIT so that the first deletion takes effect.
  EXPECT_EQ(run.wire, wire_of({"RETR 1", "DELE 1", "RETR 2", "QUIT"}));
  EXPECT_EQ(run.cli.exit_code, 74);
  const std::string words = "cannot deliver message 2: cannot write " +
                            (maildir_ / "tmp").string() + "/NAME: No space left on device";
  EXPECT_EQ(with_tmp_names_masked(run.cli.err, maildir_ / "tmp"),
            stderr_of(run.port, {words, words + " (it stays on the server)"}));
  EXPECT_EQ(with_tmp_names_masked(run.cli.out, maildir_ / "tmp"),
            summary_of(run.port, "1 delivered (59 B), 1 deleted, 1 failed; failed (exit 74): " +
                                     words + " (it stays on the server)"));
  EXPECT_EQ(delivered(), stored_of(small_big_small(), {1}));
  expect_no_leftovers();

  remount("size=1m");
  expect_next_run(server, still_on_server(small_big_small(), {2, 3}), {}, {1, 2});
  EXPECT_EQ(delivered(), stored_of(small_big_small(), {1, 2, 3}));
  expect_no_leftovers();
}

TEST_F(fetch_faults_on_tmpfs, a_full_mbox_stops_the_run_and_is_left_as_before_the_message) {
  const fs::path mbox = disk_ / "mbox";
  const std::vector<std::string> delivery = {"--mbox", mbox.string()};
  cleartext_pop3_server server(full_script(small_big_small(), false));
  const fetch_run run = fetch(server, {}, delivery);

  EXPECT_EQ(run.wire, wire_of({"RETR 1", "DELE 1", "RETR 2", "QUIT"}));
  EXPECT_EQ(run.cli.exit_code, 74);
  const std::string words =
      "cannot deliver message 2: cannot write " + mbox.string() + ": No space left on device";
  EXPECT_EQ(run.cli.err, stderr_of(run.port, {words, words + " (it stays on the server)"}));
  EXPECT_EQ(run.cli.out,
            summary_of(run.port, "1 delivered (59 B), 1 deleted, 1 failed; failed (exit 74): " +
                                     words + " (it stays on the server)"));
  // Exactly the first message: its "From " line and entry, nothing of the second.
  const std::string after_first = read_file(mbox);
  EXPECT_EQ(mbox_entries(after_first),
            std::vector<std::string>{mboxrd_entry(small_big_small()[0].stored())});
  EXPECT_EQ(after_first.substr(after_first.find('\n') + 1),
            mboxrd_entry(small_big_small()[0].stored()));

  remount("size=1m");
  expect_next_run(server, still_on_server(small_big_small(), {2, 3}), {}, {1, 2}, delivery);
  const std::string all = read_file(mbox);
  EXPECT_EQ(all.substr(0, after_first.size()), after_first);
  EXPECT_EQ(mbox_entries(all),
            (std::vector<std::string>{mboxrd_entry(small_big_small()[0].stored()),
                                      mboxrd_entry(small_big_small()[1].stored()),
                                      mboxrd_entry(small_big_small()[2].stored())}));
}

TEST_F(fetch_faults_on_tmpfs, a_read_only_maildir_fails_before_any_deletion) {
  fs::create_directories(maildir_ / "tmp");
  fs::create_directories(maildir_ / "new");
  fs::create_directories(maildir_ / "cur");
  remount("size=64k", MS_RDONLY);
  cleartext_pop3_server server(full_script(three_messages(), false));
  const fetch_run run = fetch(server);

  // It fails at the first message, before anything is delivered: no DELE; QUIT.
  EXPECT_EQ(run.wire, wire_of({"RETR 1", "QUIT"}));
  EXPECT_EQ(run.cli.exit_code, 74);
  const std::string words = "cannot deliver message 1: cannot create " +
                            (maildir_ / "tmp").string() + "/NAME: Read-only file system";
  EXPECT_EQ(with_tmp_names_masked(run.cli.err, maildir_ / "tmp"),
            stderr_of(run.port, {words, words + " (it stays on the server)"}));
  EXPECT_EQ(with_tmp_names_masked(run.cli.out, maildir_ / "tmp"),
            summary_of(run.port, "0 delivered (0 B), 0 deleted, 1 failed; failed (exit 74): " +
                                     words + " (it stays on the server)"));
  EXPECT_EQ(delivered(), std::vector<std::string>{});
  expect_no_leftovers();

  remount("size=64k");
  expect_next_run(server, three_messages(), {}, {1, 2, 3});
  EXPECT_EQ(delivered(), stored_of(three_messages(), {1, 2, 3}));
  expect_no_leftovers();
}

// ---------------------------------------------------------------------------------------
// 8: an MDA that refuses the second message.

TEST_F(fetch_faults, an_mda_failing_for_one_message_stops_the_run_without_its_dele) {
  const fs::path out = root_ / "mda-out";
  const fs::path refuse = root_ / "refuse-uid-2";
  fs::create_directories(out);
  write_file(refuse, "");
  // Delivers each message to OUT/UID, except uid-2 while REFUSE exists: it reads it and fails.
  const std::vector<std::string> delivery = {
      "--mda", "if [ \"$POP3_UID\" = uid-2 ] && [ -e '" + refuse.string() +
                   "' ]; then cat >/dev/null; exit 1; fi; cat > '" + out.string() +
                   "'/\"$POP3_UID\""};
  cleartext_pop3_server server(full_script(three_messages(), false));
  const fetch_run run = fetch(server, {}, delivery);

  EXPECT_EQ(run.wire, wire_of({"RETR 1", "DELE 1", "RETR 2", "QUIT"}));
  EXPECT_EQ(run.cli.exit_code, 74);
  const std::string words = "cannot deliver message 2: the MDA exited with status 1";
  EXPECT_EQ(run.cli.err, stderr_of(run.port, {words, words + " (it stays on the server)"}));
  EXPECT_EQ(run.cli.out,
            summary_of(run.port, "1 delivered (59 B), 1 deleted, 1 failed; failed (exit 74): " +
                                     words + " (it stays on the server)"));
  EXPECT_EQ(file_contents(out), stored_of(three_messages(), {1}));
  EXPECT_EQ(read_file(out / "uid-1"), three_messages()[0].stored());

  fs::remove(refuse);
  expect_next_run(server, still_on_server(three_messages(), {2, 3}), {}, {1, 2}, delivery);
  EXPECT_EQ(file_contents(out), stored_of(three_messages(), {1, 2, 3}));
  EXPECT_EQ(read_file(out / "uid-2"), three_messages()[1].stored());
  EXPECT_EQ(read_file(out / "uid-3"), three_messages()[2].stored());
}

// ---------------------------------------------------------------------------------------
// 9: a server that announces PIPELINING and mishandles it; `--pipelining off` then works
// with the same script, which answers one command at a time correctly.

TEST_F(fetch_faults, a_reply_dropped_in_a_pipeline_fails_without_deleting_what_is_not_delivered) {
  // The reply to the last RETR is dropped: the client reads the DELE replies where the third
  // message should be, and never sees its end.
  cleartext_server_options options = full_script(three_messages(), true);
  step(options, "RETR 3").reply_once_pipelined = "";
  options.idle_timeout = std::chrono::milliseconds(500);
  cleartext_pop3_server server(options);
  const fetch_run run = fetch(server);

  EXPECT_TRUE(server.saw_pipelining());
  EXPECT_EQ(run.wire, wire_of({"RETR 1", "RETR 2", "RETR 3", "DELE 1", "DELE 2"}));
  EXPECT_EQ(run.cli.exit_code, 76);
  EXPECT_EQ(run.cli.err, stderr_of(run.port, {pipelined_failure}));
  EXPECT_EQ(run.cli.out,
            summary_of(run.port, failed("2 delivered (132 B), 0 deleted", pipelined_failure)));
  EXPECT_EQ(delivered(), stored_of(three_messages(), {1, 2}));
  expect_no_leftovers();

  // The same script, one command at a time: the deletions of the first run, then the third.
  options.idle_timeout = std::chrono::seconds(5);
  server.serve_again(options);
  const fetch_run next = fetch(server, {"--pipelining", "off"});
  EXPECT_FALSE(server.saw_pipelining());
  EXPECT_EQ(next.wire, wire_of({"DELE 1", "DELE 2", "RETR 3", "DELE 3", "QUIT"}));
  EXPECT_EQ(next.cli.exit_code, 0);
  EXPECT_EQ(next.cli.err, stderr_of(next.port, {}));
  EXPECT_EQ(next.cli.out, summary_of(next.port, "1 delivered (60 B), 3 deleted"));
  EXPECT_EQ(delivered(), stored_of(three_messages(), {1, 2, 3}));
  expect_no_leftovers();
}

TEST_F(fetch_faults, a_reply_dropped_in_the_middle_of_a_pipeline_never_loses_a_message) {
  // The reply to RETR 2 is dropped: the third message's data arrives where the second's is
  // expected. Its size is not the size LIST gave for message 2, so the client sees that the
  // replies are out of step: it stores nothing more, deletes nothing (no QUIT), and forgets
  // the UIDs it recorded in this session, because a message filed under the wrong UID would
  // be deleted, unread, by the next run. The next run fetches message 1 again: a duplicate
  // rather than a loss.
  cleartext_server_options options = full_script(three_messages(), true);
  step(options, "RETR 2").reply_once_pipelined = "";
  options.idle_timeout = std::chrono::milliseconds(500);
  cleartext_pop3_server server(options);
  const fetch_run run = fetch(server);

  EXPECT_TRUE(server.saw_pipelining());
  EXPECT_EQ(run.wire, wire_of({"RETR 1", "RETR 2", "RETR 3", "DELE 1"}));
  EXPECT_EQ(run.cli.exit_code, 76);
  const std::string failure =
      "message 2 was not delivered: it is 60 octets, but LIST said 73; the server's pipelined "
      "replies seem out of step with the commands, so the session was dropped without QUIT "
      "(nothing is deleted) and the messages it delivered are fetched again by the next run; "
      "if this persists, set pipelining = \"off\" for this server";
  EXPECT_EQ(run.cli.err, stderr_of(run.port, {failure}));
  EXPECT_EQ(run.cli.out,
            summary_of(run.port, failed("1 delivered (59 B), 0 deleted, 1 failed", failure)));
  EXPECT_EQ(delivered(), stored_of(three_messages(), {1})) << "message 3 stored as message 2?";
  expect_no_leftovers();

  options.idle_timeout = std::chrono::seconds(5);
  server.serve_again(options);
  const fetch_run next = fetch(server, {"--pipelining", "off"});
  EXPECT_EQ(next.wire,
            wire_of({"RETR 1", "DELE 1", "RETR 2", "DELE 2", "RETR 3", "DELE 3", "QUIT"}));
  EXPECT_EQ(next.cli.exit_code, 0);
  EXPECT_EQ(next.cli.err, stderr_of(next.port, {}));
  EXPECT_EQ(delivered(), stored_of(three_messages(), {1, 1, 2, 3}));
  expect_no_leftovers();
}

}  // namespace
}  // namespace pop3::test
