// MD5 (RFC 1321), needed only for the APOP digest. The engine depends on nothing, so it cannot
// borrow OpenSSL's; MD5 is not used for anything that needs collision resistance here.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace pop3::detail {

class md5 {
 public:
  using digest = std::array<std::uint8_t, 16>;

  md5() noexcept;
  void update(std::string_view data) noexcept;
  digest finish() noexcept;

 private:
  void block(const std::uint8_t* p) noexcept;

  std::array<std::uint32_t, 4> state_;
  std::array<std::uint8_t, 64> buffer_{};
  std::uint64_t length_ = 0;  // bytes hashed so far
};

}  // namespace pop3::detail
