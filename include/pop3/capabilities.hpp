/// \file
/// What the server said it supports in its last CAPA reply (RFC 2449 §6, RFC 2595, RFC 6856).
/// Held by value inside the engine: no allocation, fixed-size storage.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace pop3 {

/// The capability set of one CAPA reply. Fixed-size storage: nothing here allocates, and
/// the views returned point into the object itself (valid until it changes or is
/// destroyed; for the engine's set, until the next non-const call on the engine).
class capabilities {
 public:
  /// True once a CAPA reply completed since connecting (or since TLS was established, which
  /// discards everything learned before, RFC 2595 §4).
  bool known() const noexcept { return known_; }

  bool top = false;             ///< TOP
  bool uidl = false;            ///< UIDL
  bool user = false;            ///< USER (USER/PASS login)
  bool pipelining = false;      ///< PIPELINING: commands may be sent without waiting
  bool resp_codes = false;      ///< RESP-CODES: -ERR may carry response codes
  bool auth_resp_code = false;  ///< AUTH-RESP-CODE (RFC 3206): the [AUTH] code is used
  bool stls = false;            ///< STLS (RFC 2595)
  bool utf8 = false;            ///< UTF8 (RFC 6856)
  bool utf8_user = false;       ///< UTF8 USER: user names and passwords may be UTF-8
  bool lang = false;            ///< LANG (RFC 6856)
  /// EXPIRE: days mail is kept after retrieval; nullopt if not announced; "NEVER" is
  /// `never_expires`.
  std::optional<std::uint32_t> expire_days;
  bool never_expires = false;  ///< EXPIRE NEVER: mail is kept until deleted
  /// LOGIN-DELAY: minimum seconds between logins; nullopt if not announced.
  std::optional<std::uint32_t> login_delay_seconds;

  /// The SASL mechanisms announced, space-separated as sent ("PLAIN LOGIN"); empty if none.
  std::string_view sasl_mechanisms() const noexcept { return {sasl_.data(), sasl_size_}; }
  /// True if `mechanism` is among sasl_mechanisms() (compared case-insensitively).
  bool has_sasl(std::string_view mechanism) const noexcept;
  /// The IMPLEMENTATION text (untrusted, for display only after escaping).
  std::string_view implementation() const noexcept { return {impl_.data(), impl_size_}; }

  /// Applies one CAPA line (tag and arguments). Unknown capabilities are ignored. Returns
  /// false, changing nothing, if a SASL or IMPLEMENTATION text is longer than max_text. Used
  /// by the engine; public for tests and fuzzers.
  bool apply(std::string_view name, std::string_view arguments) noexcept;
  /// Marks the set complete (the CAPA listing ended).
  void mark_known() noexcept { known_ = true; }
  /// Forgets everything (at a new CAPA reply and after TLS).
  void clear() noexcept { *this = capabilities{}; }

  /// The longest SASL or IMPLEMENTATION text kept (a longer one is a protocol error).
  static constexpr std::size_t max_text = 2048;

 private:
  bool known_ = false;
  std::array<char, max_text> sasl_{};
  std::size_t sasl_size_ = 0;
  std::array<char, max_text> impl_{};
  std::size_t impl_size_ = 0;
};

}  // namespace pop3
