// The sink `pop3 fetch` hands the session for each message: it opens the account's delivery
// for the message, passes the data through, counts it for the progress display, and keeps
// the delivery's words when it fails.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "config/config.hpp"
#include "delivery/delivery.hpp"
#include "fetch/fetch_events.hpp"
#include "pop3/sink.hpp"

namespace pop3::agent {

/// The account's destination: its Maildir (with deferred durability: call make_durable()
/// before relying on a message), mbox or MDA. What an mbox finds left by an interrupted
/// delivery (and repairs or leaves) is told to `warning`. Errors: errc::io_error, words in
/// `why`.
result<std::unique_ptr<delivery>> open_delivery(const account_config& account,
                                                std::chrono::milliseconds mbox_lock_timeout,
                                                std::function<void(const std::string&)> warning,
                                                std::string& why);

class message_sink final : public body_sink {
 public:
  message_sink(fetch_observer& observer, const account_config& account)
      : observer_(observer), account_(account) {}

  /// Begins delivering the next message. If the delivery cannot begin, the sink refuses the
  /// data (errc::sink_failed) and failure() says why.
  ///
  /// With `exact_size`, a message whose length differs from what LIST said (info.size) is not
  /// delivered: finish() drops it and fails, and size_mismatch() is true. Under pipelining
  /// that is how replies out of step with the commands show: a server that dropped one reply
  /// would otherwise have the next message filed under this one's UID. RFC 1939 makes LIST's
  /// size exact; one tolerance: two octets more, the CRLF a server adds to a message that
  /// does not end with one.
  void open(delivery& destination, const message_info& info, bool exact_size);

  result<void> write(std::string_view bytes) override;
  result<void> finish() override;
  void abort(const error& why) noexcept override;

  /// Why the last message could not be delivered (empty if it was).
  const std::string& failure() const noexcept { return failure_; }
  /// Whether the last message was refused for its size (see open()).
  bool size_mismatch() const noexcept { return size_mismatch_; }
  /// Whether the delivery could not begin for a reason that passes (an mbox locked by
  /// another program past the lock timeout): worth a retry later, not an I/O error.
  bool busy() const noexcept { return busy_; }
  /// The octets of the last message as received (CRLF line ends) and as LIST announced them.
  std::uint64_t received_octets() const noexcept { return received_; }
  std::uint64_t listed_octets() const noexcept { return listed_; }

 private:
  fetch_observer& observer_;
  const account_config& account_;
  std::unique_ptr<delivery_sink> current_;
  std::string failure_;
  bool exact_size_ = false;
  bool size_mismatch_ = false;
  bool busy_ = false;
  std::uint64_t received_ = 0;
  std::uint64_t listed_ = 0;
};

}  // namespace pop3::agent
