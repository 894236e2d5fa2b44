// One side of a SASL exchange (RFC 4422) for one mechanism: what to say first, and how to
// answer each challenge. The session does the base64 and the POP3 framing (RFC 5034).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "pop3/auth.hpp"
#include "pop3/result.hpp"

namespace pop3::detail {

class sasl_client {
 public:
  virtual ~sasl_client() = default;
  /// The mechanism's name on the wire ("SCRAM-SHA-256").
  virtual std::string_view name() const = 0;
  /// The initial response (decoded), if the mechanism starts with one.
  virtual std::optional<std::string> initial_response() { return std::nullopt; }
  /// The answer to a challenge (decoded). Errors cancel the exchange:
  /// errc::malformed_challenge, errc::server_not_authenticated.
  virtual result<std::string> respond(std::string_view challenge) = 0;
  /// The server said +OK. Errors: errc::server_not_authenticated if the mechanism expected
  /// the server to prove itself and it did not.
  virtual result<void> succeeded() { return {}; }
};

std::unique_ptr<sasl_client> make_plain(const credentials& who);
std::unique_ptr<sasl_client> make_login(const credentials& who);
std::unique_ptr<sasl_client> make_cram_md5(const credentials& who);
/// The fewest PBKDF2 iterations accepted from a server (RFC 7677): fewer would let whoever
/// sent the challenge (an impostor, without TLS) guess the password offline cheaply.
inline constexpr unsigned scram_min_iterations = 4096;
/// `client_nonce` empty: a random one (tests pass the RFC's). `min_iterations`: only the
/// fuzzer lowers it, to explore the exchange without paying for 4096 PBKDF2 rounds a run.
std::unique_ptr<sasl_client> make_scram(bool sha256, const credentials& who,
                                        std::string client_nonce = {},
                                        unsigned min_iterations = scram_min_iterations);
std::unique_ptr<sasl_client> make_xoauth2(const credentials& who, bool one_step);
std::unique_ptr<sasl_client> make_oauthbearer(const credentials& who, std::string_view host,
                                              std::uint16_t port);
std::unique_ptr<sasl_client> make_external(const credentials& who);

}  // namespace pop3::detail
