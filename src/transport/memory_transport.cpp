#include "pop3/memory_transport.hpp"

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <string>

#include "transport_error.hpp"

namespace pop3 {

namespace {

using detail::transport_failure;

// Bytes written by one end and not yet read by the other. Reading advances `head` instead of
// erasing from the front, so a large buffer drained in small reads is not copied each time.
struct byte_queue {
  std::string bytes;
  std::size_t head{0};

  bool empty() const noexcept { return head == bytes.size(); }

  std::size_t pop(std::span<char> out) noexcept {
    const std::size_t count = std::min(out.size(), bytes.size() - head);
    std::memcpy(out.data(), bytes.data() + head, count);
    head += count;
    if (head == bytes.size()) clear();
    return count;
  }

  void clear() noexcept {
    bytes.clear();
    head = 0;
  }
};

// Shared by both ends; end i writes queue[i] and reads queue[1 - i].
struct pair_state {
  std::mutex mutex;
  std::condition_variable changed;
  byte_queue queue[2];
  bool closed[2]{false, false};
};

class memory_transport final : public transport {
 public:
  memory_transport(std::shared_ptr<pair_state> state, int side) noexcept
      : state_(std::move(state)), side_(side) {}
  ~memory_transport() override { close(); }
  memory_transport(const memory_transport&) = delete;
  memory_transport& operator=(const memory_transport&) = delete;

  result<std::size_t> read(std::span<char> buffer, deadline until) override {
    std::unique_lock lock(state_->mutex);
    if (state_->closed[side_]) return transport_failure(errc::io_error, EBADF);
    if (buffer.empty()) return std::size_t{0};
    byte_queue& incoming = state_->queue[peer()];
    const auto readable = [&] { return !incoming.empty() || state_->closed[peer()]; };
    // no_deadline is a sentinel rather than a time to hand to the kernel's timed wait, where
    // arithmetic near time_point::max() is one overflow away from "already expired".
    if (until == no_deadline) {
      state_->changed.wait(lock, readable);
    } else if (!readable() && steady_clock::now() >= until) {
      // Already past: a timed wait would still put the thread to sleep until the kernel's
      // timer fires, a context switch for nothing (scripted peers poll this way all the time).
      return transport_failure(errc::timeout);
    } else if (!state_->changed.wait_until(lock, until, readable)) {
      return transport_failure(errc::timeout);
    }
    return incoming.pop(buffer);
  }

  result<void> write(std::span<const char> data, deadline) override {
    {
      std::lock_guard lock(state_->mutex);
      if (state_->closed[side_]) return transport_failure(errc::io_error, EBADF);
      if (state_->closed[peer()]) return transport_failure(errc::io_error, EPIPE);
      if (data.empty()) return {};
      state_->queue[side_].bytes.append(data.data(), data.size());
    }
    state_->changed.notify_all();
    return {};
  }

  void close() noexcept override {
    {
      std::lock_guard lock(state_->mutex);
      if (state_->closed[side_]) return;
      state_->closed[side_] = true;
      // Nobody will read these any more; what this end wrote stays for the peer to drain.
      state_->queue[peer()].clear();
    }
    state_->changed.notify_all();
  }

 private:
  int peer() const noexcept { return 1 - side_; }

  std::shared_ptr<pair_state> state_;
  int side_;
};

}  // namespace

std::pair<std::unique_ptr<transport>, std::unique_ptr<transport>> make_memory_pair() {
  auto state = std::make_shared<pair_state>();
  return {std::make_unique<memory_transport>(state, 0),
          std::make_unique<memory_transport>(state, 1)};
}

}  // namespace pop3
