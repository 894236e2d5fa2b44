// Reply parsing in the engine (issue 7): single-line status replies, -ERR replies carrying
// RFC 2449 / RFC 3206 response codes, and 10 000-entry UIDL and LIST listings.
//
// Contract: every benchmark streams its replies through receive_space()/commit_received()
// (bench_support.hpp), takes every event, and checks what it got: a wrong count, message
// number, code, UID or size ends the benchmark with SkipWithError (and pop3-bench-engine exits
// with status 1). Rates are items_per_second (replies or listing entries) and
// bytes_per_second (reply bytes as they arrive from the network). They are not compared with
// memcpy: parsing lines into events is different work from moving body bytes. Each engine is
// built with the default engine_config, as the blocking client uses it, and brought to the
// right session state once, outside the timed loop. See docs/benchmarks.md.

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "bench_support.hpp"
#include "pop3/command.hpp"
#include "pop3/engine.hpp"
#include "pop3/engine_config.hpp"
#include "pop3/event.hpp"

namespace {

using steady = std::chrono::steady_clock;

// ---- Single-line replies, pipelined -------------------------------------------------------

// One iteration is one pipelined round trip: `batch` commands (the benchmark's argument)
// submitted back to back, then their replies arriving together in one read, so the fixed cost
// of a round trip (one receive_space()/commit_received(), one "need more input" from
// next_event()) is shared by the batch. The timed part is only that receive-and-parse phase
// (UseManualTime): submit() is the command side, not parsing, and its cost is reported apart
// as the `submit_ns` counter (per command, consume_output() included). Batches of 8, 64 (the
// blocking client's default pipeline_window) and 128 (engine_config::max_in_flight) show how
// the cost per reply depends on how many commands are in flight.
constexpr std::int64_t max_batch = 128;
static_assert(pop3::engine_config{}.max_in_flight >= max_batch);

std::string repeat_replies(std::size_t batch, std::string_view (*reply_for)(std::size_t)) {
  std::string out;
  for (std::size_t i = 0; i < batch; ++i)
    out += reply_for(i);
  return out;
}

template <class Consumer>
void run_pipelined(benchmark::State& state, pop3::engine& eng, const pop3::command& command,
                   std::string_view (*reply_for)(std::size_t), Consumer& consumer) {
  const auto batch = static_cast<std::size_t>(state.range(0));
  const std::string replies = repeat_replies(batch, reply_for);
  steady::duration submit_time{};
  for (auto _ : state) {
    const steady::time_point t0 = steady::now();
    bool submitted = true;
    for (std::size_t i = 0; i < batch && submitted; ++i)
      submitted = static_cast<bool>(eng.submit(command));
    eng.consume_output(eng.pending_output().size());
    const steady::time_point t1 = steady::now();
    if (!submitted) {
      state.SkipWithError("submit() refused a command of the batch");
      break;
    }
    consumer.reset();
    const char* error = pop3::bench::stream_reply(eng, replies, consumer);
    const steady::time_point t2 = steady::now();
    state.SetIterationTime(std::chrono::duration<double>(t2 - t1).count());
    submit_time += t1 - t0;
    if (error) {
      state.SkipWithError(error);
      break;
    }
    if (!consumer.complete(batch)) {
      state.SkipWithError("a reply of the batch is missing");
      break;
    }
  }
  const std::int64_t replies_seen = state.iterations() * state.range(0);
  state.SetItemsProcessed(replies_seen);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(replies.size()));
  if (replies_seen > 0)
    state.counters["submit_ns"] = std::chrono::duration<double, std::nano>(submit_time).count() /
                                  static_cast<double>(replies_seen);
  state.SetLabel(std::to_string(replies.size() / batch) + " B/reply");
}

// STAT answered by "+OK 2000 8192000": the status line plus the two numbers, ok + stat_info.
constexpr std::uint32_t stat_count = 2000;
constexpr std::uint64_t stat_octets = 8'192'000;

struct stat_consumer {
  std::size_t oks = 0;
  std::size_t infos = 0;

  void reset() { oks = infos = 0; }
  bool complete(std::size_t batch) const { return oks == batch && infos == batch; }
  bool operator()(const pop3::event& ev) {
    if (const auto* ok = std::get_if<pop3::events::ok>(&ev)) {
      ++oks;
      return ok->command == pop3::command_kind::stat;
    }
    if (const auto* info = std::get_if<pop3::events::stat_info>(&ev)) {
      ++infos;
      return info->count == stat_count && info->octets == stat_octets;
    }
    return false;
  }
};

void BM_reply_parse_single_line(benchmark::State& state) {
  std::optional<pop3::engine> eng = pop3::bench::logged_in_engine();
  if (!eng) {
    state.SkipWithError("engine setup (greeting, USER, PASS) failed");
    return;
  }
  stat_consumer consumer;
  run_pipelined(
      state, *eng, pop3::cmd::stat(),
      [](std::size_t) -> std::string_view { return "+OK 2000 8192000\r\n"; }, consumer);
}

// -ERR with a response code, the way servers refuse a login (RFC 2449 §8, RFC 3206). The
// command is USER, in AUTHORIZATION: unlike PASS it can be pipelined, and the engine parses a
// status line the same way whatever command it answers. The codes rotate through the five
// known ones; classifying a code is a linear case-insensitive search, so the mix averages
// over early and late matches.
struct coded_error {
  std::string_view line;
  pop3::resp_code code;
};

constexpr coded_error coded_errors[] = {
    {"-ERR [AUTH] Authentication failed.\r\n", pop3::resp_code::auth},
    {"-ERR [SYS/TEMP] Temporary authentication failure, try again later.\r\n",
     pop3::resp_code::sys_temp},
    {"-ERR [IN-USE] Mailbox is locked by another POP3 session.\r\n", pop3::resp_code::in_use},
    {"-ERR [LOGIN-DELAY] Logged in too recently, try again in 15 minutes.\r\n",
     pop3::resp_code::login_delay},
    {"-ERR [SYS/PERM] Mailbox is unavailable, contact your administrator.\r\n",
     pop3::resp_code::sys_perm},
};
constexpr std::size_t coded_error_count = sizeof coded_errors / sizeof coded_errors[0];

struct coded_error_consumer {
  std::size_t seen = 0;

  void reset() { seen = 0; }
  bool complete(std::size_t batch) const { return seen == batch; }
  bool operator()(const pop3::event& ev) {
    const auto* err = std::get_if<pop3::events::err>(&ev);
    if (!err || err->command != pop3::command_kind::user) return false;
    return err->code == coded_errors[seen++ % coded_error_count].code && !err->text.empty();
  }
};

void BM_reply_parse_error_with_code(benchmark::State& state) {
  std::optional<pop3::engine> eng = pop3::bench::greeted_engine();
  if (!eng) {
    state.SkipWithError("engine setup (greeting) failed");
    return;
  }
  coded_error_consumer consumer;
  run_pipelined(
      state, *eng, pop3::cmd::user("bob"),
      [](std::size_t i) { return coded_errors[i % coded_error_count].line; }, consumer);
}

// ---- Multi-line listings ------------------------------------------------------------------

// One iteration is one LIST or UIDL of a 10 000-message maildrop on the same logged-in
// session: submit, then the whole reply streamed in 16 KiB reads and every entry taken. The
// single submit() is included; it is four orders of magnitude below the listing. No STAT comes
// first (the fetcher does not send one), so message numbers are checked against
// engine_config::max_messages, which by default allows the 10 000 entries.
constexpr std::uint32_t listing_entries = 10'000;
static_assert(pop3::engine_config{}.max_messages >= listing_entries);

struct listing {
  std::string reply;            // status line, entries, ".\r\n"
  std::string last_uid;         // UIDL: the uid of the last entry
  std::uint64_t octets = 0;     // LIST: the sum of the sizes
  std::uint64_t uid_bytes = 0;  // UIDL: the sum of the uid lengths
};

// Dovecot's default pop3_uidl_format, %08Xu%08Xv: the IMAP UID (increasing, with the gaps
// that expunges leave) then the mailbox's UIDVALIDITY, 16 hex digits in all.
const listing& uidl_listing() {
  static const listing l = [] {
    listing out;
    out.reply = "+OK\r\n";
    char line[64];
    for (std::uint32_t n = 1; n <= listing_entries; ++n) {
      const std::uint32_t imap_uid = 40 + n + n / 7;
      const int uid_at = std::snprintf(line, sizeof line, "%u ", n);
      const int len = std::snprintf(line + uid_at, sizeof line - static_cast<std::size_t>(uid_at),
                                    "%08X%08X\r\n", imap_uid, 0x5F3A1C42u);
      out.reply.append(line, static_cast<std::size_t>(uid_at + len));
      out.last_uid.assign(line + uid_at, static_cast<std::size_t>(len - 2));
      out.uid_bytes += static_cast<std::size_t>(len - 2);
    }
    out.reply += ".\r\n";
    return out;
  }();
  return l;
}

// Sizes spread from 1.5 KB to 100 KB (a fixed pseudo-random sequence, the same on every
// machine), so the octet counts have 4 to 6 digits as in a real maildrop.
const listing& list_listing() {
  static const listing l = [] {
    listing out;
    out.reply = "+OK 10000 messages\r\n";
    std::uint64_t x = 0x9E3779B97F4A7C15u;
    char line[64];
    for (std::uint32_t n = 1; n <= listing_entries; ++n) {
      x = x * 6364136223846793005u + 1442695040888963407u;
      const std::uint64_t size = 1500 + (x >> 33) % 98'500;
      const int len =
          std::snprintf(line, sizeof line, "%u %llu\r\n", n, static_cast<unsigned long long>(size));
      out.reply.append(line, static_cast<std::size_t>(len));
      out.octets += size;
    }
    out.reply += ".\r\n";
    return out;
  }();
  return l;
}

// Takes one listing's events: the +OK, entries numbered 1, 2, 3, ... in order, listing_end.
struct listing_consumer {
  pop3::command_kind kind;
  const listing& expected;
  std::uint32_t next = 1;
  std::uint64_t octets = 0;
  std::uint64_t uid_bytes = 0;
  bool last_uid_matches = false;
  bool ok_seen = false;
  bool ended = false;

  void reset() {
    next = 1;
    octets = uid_bytes = 0;
    last_uid_matches = ok_seen = ended = false;
  }
  bool complete() const {
    const bool all = ok_seen && ended && next == listing_entries + 1;
    return kind == pop3::command_kind::uidl
               ? all && last_uid_matches && uid_bytes == expected.uid_bytes
               : all && octets == expected.octets;
  }
  bool operator()(const pop3::event& ev) {
    if (const auto* uid = std::get_if<pop3::events::uidl_item>(&ev)) {
      if (kind != pop3::command_kind::uidl || uid->message != next++) return false;
      benchmark::DoNotOptimize(uid->uid.data());
      uid_bytes += uid->uid.size();
      if (uid->message == listing_entries) last_uid_matches = uid->uid == expected.last_uid;
      return true;
    }
    if (const auto* item = std::get_if<pop3::events::list_item>(&ev)) {
      if (kind != pop3::command_kind::list || item->message != next++) return false;
      octets += item->octets;
      return true;
    }
    if (const auto* ok = std::get_if<pop3::events::ok>(&ev)) {
      if (ok_seen || ok->command != kind) return false;
      ok_seen = true;
      return true;
    }
    if (const auto* end = std::get_if<pop3::events::listing_end>(&ev)) {
      if (ended || end->command != kind) return false;
      ended = true;
      return true;
    }
    return false;
  }
};

void run_listing(benchmark::State& state, const pop3::command& command, const listing& expected) {
  std::optional<pop3::engine> eng = pop3::bench::logged_in_engine();
  if (!eng) {
    state.SkipWithError("engine setup (greeting, USER, PASS) failed");
    return;
  }
  listing_consumer consumer{command.kind, expected};
  for (auto _ : state) {
    if (!eng->submit(command)) {
      state.SkipWithError("submit() failed");
      break;
    }
    eng->consume_output(eng->pending_output().size());
    consumer.reset();
    if (const char* error = pop3::bench::stream_reply(*eng, expected.reply, consumer)) {
      state.SkipWithError(error);
      break;
    }
    if (!consumer.complete()) {
      state.SkipWithError("listing differs: entry count, last UID or sizes");
      break;
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * listing_entries);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(expected.reply.size()));
  state.SetLabel(std::to_string(listing_entries) + " entries, " +
                 std::to_string(expected.reply.size()) + " B reply");
}

void BM_uidl_listing_10000(benchmark::State& state) {
  run_listing(state, pop3::cmd::uidl(), uidl_listing());
}

void BM_list_listing_10000(benchmark::State& state) {
  run_listing(state, pop3::cmd::list(), list_listing());
}

BENCHMARK(BM_reply_parse_single_line)->Arg(8)->Arg(64)->Arg(max_batch)->UseManualTime();
BENCHMARK(BM_reply_parse_error_with_code)->Arg(8)->Arg(64)->Arg(max_batch)->UseManualTime();
BENCHMARK(BM_uidl_listing_10000);
BENCHMARK(BM_list_listing_10000);

}  // namespace
