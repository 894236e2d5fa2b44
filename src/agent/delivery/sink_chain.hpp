// What begin() hands out: the conversions a destination asks for (CRLF to LF, mboxrd
// quoting) in front of its storage, behind one barrier that turns any exception (out of
// memory, mostly) into an error, since none may cross the library's API.
#pragma once

#include <memory>
#include <string_view>

#include "delivery/mboxrd_quoting.hpp"
#include "delivery/storage_sink.hpp"

namespace pop3::agent::detail {

class sink_chain final : public delivery_sink {
 public:
  /// Data flows: [CRLF -> LF if ends is lf] -> [mboxrd quoting if quote_from] -> storage.
  sink_chain(std::unique_ptr<storage_sink> storage, line_ending ends, bool quote_from);

  result<void> write(std::string_view bytes) override;
  result<void> finish() override;
  void abort(const error& why) noexcept override;
  const std::string& failure() const noexcept override { return storage_->failure(); }

 private:
  unexpected fail_on_exception() noexcept;

  // Declared in the order of construction; each stage refers to the one declared before it,
  // and members are destroyed in reverse order, so no stage outlives its next.
  std::unique_ptr<storage_sink> storage_;
  std::unique_ptr<mboxrd_quoting_sink> quoting_;
  std::unique_ptr<lf_sink> to_lf_;
  body_sink* head_ = nullptr;
};

}  // namespace pop3::agent::detail
