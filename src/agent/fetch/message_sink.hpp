// The sink `pop3 fetch` hands the session for each message: it opens the account's delivery
// for the message, passes the data through, counts it for the progress display, and keeps
// the delivery's words when it fails.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "config/config.hpp"
#include "delivery/delivery.hpp"
#include "fetch/fetch_events.hpp"
#include "pop3/sink.hpp"

namespace pop3::agent {

/// The account's destination: its Maildir, mbox or MDA. Errors: errc::io_error, words in `why`.
result<std::unique_ptr<delivery>> open_delivery(const account_config& account,
                                                std::chrono::milliseconds mbox_lock_timeout,
                                                std::string& why);

class message_sink final : public body_sink {
 public:
  message_sink(fetch_observer& observer, const account_config& account)
      : observer_(observer), account_(account) {}

  /// Begins delivering the next message. If the delivery cannot begin, the sink refuses the
  /// data (errc::sink_failed) and failure() says why.
  void open(delivery& destination, const message_info& info);

  result<void> write(std::string_view bytes) override;
  result<void> finish() override;
  void abort(const error& why) noexcept override;

  /// Why the last message could not be delivered (empty if it was).
  const std::string& failure() const noexcept { return failure_; }

 private:
  fetch_observer& observer_;
  const account_config& account_;
  std::unique_ptr<delivery_sink> current_;
  std::string failure_;
};

}  // namespace pop3::agent
