// Pipelined batches (RFC 2449 §6.6): up to window() commands in flight, replies read in
// order, the window refilled as replies complete. Without pipelining the window is 1.
#include <deque>

#include "pop3/session.hpp"

namespace pop3 {

result<void> session::retrieve_and_delete(std::span<const std::uint32_t> to_retrieve,
                                          std::span<const std::uint32_t> to_delete,
                                          const batch_steps& steps) {
  struct sent {
    command_kind kind;
    std::uint32_t message;
  };
  std::deque<sent> in_flight;
  // DELEs asked for (the up-front ones, then those retrieved() asks for), not yet sent.
  std::deque<std::uint32_t> deletions(to_delete.begin(), to_delete.end());
  std::size_t next_retrieval = 0;
  bool retrieving = true;
  const std::size_t limit = window();

  const auto report = [&](command_kind kind, batch_item& item) {
    if (kind == command_kind::dele) {
      if (steps.deleted) steps.deleted(item);
    } else if (steps.retrieved && steps.retrieved(item)) {
      deletions.push_back(item.message);
    }
  };
  // Sends the next command; false if there is none to send now.
  const auto send_next = [&]() -> result<bool> {
    sent next{command_kind::dele, 0};
    if (!deletions.empty()) {
      next.message = deletions.front();
      deletions.pop_front();
    } else if (retrieving && next_retrieval < to_retrieve.size() &&
               (!steps.go_on || steps.go_on())) {
      next = {command_kind::retr, to_retrieve[next_retrieval++]};
    } else {
      retrieving = false;  // go_on() said no: it is not asked again
      return false;
    }
    if (auto s = submit(cmd::make(next.kind, {}, {}, next.message)); !s) {
      if (s.error().fatal()) return unexpected(s.error());
      batch_item refused{next.message, unexpected(s.error()), {}, 0};  // e.g. no_such_message
      report(next.kind, refused);
      return true;
    }
    in_flight.push_back(next);
    return true;
  };

  start_command_clock();
  for (;;) {
    while (in_flight.size() < limit) {
      auto more = send_next();
      if (!more) return unexpected(more.error());
      if (!*more) break;
    }
    if (in_flight.empty()) return {};
    const sent command = in_flight.front();
    in_flight.pop_front();
    start_command_clock();  // each reply gets the whole command time
    batch_item item{command.message, {}, {}, 0};
    result<std::uint64_t> octets = std::uint64_t{0};
    if (command.kind == command_kind::retr) {
      body_sink* opened = nullptr;
      octets = read_body(
          command_kind::retr, [&]() -> body_sink& { return steps.sink_for(command.message); },
          opened);
    } else if (auto status = expect_status(command_kind::dele); !status) {
      octets = unexpected(status.error());
    }
    if (!octets && octets.error().fatal()) return unexpected(octets.error());
    item.reply = last_reply();
    if (octets)
      item.octets = *octets;
    else
      item.outcome = unexpected(octets.error());
    report(command.kind, item);
  }
}

result<std::vector<batch_item>> session::retr_many(
    std::span<const std::uint32_t> messages,
    const std::function<body_sink&(std::uint32_t message)>& sink_for) {
  std::vector<batch_item> items;
  batch_steps steps;
  steps.sink_for = sink_for;
  steps.retrieved = [&](const batch_item& item) {
    items.push_back(item);
    return false;
  };
  POP3_TRY(retrieve_and_delete(messages, {}, steps));
  return items;
}

result<std::vector<batch_item>> session::dele_many(std::span<const std::uint32_t> messages) {
  std::vector<batch_item> items;
  batch_steps steps;
  steps.deleted = [&](const batch_item& item) { items.push_back(item); };
  POP3_TRY(retrieve_and_delete({}, messages, steps));
  return items;
}

}  // namespace pop3
