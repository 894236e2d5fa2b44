#include "support/allocation_counter.hpp"

#include "support/sanitizer_hooks.hpp"

namespace pop3::fuzz {
namespace {

// Thread-local: libFuzzer's helper threads (the RSS watcher) must not count.
thread_local bool armed = false;
thread_local std::size_t count = 0;

void on_malloc(const volatile void*, std::size_t) {
  if (armed) ++count;
}
void on_free(const volatile void*) {}

// Installed once per process; the hooks themselves hold no per-input state. Without a
// sanitizer there are no hooks and the count stays at zero (see sanitizer_hooks.hpp).
[[maybe_unused]] const bool installed = install_allocation_hooks(on_malloc, on_free);

}  // namespace

allocation_counter::allocation_counter() noexcept {
  count = 0;
  armed = true;
}

allocation_counter::~allocation_counter() {
  armed = false;
}

std::size_t allocation_counter::allocations() const noexcept {
  return count;
}

}  // namespace pop3::fuzz
