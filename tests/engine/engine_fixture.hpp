// A little driver for engine unit tests: feed text, collect events as text (event_text.hpp),
// take what the engine wants to send.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "event_text.hpp"
#include "pop3/engine.hpp"

namespace pop3::test {

class engine_fixture {
 public:
  explicit engine_fixture(const engine_config& config = {})
      : engine_(engine::create(config).value()) {}

  engine& eng() { return engine_; }

  /// Feeds all of `bytes` (draining events whenever the buffer is full) and returns the
  /// events it produced, ending in "error NAME" if the engine failed.
  std::vector<std::string> feed(std::string_view bytes) {
    std::vector<std::string> out;
    while (true) {
      drain(out);
      if (stopped_ || bytes.empty()) break;
      auto taken = engine_.feed(std::span<const char>(bytes.data(), bytes.size()));
      if (!taken) {
        out.push_back("error " + std::string(name(taken.error().code)));
        stopped_ = true;
        break;
      }
      bytes.remove_prefix(*taken);
    }
    return out;
  }

  std::vector<std::string> eof() {
    engine_.feed_eof();
    std::vector<std::string> out;
    drain(out);
    return out;
  }

  /// Submits `c`; on success returns the bytes it queued for sending (and drains them).
  result<std::string> submit(const command& c) {
    POP3_TRY(engine_.submit(c));
    return take_output();
  }

  /// Submits `c` and returns the bytes it queued, or "refused ERRC" if it was refused.
  std::string send(const command& c) {
    auto r = submit(c);
    return r ? *r : "refused " + std::string(name(r.error().code));
  }

  std::string take_output() {
    const auto out = engine_.pending_output();
    std::string s(out.data(), out.size());
    engine_.consume_output(out.size());
    return s;
  }

  /// Greeting, USER, PASS: leaves the engine in TRANSACTION.
  void login(std::string_view greeting = "+OK ready\r\n") {
    feed(greeting);
    ASSERT_TRUE(submit(cmd::user("u")));
    ASSERT_TRUE(submit(cmd::pass("p")));
    feed("+OK\r\n+OK\r\n");
    ASSERT_EQ(engine_.state(), session_state::transaction);
  }

 private:
  void drain(std::vector<std::string>& out) {
    while (!stopped_) {
      auto ev = engine_.next_event();
      if (!ev) {
        out.push_back("error " + std::string(name(ev.error().code)));
        stopped_ = true;
        return;
      }
      if (!*ev) return;
      out.push_back(describe(**ev));
    }
  }

  engine engine_;
  bool stopped_ = false;
};

using lines = std::vector<std::string>;

}  // namespace pop3::test
