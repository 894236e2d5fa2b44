// What `pop3 fetch` prints while it runs. Three observers of the agent's events:
//  - json_events: one JSON object per line on stdout, per event (--json);
//  - progress_display: a live line per account on a terminal (stdout), rewritten in place;
//  - text_report: warnings and failures on stderr, and a summary line per account on stdout
//    at the end (unless -q).
// All are thread-safe: with --jobs several accounts report at once.
#pragma once

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "fetch/fetch_events.hpp"

namespace pop3::cli {

/// Calls several observers in turn.
class observer_fanout final : public agent::fetch_observer {
 public:
  void add(agent::fetch_observer& o) { observers_.push_back(&o); }
  void account_started(const agent::account_config& a) override;
  void planned(const agent::account_config& a, const agent::account_counts& c) override;
  void message_delivered(const agent::account_config& a, const agent::listed_message& m,
                         std::uint64_t octets) override;
  void message_skipped(const agent::account_config& a, const agent::listed_message& m,
                       std::string_view why) override;
  void message_deleted(const agent::account_config& a, const agent::listed_message& m) override;
  void message_failed(const agent::account_config& a, const agent::listed_message& m,
                      std::string_view why) override;
  void bytes_received(const agent::account_config& a, std::uint64_t octets) override;
  void warning(const agent::account_config& a, std::string_view text) override;
  void account_finished(const agent::account_config& a, const agent::account_outcome& o) override;

 private:
  std::vector<agent::fetch_observer*> observers_;
};

class json_events final : public agent::fetch_observer {
 public:
  explicit json_events(std::FILE* out) : out_(out) {}
  void account_started(const agent::account_config& a) override;
  void planned(const agent::account_config& a, const agent::account_counts& c) override;
  void message_delivered(const agent::account_config& a, const agent::listed_message& m,
                         std::uint64_t octets) override;
  void message_skipped(const agent::account_config& a, const agent::listed_message& m,
                       std::string_view why) override;
  void message_deleted(const agent::account_config& a, const agent::listed_message& m) override;
  void message_failed(const agent::account_config& a, const agent::listed_message& m,
                      std::string_view why) override;
  void warning(const agent::account_config& a, std::string_view text) override;
  void account_finished(const agent::account_config& a, const agent::account_outcome& o) override;
  /// The last line: {"event":"summary","exit_code":N,"accounts":N,"failed":N}.
  void summary(int exit_code, std::span<const agent::account_outcome> outcomes);

 private:
  void emit(const nlohmann::json& event);
  std::FILE* out_;
  std::mutex mutex_;
};

class progress_display final : public agent::fetch_observer {
 public:
  explicit progress_display(std::FILE* terminal) : out_(terminal) {}
  void account_started(const agent::account_config& a) override;
  void planned(const agent::account_config& a, const agent::account_counts& c) override;
  void message_delivered(const agent::account_config& a, const agent::listed_message& m,
                         std::uint64_t octets) override;
  void message_failed(const agent::account_config& a, const agent::listed_message& m,
                      std::string_view why) override;
  void bytes_received(const agent::account_config& a, std::uint64_t octets) override;
  void account_finished(const agent::account_config& a, const agent::account_outcome& o) override;

 private:
  struct line {
    std::string name;
    std::chrono::steady_clock::time_point started;
    agent::account_counts counts;
    std::uint64_t bytes = 0;  // received so far, including the message in flight
    std::string final_text;   // set when the account finished
    bool planned = false;     // the maildrop is listed: counts are known
  };
  line& find(const agent::account_config& a);  // under mutex_
  void redraw(bool force);                     // under mutex_
  std::FILE* out_;
  std::mutex mutex_;
  std::vector<line> lines_;
  std::size_t drawn_ = 0;  // lines on the screen from the last redraw
  std::chrono::steady_clock::time_point last_draw_{};
};

class text_report final : public agent::fetch_observer {
 public:
  /// `quiet`: only failures (no warnings, no summary).
  explicit text_report(bool quiet) : quiet_(quiet) {}
  void message_failed(const agent::account_config& a, const agent::listed_message& m,
                      std::string_view why) override;
  void warning(const agent::account_config& a, std::string_view text) override;
  void account_finished(const agent::account_config& a, const agent::account_outcome& o) override;

 private:
  bool quiet_;
  std::mutex mutex_;
};

/// "work: 300 delivered (20.1 MiB), 2 skipped, 300 deleted" or "work: failed: WORDS".
std::string summary_line(const std::string& account, const agent::account_outcome& o);

/// "20.1 MiB", "512 B", "3.4 KiB".
std::string human_size(double octets);

}  // namespace pop3::cli
