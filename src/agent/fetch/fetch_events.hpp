// What `pop3 fetch` tells its user while it runs: the CLI turns these into a live progress
// line, JSON events, or nothing. With --jobs, accounts run on several threads at once and
// call the same observer: implementations must be thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "fetch/plan.hpp"

namespace pop3::agent {

/// Counts for one account's run.
struct account_counts {
  std::uint32_t on_server = 0;        ///< messages in the maildrop
  std::uint32_t to_fetch = 0;         ///< messages the plan retrieves
  std::uint64_t bytes_to_fetch = 0;   ///< by LIST's sizes
  std::uint32_t delivered = 0;        ///< durable and recorded
  std::uint64_t bytes_delivered = 0;  ///< as received (before line-end conversion)
  std::uint32_t skipped = 0;          ///< left on the server by the plan
  std::uint32_t deleted = 0;          ///< DELE accepted and QUIT committed it
  std::uint32_t not_deleted = 0;      ///< DELE refused, or QUIT did not commit
  std::uint32_t failed = 0;           ///< a RETR refused or a delivery that failed
  bool operator==(const account_counts&) const = default;
};

/// How an account's run ended.
struct account_outcome {
  account_counts counts;
  int exit_code = 0;         ///< 0, or a sysexits code (see exit_status.hpp)
  std::string failure;       ///< empty on success; else one line of words, printable
  bool interrupted = false;  ///< stopped early by a signal (exit_code is then nonzero)
};

class fetch_observer {
 public:
  virtual ~fetch_observer() = default;
  virtual void account_started(const account_config&) {}
  /// The maildrop was listed and the plan made.
  virtual void planned(const account_config&, const account_counts&) {}
  virtual void message_delivered(const account_config&, const listed_message&,
                                 std::uint64_t /*octets*/) {}
  virtual void message_skipped(const account_config&, const listed_message&,
                               std::string_view /*why*/) {}
  /// The server accepted DELE; it takes effect at QUIT (see account_outcome.counts.deleted).
  virtual void message_deleted(const account_config&, const listed_message&) {}
  /// A message could not be fetched or delivered; `why` in words. The run goes on or stops
  /// as the outcome will say.
  virtual void message_failed(const account_config&, const listed_message&,
                              std::string_view /*why*/) {}
  /// Message data arrived (for rates); called often, keep it cheap.
  virtual void bytes_received(const account_config&, std::uint64_t /*octets*/) {}
  virtual void warning(const account_config&, std::string_view /*text*/) {}
  virtual void account_finished(const account_config&, const account_outcome&) {}
};

}  // namespace pop3::agent
