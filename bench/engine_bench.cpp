// Throughput of the engine's hot path (ARCHITECTURE.md §3): a RETR reply streamed through
// receive_space()/commit_received() in 16 KiB reads, dot-unstuffed in place and handed out as
// body_chunk events, measured side by side with a plain memcpy of the same bytes.
//
// Every benchmark reports bytes/s over the same unit of work, the whole RETR reply as it
// arrives from the network, so the rates compare directly. The reporter below adds a
// `memcpy_ratio` column (memcpy bytes/s divided by this benchmark's bytes/s: how many times
// slower than copying the data once) and prints a summary in GB/s after the run. See
// docs/benchmarks.md.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "pop3/command.hpp"
#include "pop3/engine.hpp"
#include "pop3/event.hpp"
#include "sample_message.hpp"

namespace {

using pop3::bench::sample_message;

// What one read(2) returns here: 16 KiB, a typical socket read (the blocking client asks for
// all of receive_space(), up to 32 KiB by default, and often gets less).
constexpr std::size_t read_size = 16 * 1024;
constexpr std::size_t message_size = 1024 * 1024;

const sample_message& message_1_in_200() {
  static const sample_message m = pop3::bench::make_sample_message(message_size, 200);
  return m;
}

const sample_message& message_1_in_10() {
  static const sample_message m = pop3::bench::make_sample_message(message_size, 10);
  return m;
}

// Pushes all of `bytes` into the engine with feed() and drains the events; setup only.
bool feed_and_drain(pop3::engine& eng, std::string_view bytes) {
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

// An engine past the greeting and USER/PASS, in TRANSACTION, ready for RETR.
std::optional<pop3::engine> logged_in_engine() {
  auto created = pop3::engine::create();
  if (!created) return std::nullopt;
  pop3::engine eng = std::move(*created);
  if (!feed_and_drain(eng, "+OK POP3 server ready\r\n")) return std::nullopt;
  if (!eng.submit(pop3::cmd::user("bob")) || !eng.submit(pop3::cmd::pass("secret")))
    return std::nullopt;
  eng.consume_output(eng.pending_output().size());
  if (!feed_and_drain(eng, "+OK\r\n+OK logged in\r\n")) return std::nullopt;
  if (eng.state() != pop3::session_state::transaction) return std::nullopt;
  return eng;
}

struct retr_outcome {
  const char* error = nullptr;    // set if the engine failed or misbehaved
  std::uint64_t chunk_bytes = 0;  // sum of the body_chunk sizes
  std::uint64_t end_octets = 0;   // body_end::octets
  bool ended = false;
};

// Streams one reply into the engine the way a driver does: read into receive_space(), commit,
// then take events until the engine needs more input.
retr_outcome stream_reply(pop3::engine& eng, std::string_view reply) {
  retr_outcome out;
  std::size_t at = 0;
  for (;;) {
    for (;;) {
      auto ev = eng.next_event();
      if (!ev) {
        out.error = "next_event() failed";
        return out;
      }
      if (!*ev) break;
      if (const auto* chunk = std::get_if<pop3::events::body_chunk>(&**ev)) {
        benchmark::DoNotOptimize(chunk->bytes.data());
        out.chunk_bytes += chunk->bytes.size();
      } else if (const auto* end = std::get_if<pop3::events::body_end>(&**ev)) {
        out.end_octets = end->octets;
        out.ended = true;
      } else if (!std::holds_alternative<pop3::events::ok>(**ev)) {
        out.error = "unexpected event";
        return out;
      }
    }
    if (at == reply.size()) break;
    const std::span<char> space = eng.receive_space();
    const std::size_t n = std::min({read_size, space.size(), reply.size() - at});
    if (n == 0) {
      out.error = "receive buffer full";
      return out;
    }
    std::memcpy(space.data(), reply.data() + at, n);  // stands in for read(2)
    if (!eng.commit_received(n)) {
      out.error = "commit_received() failed";
      return out;
    }
    at += n;
  }
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
  std::optional<pop3::engine> eng = logged_in_engine();
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
    const retr_outcome r = stream_reply(*eng, msg.reply);
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

constexpr std::string_view baseline_name = "BM_memcpy_baseline";

// Wraps the reporter chosen by --benchmark_format: adds the memcpy_ratio counter to every run
// after the baseline's, remembers the rates, and prints a summary in GB/s at the end (to
// stdout after the console table; to stderr for json/csv so that stdout stays parseable).
class ratio_reporter final : public benchmark::BenchmarkReporter {
 public:
  explicit ratio_reporter(std::unique_ptr<benchmark::BenchmarkReporter> display)
      : display_(std::move(display)) {}

  bool failed() const { return failed_; }

  bool ReportContext(const Context& context) override { return display_->ReportContext(context); }

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs)
      record(run);
    const double memcpy_rate = rate_of(baseline_name);
    std::vector<Run> annotated = runs;
    if (memcpy_rate > 0) {
      for (Run& run : annotated) {
        if (run.run_name.function_name == baseline_name || run.error_occurred) continue;
        const bool comparable = run.run_type == Run::RT_Iteration || run.aggregate_name == "mean" ||
                                run.aggregate_name == "median";
        const auto bps = run.counters.find("bytes_per_second");
        if (comparable && bps != run.counters.end() && bps->second.value > 0)
          run.counters["memcpy_ratio"] = memcpy_rate / bps->second.value;
      }
    }
    display_->ReportRuns(annotated);
  }

  void Finalize() override {
    display_->Finalize();
    std::ostream& out = dynamic_cast<benchmark::ConsoleReporter*>(display_.get())
                            ? display_->GetOutputStream()
                            : display_->GetErrorStream();
    if (rates_.empty()) return;
    const double memcpy_rate = rate_of(baseline_name);
    out << "\nThroughput in GB/s (10^9 bytes/s; the table above uses GiB/s), mean of runs:\n";
    char line[160];
    for (const auto& [name, acc] : rates_) {
      const double rate = acc.rate();
      if (rate <= 0) continue;
      if (name == baseline_name || memcpy_rate <= 0) {
        std::snprintf(line, sizeof line, "  %-40s %7.2f GB/s\n", name.c_str(), rate / 1e9);
      } else {
        std::snprintf(line, sizeof line, "  %-40s %7.2f GB/s   memcpy/engine %5.2f\n", name.c_str(),
                      rate / 1e9, memcpy_rate / rate);
      }
      out << line;
    }
    out << "Targets: engine body decoding >= 2 GB/s and memcpy/engine <= 4.\n";
  }

 private:
  // The bytes/s of one benchmark: the mean of its repetitions, or of its "mean" aggregate
  // when only aggregates are displayed.
  struct rate_sum {
    double sum = 0;
    int count = 0;
    double aggregate_mean = 0;
    double rate() const { return count > 0 ? sum / count : aggregate_mean; }
  };

  void record(const Run& run) {
    failed_ = failed_ || run.error_occurred;
    const auto bps = run.counters.find("bytes_per_second");
    if (run.error_occurred || bps == run.counters.end()) return;
    const std::string& name = run.run_name.function_name;
    auto it = std::find_if(rates_.begin(), rates_.end(),
                           [&](const auto& entry) { return entry.first == name; });
    if (it == rates_.end()) it = rates_.insert(rates_.end(), {name, rate_sum{}});
    if (run.run_type == Run::RT_Iteration) {
      it->second.sum += bps->second.value;
      ++it->second.count;
    } else if (run.aggregate_name == "mean") {
      it->second.aggregate_mean = bps->second.value;
    }
  }

  double rate_of(std::string_view name) const {
    for (const auto& [entry_name, acc] : rates_)
      if (entry_name == name) return acc.rate();
    return 0;
  }

  std::unique_ptr<benchmark::BenchmarkReporter> display_;
  std::vector<std::pair<std::string, rate_sum>> rates_;  // in the order they ran
  bool failed_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  ratio_reporter reporter{
      std::unique_ptr<benchmark::BenchmarkReporter>{benchmark::CreateDefaultDisplayReporter()}};
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  // A failed size check (SkipWithError) must fail a CI job, not just print a line.
  return reporter.failed() ? 1 : 0;
}
