// The FIFO of replies the engine expects, in the order the commands were sent. Fixed
// capacity, allocated once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "pop3/command.hpp"

namespace pop3::detail {

/// What the engine must remember about a command until its reply has been read.
struct expected_reply {
  command_kind kind = command_kind::none;
  std::uint32_t message = 0;  ///< 0 when the command named no message
  bool has_argument = false;  ///< decides the reply's shape (LIST vs LIST n, LANG vs LANG x)
  body_format format = body_format::decoded;
};

class reply_queue {
 public:
  explicit reply_queue(std::size_t capacity)
      : slots_(std::make_unique<expected_reply[]>(capacity)), capacity_(capacity) {}

  bool empty() const noexcept { return size_ == 0; }
  bool full() const noexcept { return size_ == capacity_; }
  std::size_t size() const noexcept { return size_; }

  const expected_reply& front() const noexcept { return slots_[head_]; }
  const expected_reply& at(std::size_t i) const noexcept { return slots_[(head_ + i) % capacity_]; }
  void push(const expected_reply& r) noexcept {
    slots_[(head_ + size_) % capacity_] = r;
    ++size_;
  }
  void pop() noexcept {
    head_ = (head_ + 1) % capacity_;
    --size_;
  }

 private:
  std::unique_ptr<expected_reply[]> slots_;
  std::size_t capacity_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace pop3::detail
