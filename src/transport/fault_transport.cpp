#include "pop3/fault_transport.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <thread>
#include <utility>

#include "transport_error.hpp"

namespace pop3 {

namespace {

using detail::transport_failure;

// Large enough that one inner read takes everything a scripted peer has written so far, which
// is what makes the split sizes independent of the inner transport's chunking.
constexpr std::size_t inner_read_size = std::size_t{64} * 1024;

constexpr std::size_t unlimited = std::numeric_limits<std::size_t>::max();

}  // namespace

fault_transport::fault_transport(std::unique_ptr<transport> inner, fault_plan plan)
    : inner_(std::move(inner)), plan_(std::move(plan)) {}

result<void> fault_transport::begin_operation(deadline until) {
  const std::size_t operation = operations_++;
  if (closed_) return transport_failure(errc::io_error, EBADF);
  if (plan_.kind != fault_kind::none && operation == plan_.at) {
    switch (plan_.kind) {
      case fault_kind::stall:
        // With no deadline the stall would hang the test run forever; a timeout at once still
        // sends the caller down the timeout path the test meant to exercise.
        if (until != no_deadline) std::this_thread::sleep_until(until);
        return transport_failure(errc::timeout);
      case fault_kind::fail:
        failed_ = true;
        break;
      case fault_kind::close:
        peer_closed_ = true;
        break;
      case fault_kind::none:
        break;
    }
    // The connection is gone for good: a scripted peer blocked in read() must see end of
    // stream and finish, and bytes the wrapper buffered would never have been delivered.
    pending_.clear();
    pending_head_ = 0;
    inner_->close();
  }
  if (failed_) return transport_failure(errc::io_error, ECONNRESET);
  return {};
}

result<std::size_t> fault_transport::read(std::span<char> buffer, deadline until) {
  POP3_TRY(begin_operation(until));
  if (peer_closed_ || buffer.empty()) return std::size_t{0};
  return read_through(buffer, until);
}

result<void> fault_transport::write(std::span<const char> data, deadline until) {
  POP3_TRY(begin_operation(until));
  if (peer_closed_) return transport_failure(errc::io_error, EPIPE);
  auto written = inner_->write(data, until);
  if (written) written_.append(data.data(), data.size());
  return written;
}

void fault_transport::close() noexcept {
  if (closed_) return;
  closed_ = true;
  inner_->close();
}

result<std::size_t> fault_transport::read_through(std::span<char> buffer, deadline until) {
  if (pending_head_ == pending_.size()) {
    pending_.resize(inner_read_size);
    pending_head_ = 0;
    auto got = inner_->read(std::span<char>(pending_), until);
    pending_.resize(got ? *got : 0);
    if (!got) return unexpected(got.error());
    if (*got == 0) return std::size_t{0};
  }
  const std::size_t count =
      std::min({buffer.size(), next_split(), pending_.size() - pending_head_});
  std::memcpy(buffer.data(), pending_.data() + pending_head_, count);
  received_.append(pending_.data() + pending_head_, count);
  pending_head_ += count;
  ++reads_delivered_;
  return count;
}

std::size_t fault_transport::next_split() const noexcept {
  const auto& splits = plan_.read_splits;
  if (splits.empty()) return unlimited;
  std::size_t split = unlimited;
  if (reads_delivered_ < splits.size())
    split = splits[reads_delivered_];
  else if (plan_.repeat_last)
    split = splits.back();
  return std::max<std::size_t>(split, 1);
}

}  // namespace pop3
