// pop3 fetch killed with SIGKILL at many points of a delete-mode run against a real Dovecot,
// restarted until it completes (and, below, once in keep mode per kind of destination). After every
// kill and at the end, the invariant of security-cases.md §6 must hold: every message is still on
// the server or delivered. The test reports the kill points, the messages lost (must be 0) and
// those delivered twice (possible only for a kill between a delivery and its UID record).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <functional>
#include <iostream>
#include <map>
#include <random>
#include <thread>

#include "fetch_test_support.hpp"
#include "support/dovecot_server.hpp"

extern char** environ;

namespace pop3::test {
namespace {

namespace fs = std::filesystem;
const std::string password = "crash password";

// A `pop3 fetch --json` run that the test can kill after a given number of "delivered"
// events plus a delay, or let finish.
struct run_result {
  bool killed = false;
  int exit_code = -1;
  int delivered_events = 0;
  std::string err;
};

run_result run_and_kill(const std::vector<std::string>& argv, int kill_after_deliveries,
                        std::chrono::microseconds delay) {
  std::vector<std::string> environment;
  for (char** e = environ; *e; ++e)
    environment.emplace_back(*e);
  environment.push_back("POP3_PASSWORD=" + password);
  std::vector<char*> envp, args;
  for (auto& e : environment)
    envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> copy = argv;
  for (auto& a : copy)
    args.push_back(a.data());
  args.push_back(nullptr);

  int out[2], err[2];
  EXPECT_EQ(::pipe2(out, O_CLOEXEC), 0);
  EXPECT_EQ(::pipe2(err, O_CLOEXEC), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  pid_t pid = 0;
  const int spawned = ::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  ::close(err[1]);
  run_result r;
  if (spawned != 0) {
    ADD_FAILURE() << "cannot run " << argv[0] << ": " << std::strerror(spawned);
    return r;
  }
  const auto kill_now = [&] {
    std::this_thread::sleep_for(delay);
    ::kill(pid, SIGKILL);
    r.killed = true;
  };
  if (kill_after_deliveries == 0) kill_now();
  std::string pending;
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  for (int open = 2; open > 0;) {
    if (std::chrono::steady_clock::now() > give_up) {
      ADD_FAILURE() << "pop3 fetch did not end within 120 s";
      ::kill(pid, SIGKILL);
      break;
    }
    if (::poll(fds, 2, 1000) < 0) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buffer[4096];
      const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n <= 0) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open;
        continue;
      }
      if (i == 1) {
        r.err.append(buffer, static_cast<std::size_t>(n));
        continue;
      }
      pending.append(buffer, static_cast<std::size_t>(n));
      for (std::size_t end; (end = pending.find('\n')) != std::string::npos;) {
        if (pending.find("\"event\":\"delivered\"") < end) ++r.delivered_events;
        pending.erase(0, end + 1);
        if (!r.killed && r.delivered_events >= kill_after_deliveries) kill_now();
      }
    }
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL)
    ADD_FAILURE() << "pop3 fetch died of signal " << WTERMSIG(status);
  if (WIFEXITED(status)) r.killed = false;  // it finished before the kill landed
  return r;
}

std::map<std::string, int> count_by_content(const std::vector<std::string>& contents) {
  std::map<std::string, int> counts;
  for (const auto& c : contents)
    ++counts[c];
  return counts;
}

TEST(fetch_crash, sigkill_at_many_points_loses_nothing) {
  dovecot_server server({{"alice", password}});
  // 200 messages: the sample set's edge cases, one of 2 MiB (so that some kills land in the
  // middle of a transfer), and plain messages of up to 40 KiB.
  const auto mail = generate_sample_mail({.count = 200, .seed = 31, .big_message_bytes = 2u << 20});
  server.deliver("alice", mail);
  const fs::path work = fresh_directory("crash");
  const fs::path maildir = work / "Mail";
  const std::vector<std::string> argv = {
      POP3_CLI_PATH,
      "fetch",
      "pop3s://alice@localhost:" + std::to_string(server.pop3s_port()),
      "--cafile",
      server.ca_file().string(),
      "--maildir",
      maildir.string(),
      "--state-dir",
      (work / "state").string(),
      "--json"};

  const auto on_server = [&] {
    std::vector<std::string> all = file_contents(server.maildir("alice") / "cur");
    for (auto& c : file_contents(server.maildir("alice") / "new"))
      all.push_back(c);
    return count_by_content(all);
  };
  const auto delivered = [&] { return count_by_content(file_contents(maildir / "new")); };
  // Every message is on the server or delivered; nothing else was delivered.
  const auto lost = [&] {
    const auto there = on_server(), here = delivered();
    int missing = 0;
    for (const auto& m : mail)
      if (!there.count(m.stored) && !here.count(m.stored)) ++missing;
    for (const auto& [content, n] : here)
      EXPECT_TRUE(std::any_of(mail.begin(), mail.end(), [&](const sample_message& m) {
        return m.stored == content;
      })) << "delivered something that is not one of the messages";
    return missing;
  };

  std::mt19937 random(20261126);
  int kills = 0, runs = 0, lost_total = 0;
  std::vector<std::string> points;
  for (; kills < 40 && runs < 200; ++runs) {
    // Every third kill lands before the first delivery of its run (connecting, logging in,
    // listing, or sending the DELEs an earlier run left); the others after 1-8 deliveries.
    const int after = kills % 3 == 0 ? 0 : std::uniform_int_distribution<int>(1, 8)(random);
    const auto delay =
        std::chrono::microseconds(std::uniform_int_distribution<int>(0, 4000)(random));
    const run_result r = run_and_kill(argv, after, delay);
    if (!r.killed) {
      ASSERT_EQ(r.exit_code, 0) << r.err;
      break;  // it completed before it could be killed
    }
    ++kills;
    points.push_back(std::to_string(after) + "+" + std::to_string(delay.count()) + "us");
    const int missing = lost();
    lost_total += missing;
    EXPECT_EQ(missing, 0) << "after kill " << kills << " (" << points.back() << ")";
  }
  // Restart until a run completes.
  for (int i = 0; i < 5; ++i, ++runs) {
    const run_result r = run_and_kill(argv, 1 << 30, {});
    ASSERT_FALSE(r.killed);
    if (r.exit_code == 0) break;
    ADD_FAILURE() << "a run after the kills failed (exit " << r.exit_code << "): " << r.err;
  }
  EXPECT_GE(kills, 30);
  EXPECT_TRUE(on_server().empty()) << "the completed run deletes every message";
  const auto here = delivered();
  int duplicates = 0;
  for (const auto& m : mail) {
    const auto it = here.find(m.stored);
    ASSERT_NE(it, here.end()) << m.id << " lost";
    duplicates += it->second - 1;
  }
  EXPECT_EQ(lost_total, 0);
  const std::size_t leftovers = file_contents(maildir / "tmp").size();
  std::cout << "crash test: " << kills << " kills over " << runs << " runs; lost 0 of "
            << mail.size() << "; delivered twice: " << duplicates
            << "; unfinished files left in tmp/: " << leftovers << "\n  kill points (deliveries "
            << "seen + delay):";
  for (const auto& p : points)
    std::cout << ' ' << p;
  std::cout << std::endl;
  ::testing::Test::RecordProperty("kills", kills);
  ::testing::Test::RecordProperty("duplicates", duplicates);
  fs::remove_all(work);
}

// Keep mode: deliveries are recorded in groups when the destination defers durability (a
// Maildir: up to 64 messages, one sync), one by one otherwise (an mbox is durable message by
// message). A run killed after 30 deliveries loses nothing either way; the next run delivers
// again at most the group that was not recorded yet: 64 messages into a Maildir, one into an
// mbox; and never one that it reported as delivered.
TEST(fetch_crash, sigkill_in_keep_mode_repeats_at_most_one_group) {
  dovecot_server server({{"alice", password}});
  const auto mail = generate_small_mail(150, 32);
  server.deliver("alice", mail);
  const fs::path work = fresh_directory("crash-keep");
  struct destination {
    std::vector<std::string> option;
    int max_duplicates;
    // How many times each message was delivered, by its X-Sample-Id.
    std::function<std::map<std::string, int>()> count;
  };
  const auto count_ids = [&](const std::vector<std::string>& texts) {
    std::map<std::string, int> by_id;
    for (const auto& m : mail) {
      const std::string header = "X-Sample-Id: " + m.id + "\n";
      for (const auto& text : texts)
        for (auto at = text.find(header); at != std::string::npos; at = text.find(header, at + 1))
          ++by_id[m.id];
    }
    return by_id;
  };
  const fs::path maildir = work / "Mail", mbox = work / "mbox";
  const destination destinations[] = {
      {{"--maildir", maildir.string()},
       64,
       [&] { return count_ids(file_contents(maildir / "new")); }},
      {{"--mbox", mbox.string()}, 1, [&] { return count_ids({read_file(mbox)}); }},
  };
  for (const destination& d : destinations) {
    SCOPED_TRACE(d.option[0]);
    std::vector<std::string> argv = {
        POP3_CLI_PATH,
        "fetch",
        "pop3s://alice@localhost:" + std::to_string(server.pop3s_port()),
        "--cafile",
        server.ca_file().string(),
        "--keep",
        "--state-dir",
        (work / ("state" + d.option[0])).string(),
        "--json"};
    argv.insert(argv.end(), d.option.begin(), d.option.end());
    const run_result killed = run_and_kill(argv, 30, {});
    ASSERT_TRUE(killed.killed) << "the run ended before the kill: " << killed.err;
    int on_disk = 0;  // deliveries the killed run made, reported or not
    for (const auto& [id, times] : d.count())
      on_disk += times;
    const run_result rest = run_and_kill(argv, 1 << 30, {});
    ASSERT_FALSE(rest.killed);
    ASSERT_EQ(rest.exit_code, 0) << rest.err;
    const auto counts = d.count();
    int duplicates = 0;
    for (const auto& m : mail) {
      const auto it = counts.find(m.id);
      ASSERT_NE(it, counts.end()) << m.id << " lost";
      duplicates += it->second - 1;
    }
    EXPECT_LE(duplicates, d.max_duplicates);
    // A "delivered" event means the UID is recorded: only deliveries never reported can be
    // repeated.
    EXPECT_LE(duplicates, on_disk - killed.delivered_events);
    std::cout << "keep-mode crash test, " << d.option[0] << ": delivered twice: " << duplicates
              << " of " << mail.size() << std::endl;
  }
  EXPECT_EQ(server.maildir_message_count("alice"), 150u);  // kept
  fs::remove_all(work);
}

}  // namespace
}  // namespace pop3::test
