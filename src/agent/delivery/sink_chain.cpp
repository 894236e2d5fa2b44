#include "delivery/sink_chain.hpp"

#include <cerrno>
#include <exception>
#include <new>
#include <utility>

namespace pop3::agent::detail {

sink_chain::sink_chain(std::unique_ptr<storage_sink> storage, line_ending ends, bool quote_from)
    : storage_(std::move(storage)) {
  head_ = storage_.get();
  if (quote_from) {
    quoting_ = std::make_unique<mboxrd_quoting_sink>(*head_);
    head_ = quoting_.get();
  }
  if (ends == line_ending::lf) {
    to_lf_ = std::make_unique<lf_sink>(*head_);
    head_ = to_lf_.get();
  }
}

result<void> sink_chain::write(std::string_view bytes) {
  try {
    return head_->write(bytes);
  } catch (...) {
    return fail_on_exception();
  }
}

result<void> sink_chain::finish() {
  try {
    return head_->finish();
  } catch (...) {
    return fail_on_exception();
  }
}

void sink_chain::abort(const error& why) noexcept {
  head_->abort(why);
}

unexpected sink_chain::fail_on_exception() noexcept {
  try {
    throw;
  } catch (const std::bad_alloc&) {
    return unexpected(storage_->fail_from_outside("out of memory", ENOMEM));
  } catch (const std::exception& e) {
    return unexpected(storage_->fail_from_outside(e.what(), 0));
  } catch (...) {
    return unexpected(storage_->fail_from_outside("unexpected failure", 0));
  }
}

}  // namespace pop3::agent::detail
