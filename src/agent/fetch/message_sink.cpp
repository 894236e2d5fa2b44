#include "message_sink.hpp"

namespace pop3::agent {

result<std::unique_ptr<delivery>> open_delivery(const account_config& account,
                                                std::chrono::milliseconds mbox_lock_timeout,
                                                std::function<void(const std::string&)> warning,
                                                std::string& why) {
  // An MDA gets the account's timeout (x10, like a command) for its whole run: it starts once the
  // message is spooled, and must read all of it and exit.
  const auto mda_timeout =
      std::chrono::milliseconds(static_cast<std::int64_t>(account.timeout_seconds * 10000));
  switch (account.delivery) {
    case delivery_kind::maildir: {
      // fetch_account makes each group of messages durable before it records or deletes any.
      maildir_options options;
      options.ends = account.ends;
      options.deferred_durability = true;
      return open_maildir(account.delivery_target, options, why);
    }
    case delivery_kind::mbox: {
      mbox_options options;
      options.ends = account.ends;
      options.lock_timeout = mbox_lock_timeout;
      options.warning = std::move(warning);
      return open_mbox(account.delivery_target, options, why);
    }
    case delivery_kind::mda:
      return open_mda(account.delivery_target, account.ends, mda_timeout, why);
  }
  why = "unknown delivery";
  return unexpected(errc::invalid_argument);
}

void message_sink::open(delivery& destination, const message_info& info, bool exact_size) {
  failure_.clear();
  current_.reset();
  exact_size_ = exact_size;
  size_mismatch_ = false;
  busy_ = false;
  received_ = 0;
  listed_ = info.size;
  auto sink = destination.begin(info, failure_);
  if (sink)
    current_ = std::move(*sink);
  else
    busy_ = sink.error().code == errc::timeout;
}

result<void> message_sink::write(std::string_view bytes) {
  if (!current_) return unexpected(errc::sink_failed);
  observer_.bytes_received(account_, bytes.size());
  received_ += bytes.size();
  return current_->write(bytes);
}

result<void> message_sink::finish() {
  if (!current_) return unexpected(errc::sink_failed);
  if (exact_size_ && received_ != listed_ && received_ != listed_ + 2) {
    size_mismatch_ = true;
    failure_ =
        "it is " + std::to_string(received_) + " octets, but LIST said " + std::to_string(listed_);
    current_->abort(error(errc::malformed_reply));
    current_.reset();
    return unexpected(errc::sink_failed);
  }
  auto done = current_->finish();
  if (!done) failure_ = current_->failure();
  current_.reset();
  return done;
}

void message_sink::abort(const error& why) noexcept {
  if (!current_) return;
  if (failure_.empty()) failure_ = current_->failure();
  if (failure_.empty()) failure_ = std::string(describe(why.code));
  current_->abort(why);
  current_.reset();
}

}  // namespace pop3::agent
