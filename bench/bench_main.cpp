// main() of pop3-bench-engine and the reporter that puts the body benchmarks next to the
// memcpy baseline measured in the same run.
//
// Contract: the reporter wraps the one chosen by --benchmark_format. It adds a `memcpy_ratio`
// counter (memcpy bytes/s divided by the benchmark's bytes/s) only to benchmarks whose name
// starts with BM_engine_body: they stream the same 1 MiB RETR reply as the baseline copies,
// so the ratio says how far decoding is from copying. The reply and listing benchmarks
// (reply_bench.cpp) parse different bytes in a different way; a ratio against memcpy would
// suggest a comparison that does not exist, so they get none and stay out of the GB/s summary.
// The program exits with status 1 if any benchmark ended with SkipWithError (a failed check).

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

// Both defined in engine_bench.cpp; the baseline is registered before the body benchmarks
// there, so its rate is known when they are reported.
constexpr std::string_view baseline_name = "BM_memcpy_baseline";
constexpr std::string_view ratio_prefix = "BM_engine_body";

bool gets_ratio(std::string_view name) {
  return name.substr(0, ratio_prefix.size()) == ratio_prefix;
}

// Adds the memcpy_ratio counter to the body benchmarks, remembers their rates and the
// baseline's, and prints a summary in GB/s at the end (to stdout after the console table; to
// stderr for json/csv so that stdout stays parseable).
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
        if (!gets_ratio(run.run_name.function_name) || run.error_occurred) continue;
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
    out << "\nBody decoding in GB/s (10^9 bytes/s; the table above uses GiB/s), mean of runs:\n";
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
    const std::string& name = run.run_name.function_name;
    if (name != baseline_name && !gets_ratio(name)) return;  // not part of the summary
    const auto bps = run.counters.find("bytes_per_second");
    if (run.error_occurred || bps == run.counters.end()) return;
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
  // A failed check (SkipWithError) must fail a CI job, not just print a line.
  return reporter.failed() ? 1 : 0;
}
