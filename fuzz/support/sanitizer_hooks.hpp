// The sanitizer allocator's interface, declared weak. The fuzz targets are also built without
// a sanitizer: as corpus replays in the test builds and in scripts/coverage. There the hooks
// do not exist, install_allocation_hooks() returns false and the memory oracles that rely on
// them see no allocations. Under ASan (libFuzzer, or the asan preset's replays) they count.
#pragma once

#include <cstddef>
#include <cstdio>
#include <cstdlib>

extern "C" {
__attribute__((weak)) int __sanitizer_install_malloc_and_free_hooks(
    void (*malloc_hook)(const volatile void*, std::size_t),
    void (*free_hook)(const volatile void*));
__attribute__((weak)) int __sanitizer_get_ownership(const volatile void* p);
__attribute__((weak)) std::size_t __sanitizer_get_allocated_size(const volatile void* p);
}

namespace pop3::fuzz {

/// Installs the hooks when a sanitizer allocator is linked in; false when there is none.
/// A libFuzzer build (POP3_FUZZ_WITH_LIBFUZZER) always has one: there, a missing allocator
/// aborts rather than silently dropping the memory oracles.
inline bool install_allocation_hooks(void (*on_malloc)(const volatile void*, std::size_t),
                                     void (*on_free)(const volatile void*)) {
  if (__sanitizer_install_malloc_and_free_hooks != nullptr &&
      __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free) != 0)
    return true;
#if defined(POP3_FUZZ_WITH_LIBFUZZER)
  std::fputs("fuzz target: no sanitizer allocator hooks; the memory oracles need them\n", stderr);
  std::abort();
#endif
  return false;
}

/// The size of a live heap block the sanitizer allocator owns, else 0.
inline std::size_t allocated_size(const volatile void* p) {
  if (__sanitizer_get_ownership == nullptr || !__sanitizer_get_ownership(p)) return 0;
  return __sanitizer_get_allocated_size(p);
}

}  // namespace pop3::fuzz
