// Throughput of the engine's hot path (ARCHITECTURE.md §3): a RETR reply streamed through
// receive_space()/commit_received() in 16 KiB reads, dot-unstuffed in place and handed out as
// body_chunk events, measured side by side with a plain memcpy of the same bytes.
//
// Every benchmark here reports bytes/s over the same unit of work, the whole RETR reply as it
// arrives from the network, so the rates compare directly. The reporter in bench_main.cpp adds
// a `memcpy_ratio` column to the BM_engine_body* benchmarks (memcpy bytes/s divided by this
// benchmark's bytes/s: how many times slower than copying the data once) and prints a summary
// in GB/s after the run. See docs/benchmarks.md.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "bench_support.hpp"
#include "pop3/command.hpp"
#include "pop3/engine.hpp"
#include "pop3/event.hpp"
#include "sample_message.hpp"

namespace {

using pop3::bench::read_size;
using pop3::bench::sample_message;

constexpr std::size_t message_size = 1024 * 1024;

const sample_message& message_1_in_200() {
  static const sample_message m = pop3::bench::make_sample_message(message_size, 200);
  return m;
}

const sample_message& message_1_in_10() {
  static const sample_message m = pop3::bench::make_sample_message(message_size, 10);
  return m;
}

struct retr_outcome {
  const char* error = nullptr;    // set if the engine failed or misbehaved
  std::uint64_t chunk_bytes = 0;  // sum of the body_chunk sizes
  std::uint64_t end_octets = 0;   // body_end::octets
  bool ended = false;
};

// One RETR reply through the engine: body_chunk sizes are added up, and the only other
// events allowed are the +OK status line and body_end.
retr_outcome stream_retr_reply(pop3::engine& eng, std::string_view reply) {
  retr_outcome out;
  out.error = pop3::bench::stream_reply(eng, reply, [&out](const pop3::event& ev) {
    if (const auto* chunk = std::get_if<pop3::events::body_chunk>(&ev)) {
      benchmark::DoNotOptimize(chunk->bytes.data());
      out.chunk_bytes += chunk->bytes.size();
    } else if (const auto* end = std::get_if<pop3::events::body_end>(&ev)) {
      out.end_octets = end->octets;
      out.ended = true;
    } else if (!std::holds_alternative<pop3::events::ok>(ev)) {
      return false;
    }
    return true;
  });
  benchmark::DoNotOptimize(out.chunk_bytes);
  return out;
}

// Setup is amortised by using one engine for the whole benchmark: it is created and logged in
// once, before the timed loop, and every iteration is one more RETR on the same session (what
// a client fetching a maildrop does). The timed work per iteration is therefore exactly one
// retrieval: submit RETR (tens of nanoseconds against hundreds of microseconds for the body)
// plus streaming the reply. PauseTiming()/ResumeTiming() around a per-iteration engine would
// add two clock reads per iteration and fold their overhead and jitter into the result; a
// batch of pipelined RETRs would only move the same submit() cost around.
void run_retr(benchmark::State& state, const sample_message& msg, pop3::body_format format) {
  std::optional<pop3::engine> eng = pop3::bench::logged_in_engine();
  if (!eng) {
    state.SkipWithError("engine setup (greeting, USER, PASS) failed");
    return;
  }
  const std::uint64_t expected =
      format == pop3::body_format::decoded ? msg.decoded.size() : msg.wire_body_size;

  for (auto _ : state) {
    if (!eng->submit(pop3::cmd::retr(1, format))) {
      state.SkipWithError("submit(RETR) failed");
      break;
    }
    eng->consume_output(eng->pending_output().size());
    const retr_outcome r = stream_retr_reply(*eng, msg.reply);
    if (r.error) {
      state.SkipWithError(r.error);
      break;
    }
    if (!r.ended || r.chunk_bytes != expected || r.end_octets != expected) {
      state.SkipWithError("body size differs from the expected size");
      break;
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(msg.reply.size()));
  state.SetLabel(std::to_string(msg.reply.size()) + " B reply, " + std::to_string(msg.dot_lines) +
                 " stuffed lines");
}

void BM_memcpy_baseline(benchmark::State& state) {
  const std::string& src = message_1_in_200().reply;
  std::vector<char> dst(read_size);
  benchmark::DoNotOptimize(dst.data());
  for (auto _ : state) {
    for (std::size_t at = 0; at < src.size(); at += read_size) {
      std::memcpy(dst.data(), src.data() + at, std::min(read_size, src.size() - at));
      benchmark::ClobberMemory();
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(src.size()));
}

void BM_engine_body_decode(benchmark::State& state) {
  run_retr(state, message_1_in_200(), pop3::body_format::decoded);
}

void BM_engine_body_decode_wire_format(benchmark::State& state) {
  run_retr(state, message_1_in_200(), pop3::body_format::wire);
}

void BM_engine_body_decode_stuffed_1_in_10(benchmark::State& state) {
  run_retr(state, message_1_in_10(), pop3::body_format::decoded);
}

// The baseline is registered first so that it has run when the others are reported.
BENCHMARK(BM_memcpy_baseline);
BENCHMARK(BM_engine_body_decode);
BENCHMARK(BM_engine_body_decode_wire_format);
BENCHMARK(BM_engine_body_decode_stuffed_1_in_10);

}  // namespace
