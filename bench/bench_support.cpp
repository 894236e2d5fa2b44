// Session setup for the engine benchmarks (see bench_support.hpp). Runs before the timed
// loops, so it favours plainness over speed.
#include "bench_support.hpp"

#include <utility>

#include "pop3/command.hpp"

namespace pop3::bench {

bool feed_and_drain(engine& eng, std::string_view bytes) {
  while (!bytes.empty()) {
    auto taken = eng.feed(std::span<const char>(bytes.data(), bytes.size()));
    if (!taken || *taken == 0) return false;
    bytes.remove_prefix(*taken);
    for (;;) {
      auto ev = eng.next_event();
      if (!ev) return false;
      if (!*ev) break;
    }
  }
  return true;
}

std::optional<engine> greeted_engine(const engine_config& config) {
  auto created = engine::create(config);
  if (!created) return std::nullopt;
  engine eng = std::move(*created);
  if (!feed_and_drain(eng, "+OK POP3 server ready\r\n")) return std::nullopt;
  if (eng.state() != session_state::authorization) return std::nullopt;
  return eng;
}

std::optional<engine> logged_in_engine(const engine_config& config) {
  std::optional<engine> eng = greeted_engine(config);
  if (!eng) return std::nullopt;
  if (!eng->submit(cmd::user("bob")) || !eng->submit(cmd::pass("secret"))) return std::nullopt;
  eng->consume_output(eng->pending_output().size());
  if (!feed_and_drain(*eng, "+OK\r\n+OK logged in\r\n")) return std::nullopt;
  if (eng->state() != session_state::transaction) return std::nullopt;
  return eng;
}

}  // namespace pop3::bench
