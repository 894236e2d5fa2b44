// Counts heap allocations made by this thread while armed, through the sanitizer allocator's
// hooks (libFuzzer registers its own the same way). The engine promises to allocate only in
// engine::create(); a fuzzer arms the counter after create() and checks it stays at zero.
#pragma once

#include <cstddef>

namespace pop3::fuzz {

class allocation_counter {
 public:
  allocation_counter() noexcept;  // starts armed at zero
  ~allocation_counter();          // disarms
  allocation_counter(const allocation_counter&) = delete;
  allocation_counter& operator=(const allocation_counter&) = delete;

  std::size_t allocations() const noexcept;
};

}  // namespace pop3::fuzz
