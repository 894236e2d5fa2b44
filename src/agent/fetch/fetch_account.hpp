// One account's run of `pop3 fetch`: lock, state, connect, log in, list, plan, then
// RETR -> durable delivery -> state record -> DELE for each message, and QUIT.
//
// The invariant (security-cases.md §6): a message is never both gone from the server and
// absent locally. A DELE is sent only after the message's delivery is durable and its UID is
// recorded; deletions take effect only at a successful QUIT, and a run that does not reach it
// leaves them to the next run, which deletes those messages without delivering them again.
// A crash between a delivery and its record can deliver that message twice; nothing else can.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>

#include "config/config.hpp"
#include "fetch/fetch_events.hpp"

namespace pop3::agent {

struct fetch_environment {
  /// Where UID state and lock files live (created if missing).
  std::filesystem::path state_dir;
  /// Seconds since the epoch (injectable for tests); empty: the system clock.
  std::function<std::int64_t()> now;
  /// Set (by a signal handler) to stop: no new RETR is sent; the messages in flight are
  /// finished, delivered and deleted as usual; then QUIT.
  const std::atomic<bool>* stop = nullptr;
  /// Receives the events; must not be null.
  fetch_observer* observer = nullptr;
  /// The protocol trace (secrets redacted by the engine); may be null.
  trace_function trace = nullptr;
  /// How long an mbox delivery waits for the mailbox's locks.
  std::chrono::milliseconds mbox_lock_timeout{std::chrono::seconds(10)};
};

/// $XDG_STATE_HOME/pop3 if XDG_STATE_HOME is set and absolute, else ~/.local/state/pop3.
std::filesystem::path default_state_dir();

/// The state and lock files of `account` under `state_dir`.
std::filesystem::path state_file(const std::filesystem::path& state_dir,
                                 const account_config& account);
std::filesystem::path lock_file(const std::filesystem::path& state_dir,
                                const account_config& account);

/// Runs one account. Never throws; every failure is in the outcome (and was reported to the
/// observer's account_finished).
account_outcome fetch_account(const account_config& account, const fetch_environment& env);

}  // namespace pop3::agent
