// Pipelined batches: the window is honoured, replies are matched in order, and without
// PIPELINING commands go one at a time.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <thread>

#include "pop3/memory_transport.hpp"
#include "pop3/session.hpp"

namespace pop3::test {
namespace {

/// A tiny POP3 server on a thread that answers RETR n / DELE n / QUIT, reads everything the
/// client has sent before answering, and records how many commands were waiting at most.
class pipelining_server {
 public:
  pipelining_server(std::unique_ptr<transport> end, bool announce_pipelining, int messages)
      : end_(std::move(end)), announce_(announce_pipelining), messages_(messages) {
    thread_ = std::thread([this] { run(); });
  }
  ~pipelining_server() { thread_.join(); }
  std::size_t max_waiting() const { return max_waiting_; }
  /// The command lines received so far, in order.
  std::vector<std::string> received() const {
    std::lock_guard lock(mutex_);
    return received_;
  }
  static std::string body(int n) {
    return "Message " + std::to_string(n) + "\r\n" + std::string(n * 10 % 300, 'x') + "\r\n";
  }

 private:
  void reply(std::string_view line) {
    std::string out;
    if (line == "CAPA") {
      out = announce_ ? "+OK\r\nUIDL\r\nPIPELINING\r\n.\r\n" : "+OK\r\nUIDL\r\n.\r\n";
    } else if (line.rfind("RETR ", 0) == 0) {
      const int n = std::stoi(std::string(line.substr(5)));
      out = n <= messages_ ? "+OK\r\n" + body(n) + ".\r\n" : "-ERR no such message\r\n";
    } else if (line.rfind("DELE ", 0) == 0) {
      out = "+OK deleted " + std::string(line.substr(5)) + "\r\n";
    } else {
      out = "+OK\r\n";
    }
    (void)end_->write(out, steady_clock::now() + std::chrono::seconds(5));
  }

  void run() {
    (void)end_->write(std::string_view("+OK ready\r\n"), no_deadline);
    std::string pending;
    char buffer[4096];
    for (;;) {
      auto n = end_->read(buffer, steady_clock::now() + std::chrono::seconds(5));
      if (!n || *n == 0) return;
      pending.append(buffer, *n);
      // Give a pipelining client time to send more before answering anything.
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      while (auto more = end_->read(buffer, steady_clock::now())) {
        if (*more == 0) break;
        pending.append(buffer, *more);
      }
      std::size_t lines = 0;
      for (std::size_t p = 0; (p = pending.find("\r\n", p)) != std::string::npos; p += 2)
        ++lines;
      max_waiting_ = std::max(max_waiting_, lines);
      for (std::size_t end; (end = pending.find("\r\n")) != std::string::npos;) {
        const std::string line = pending.substr(0, end);
        pending.erase(0, end + 2);
        {
          std::lock_guard lock(mutex_);
          received_.push_back(line);
        }
        reply(line);
        if (line == "QUIT") return;
      }
    }
  }

  std::unique_ptr<transport> end_;
  bool announce_;
  int messages_;
  std::size_t max_waiting_ = 0;
  mutable std::mutex mutex_;
  std::vector<std::string> received_;
  std::thread thread_;
};

struct batch_run {
  std::vector<batch_item> items;
  std::map<std::uint32_t, std::string> bodies;
  std::size_t max_waiting = 0;
};

batch_run run_batch(bool announce, pipelining_mode mode, std::size_t window,
                    std::vector<std::uint32_t> messages) {
  auto [client, server_end] = make_memory_pair();
  batch_run out;
  std::map<std::uint32_t, string_sink> sinks;
  {
    pipelining_server server(std::move(server_end), announce, 100);
    session_options o;
    o.pipelining = mode;
    o.pipeline_window = window;
    auto s = session::start(std::move(client), o);
    EXPECT_TRUE(s);
    EXPECT_TRUE(s->login("a", "b"));
    EXPECT_TRUE(s->capa());
    auto items = s->retr_many(messages, [&](std::uint32_t m) -> body_sink& { return sinks[m]; });
    EXPECT_TRUE(items);
    if (items) out.items = std::move(*items);
    EXPECT_TRUE(s->quit());
    out.max_waiting = server.max_waiting();
  }
  for (auto& [m, sink] : sinks)
    if (sink.finished()) out.bodies[m] = sink.data();
  return out;
}

TEST(session_batch, pipelined_retrieval_matches_each_reply_to_its_message) {
  std::vector<std::uint32_t> messages;
  for (std::uint32_t m = 1; m <= 100; ++m)
    messages.push_back(m);
  const auto r = run_batch(true, pipelining_mode::automatic, 16, messages);
  ASSERT_EQ(r.items.size(), 100u);
  for (std::uint32_t m = 1; m <= 100; ++m) {
    EXPECT_EQ(r.items[m - 1].message, m);
    EXPECT_TRUE(r.items[m - 1].outcome);
    EXPECT_EQ(r.bodies.at(m), pipelining_server::body(static_cast<int>(m)));
    EXPECT_EQ(r.items[m - 1].octets, pipelining_server::body(static_cast<int>(m)).size());
  }
  EXPECT_GT(r.max_waiting, 1u);   // commands really were pipelined
  EXPECT_LE(r.max_waiting, 16u);  // and never more than the window
}

TEST(session_batch, without_pipelining_one_command_at_a_time) {
  std::vector<std::uint32_t> messages{1, 2, 3, 4, 5, 6, 7, 8};
  const auto r = run_batch(false, pipelining_mode::automatic, 16, messages);
  EXPECT_EQ(r.max_waiting, 1u);
  EXPECT_EQ(r.bodies.size(), 8u);
  const auto off = run_batch(true, pipelining_mode::off, 16, messages);
  EXPECT_EQ(off.max_waiting, 1u);
  const auto forced = run_batch(false, pipelining_mode::on, 4, messages);
  EXPECT_GT(forced.max_waiting, 1u);
  EXPECT_LE(forced.max_waiting, 4u);
  EXPECT_EQ(forced.bodies.size(), 8u);
}

TEST(session_batch, one_refused_message_does_not_stop_the_batch) {
  const auto r = run_batch(true, pipelining_mode::automatic, 8, {1, 200, 3});
  ASSERT_EQ(r.items.size(), 3u);
  EXPECT_TRUE(r.items[0].outcome);
  EXPECT_EQ(r.items[1].outcome.error().code, errc::server_error);
  EXPECT_EQ(r.items[1].reply.text, "no such message");
  EXPECT_TRUE(r.items[2].outcome);
  EXPECT_EQ(r.bodies.count(200), 0u);  // its sink was never opened
  EXPECT_EQ(r.bodies.size(), 2u);
}

TEST(session_batch, dele_many_reports_each_reply) {
  auto [client, server_end] = make_memory_pair();
  pipelining_server server(std::move(server_end), true, 10);
  auto s = session::start(std::move(client));
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->login("a", "b"));
  ASSERT_TRUE(s->capa());
  const std::vector<std::uint32_t> messages{3, 1, 2};
  auto items = s->dele_many(messages);
  ASSERT_TRUE(items);
  ASSERT_EQ(items->size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ((*items)[i].message, messages[i]);
    EXPECT_TRUE((*items)[i].outcome);
    EXPECT_EQ((*items)[i].reply.text, "deleted " + std::to_string(messages[i]));
  }
  EXPECT_TRUE(s->quit());
}

/// Runs retrieve_and_delete against the pipelining server: retrieved() asks for DELE of the
/// messages in `delete_after`, and checks that the server has not seen that DELE yet.
struct mixed_run {
  std::vector<std::string> events;    // "retrieved N", "deleted N" in callback order
  std::vector<std::string> received;  // what the server got, in order
  std::map<std::uint32_t, string_sink> sinks;
  std::size_t max_waiting = 0;
};

mixed_run run_mixed(bool announce, std::size_t window, std::vector<std::uint32_t> retrieve,
                    std::vector<std::uint32_t> remove, std::vector<std::uint32_t> delete_after,
                    std::size_t retrievals_allowed = 1000) {
  auto [client, server_end] = make_memory_pair();
  mixed_run out;
  pipelining_server server(std::move(server_end), announce, 100);
  session_options o;
  o.pipeline_window = window;
  auto s = session::start(std::move(client), o);
  EXPECT_TRUE(s);
  EXPECT_TRUE(s->login("a", "b"));
  EXPECT_TRUE(s->capa());
  batch_steps steps;
  steps.sink_for = [&](std::uint32_t m) -> body_sink& { return out.sinks[m]; };
  steps.retrieved = [&](const batch_item& item) {
    out.events.push_back("retrieved " + std::to_string(item.message));
    EXPECT_TRUE(item.outcome);
    const std::string dele = "DELE " + std::to_string(item.message);
    const auto seen = server.received();
    EXPECT_EQ(std::count(seen.begin(), seen.end(), dele), 0) << dele << " sent too early";
    return std::count(delete_after.begin(), delete_after.end(), item.message) > 0;
  };
  steps.deleted = [&](const batch_item& item) {
    EXPECT_TRUE(item.outcome);
    out.events.push_back("deleted " + std::to_string(item.message));
  };
  std::size_t asked = 0;
  steps.go_on = [&] { return ++asked <= retrievals_allowed; };
  EXPECT_TRUE(s->retrieve_and_delete(retrieve, remove, steps));
  EXPECT_TRUE(s->quit());
  out.received = server.received();
  out.max_waiting = server.max_waiting();
  return out;
}

// The position of `line` in `lines` (lines.size() if absent).
std::size_t position(const std::vector<std::string>& lines, const std::string& line) {
  return static_cast<std::size_t>(std::find(lines.begin(), lines.end(), line) - lines.begin());
}

TEST(session_batch, retrieve_and_delete_pipelines_dele_after_each_retrieval) {
  std::vector<std::uint32_t> retrieve, evens;
  for (std::uint32_t m = 1; m <= 20; ++m) {
    retrieve.push_back(m);
    if (m % 2 == 0) evens.push_back(m);
  }
  const auto r = run_mixed(true, 8, retrieve, {25, 30}, evens);
  // Callbacks: the up-front deletions first, then each retrieval in order; a DELE's reply
  // comes after the RETRs that were already in flight when it was sent.
  ASSERT_GE(r.events.size(), 32u);
  EXPECT_EQ(r.events[0], "deleted 25");
  EXPECT_EQ(r.events[1], "deleted 30");
  std::vector<std::string> retrievals, deletions;
  for (const auto& e : r.events)
    (e.rfind("retrieved", 0) == 0 ? retrievals : deletions).push_back(e);
  ASSERT_EQ(retrievals.size(), 20u);
  ASSERT_EQ(deletions.size(), 12u);
  for (std::uint32_t m = 1; m <= 20; ++m) {
    EXPECT_EQ(retrievals[m - 1], "retrieved " + std::to_string(m));
    EXPECT_EQ(r.sinks.at(m).data(), pipelining_server::body(static_cast<int>(m)));
    const std::size_t retr_at = position(r.received, "RETR " + std::to_string(m));
    const std::size_t dele_at = position(r.received, "DELE " + std::to_string(m));
    if (m % 2 == 0) {
      EXPECT_LT(retr_at, dele_at) << m;
      EXPECT_LT(dele_at, r.received.size()) << m;
      EXPECT_LT(position(r.events, "retrieved " + std::to_string(m)),
                position(r.events, "deleted " + std::to_string(m)));
    } else {
      EXPECT_EQ(dele_at, r.received.size()) << "DELE " << m << " was never asked for";
    }
  }
  EXPECT_LT(position(r.received, "DELE 30"), position(r.received, "RETR 1"));
  EXPECT_GT(r.max_waiting, 1u);
  EXPECT_LE(r.max_waiting, 8u);
}

TEST(session_batch, retrieve_and_delete_without_pipelining_alternates) {
  const auto r = run_mixed(false, 8, {1, 2, 3}, {}, {1, 2, 3});
  const std::vector<std::string> expected{"CAPA",   "RETR 1", "DELE 1", "RETR 2",
                                          "DELE 2", "RETR 3", "DELE 3", "QUIT"};
  // After USER and PASS:
  ASSERT_EQ(r.received.size(), 2 + expected.size());
  EXPECT_EQ(std::vector<std::string>(r.received.begin() + 2, r.received.end()), expected);
  EXPECT_EQ(r.max_waiting, 1u);
}

TEST(session_batch, retrieve_and_delete_stops_retrieving_when_told) {
  // go_on() allows three RETRs: the fourth is never sent, but the DELEs of the three are.
  const auto r = run_mixed(true, 8, {1, 2, 3, 4, 5}, {}, {1, 2, 3}, 3);
  EXPECT_EQ(position(r.received, "RETR 4"), r.received.size());
  EXPECT_EQ(position(r.received, "RETR 5"), r.received.size());
  const std::vector<std::string> expected{"retrieved 1", "retrieved 2", "retrieved 3",
                                          "deleted 1",   "deleted 2",   "deleted 3"};
  EXPECT_EQ(r.events, expected);
  EXPECT_EQ(r.received.back(), "QUIT");
}

}  // namespace
}  // namespace pop3::test
