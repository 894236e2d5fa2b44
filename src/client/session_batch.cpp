// Pipelined batches (RFC 2449 §6.6): up to window() commands in flight, replies read in
// order, the window refilled as replies complete. Without pipelining the window is 1.
#include <deque>

#include "pop3/session.hpp"

namespace pop3 {

result<std::vector<batch_item>> session::run_batch(
    std::span<const std::uint32_t> messages, command_kind kind,
    const std::function<result<std::uint64_t>(std::uint32_t)>& read_reply) {
  std::vector<batch_item> items(messages.size());
  std::deque<std::size_t> in_flight;
  std::size_t next = 0;
  const std::size_t limit = window();
  start_command_clock();
  while (next < messages.size() || !in_flight.empty()) {
    while (next < messages.size() && in_flight.size() < limit) {
      items[next].message = messages[next];
      if (auto s = submit(cmd::make(kind, {}, {}, messages[next])); !s) {
        if (s.error().fatal()) return unexpected(s.error());
        items[next++].outcome = unexpected(s.error());  // refused locally, e.g. no_such_message
        continue;
      }
      in_flight.push_back(next++);
    }
    if (in_flight.empty()) break;
    batch_item& item = items[in_flight.front()];
    in_flight.pop_front();
    start_command_clock();  // each reply gets the whole command time
    auto octets = read_reply(item.message);
    if (!octets && octets.error().fatal()) return unexpected(octets.error());
    item.reply = last_reply();
    if (octets)
      item.octets = *octets;
    else
      item.outcome = unexpected(octets.error());
  }
  return items;
}

result<std::vector<batch_item>> session::retr_many(
    std::span<const std::uint32_t> messages,
    const std::function<body_sink&(std::uint32_t message)>& sink_for) {
  return run_batch(messages, command_kind::retr, [&](std::uint32_t message) {
    body_sink* opened = nullptr;
    return read_body(
        command_kind::retr, [&]() -> body_sink& { return sink_for(message); }, opened);
  });
}

result<std::vector<batch_item>> session::dele_many(std::span<const std::uint32_t> messages) {
  return run_batch(messages, command_kind::dele, [&](std::uint32_t) -> result<std::uint64_t> {
    POP3_TRY(expect_status(command_kind::dele));
    return 0;
  });
}

}  // namespace pop3
